package interp

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// Source is a script: its name for messages, its text, and the directory
// its file imports (import("./helpers")) are resolved against.
type Source struct {
	Name string // shown in messages: the path as given, or "-e" for code from the command line
	Text []byte
	Dir  string // import directory ("" : the working directory)
}

// LoadSource reads a script file. A missing or unreadable file is an error
// that names it.
func LoadSource(path string) (*Source, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read script %s: %v", path, err)
	}
	return &Source{Name: path, Text: text, Dir: filepath.Dir(path)}, nil
}

// Program is a script compiled for one run. The module objects of the run
// are embedded in its bytecode, so a Program must never be shared between
// runs: compile once per run, with that run's module map.
type Program struct {
	src      *Source
	bytecode *tengo.Bytecode
	globals  []tengo.Object
	names    map[string]int // global name → index
	files    *sources
}

// Compile compiles src with modules (stdlib.NewModuleMap of the run, plus
// any extra ones). File imports are enabled, relative to src.Dir (and, in an
// imported file, relative to that file). Errors are *ScriptError with the
// position and source line.
func Compile(src *Source, modules tengo.ModuleGetter) (*Program, error) {
	files := newSources(src.Name, src.Text)
	st := tengo.NewSymbolTable()
	for i, fn := range tengo.GetAllBuiltinFunctions() {
		st.DefineBuiltin(i, fn.Name)
	}
	fileSet := parser.NewFileSet()
	srcFile := fileSet.AddFile(src.Name, -1, len(src.Text))
	file, err := parser.NewParser(srcFile, src.Text, nil).ParseFile()
	if err != nil {
		return nil, files.compileError(err)
	}
	c := tengo.NewCompiler(srcFile, st, nil, modules, nil)
	c.EnableFileImport(true)
	dir := src.Dir
	if dir == "" {
		dir = "."
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	c.SetImportDir(abs)
	if err := compileSafe(c, file); err != nil {
		return nil, files.compileError(err)
	}
	if st.MaxSymbols() >= tengo.GlobalsSize {
		return nil, &ScriptError{Kind: CompileError, Pos: Pos{File: src.Name},
			Msg: fmt.Sprintf("compile error: more than %d global variables", tengo.GlobalsSize)}
	}
	bc := c.Bytecode()
	bc.RemoveDuplicates()
	names := map[string]int{}
	for _, name := range st.Names() {
		if sym, _, ok := st.Resolve(name, false); ok && sym.Scope == tengo.ScopeGlobal {
			names[name] = sym.Index
		}
	}
	return &Program{
		src:      src,
		bytecode: bc,
		globals:  make([]tengo.Object, tengo.GlobalsSize),
		names:    names,
		files:    files,
	}, nil
}

// compileSafe runs the compiler, turning a panic (Tengo panics on a few
// invalid inputs) into an error.
func compileSafe(c *tengo.Compiler, file *parser.File) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	return c.Compile(file)
}

// Global returns the value of a global variable after the run (nil if the
// script has no such global or did not set it).
func (p *Program) Global(name string) tengo.Object {
	i, ok := p.names[name]
	if !ok {
		return nil
	}
	return p.globals[i]
}

// Run executes the program once. It returns nil, or a *ScriptError: a
// runtime error with its position and call trace; a Go panic inside the VM
// or a module (e.g. an integer division by zero) recovered with the
// position of the instruction; or, when ctx is cancelled, an Interrupted
// error whose Err is context.Cause(ctx). Cancellation stops the VM between
// two instructions; native functions observe it through lib.Env.Ctx.
func (p *Program) Run(ctx context.Context) (err error) {
	vm := tengo.NewVM(p.bytecode, p.globals, -1)
	stop := context.AfterFunc(ctx, vm.Abort)
	defer stop()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if ctx.Err() != nil {
			err = p.interrupted(ctx, vm)
			return
		}
		err = p.panicError(vm, r)
	}()
	runErr := vm.Run()
	if ctx.Err() != nil {
		if runErr == nil {
			return p.interrupted(ctx, vm)
		}
		// A native function saw the cancellation and returned an error.
		se := p.files.runtimeError(runErr)
		if s, ok := se.(*ScriptError); ok {
			s.Kind, s.Msg, s.Err = Interrupted, interruptMsg(ctx), context.Cause(ctx)
		}
		return se
	}
	if runErr != nil {
		return p.files.runtimeError(runErr)
	}
	return nil
}

func interruptMsg(ctx context.Context) string {
	cause := context.Cause(ctx)
	if cause == nil || cause == context.Canceled {
		return "interrupted"
	}
	return "interrupted: " + cause.Error()
}

func (p *Program) interrupted(ctx context.Context, vm *tengo.VM) error {
	positions := vmPositions(vm)
	e := &ScriptError{Kind: Interrupted, Pos: Pos{File: p.src.Name}, Msg: interruptMsg(ctx), Err: context.Cause(ctx)}
	if len(positions) > 0 {
		e = p.files.at(Interrupted, positions[0], e.Msg, e.Err)
		for _, q := range positions[1:] {
			e.Trace = append(e.Trace, p.files.pos(q))
		}
	}
	return e
}

// panicError describes a recovered Go panic at the VM's current instruction.
func (p *Program) panicError(vm *tengo.VM, r any) error {
	msg := fmt.Sprint(r)
	re, isRuntime := r.(runtime.Error)
	switch {
	case isRuntime && strings.Contains(re.Error(), "integer divide by zero"):
		msg = "integer division by zero"
	case isRuntime && strings.Contains(re.Error(), fmt.Sprintf("with length %d", tengo.StackSize)):
		// Tengo's VM does not check its value stack (only its frames).
		msg = "stack overflow (recursion too deep?)"
	default:
		msg = "internal error (Go panic): " + msg
	}
	var err error
	if e, ok := r.(error); ok {
		err = e
	} else {
		err = errors.New(fmt.Sprint(r))
	}
	positions := vmPositions(vm)
	e := &ScriptError{Kind: PanicError, Pos: Pos{File: p.src.Name}, Msg: msg, Err: err}
	if len(positions) > 0 {
		e = p.files.at(PanicError, positions[0], msg, err)
		for _, q := range positions[1:] {
			e.Trace = append(e.Trace, p.files.pos(q))
		}
	}
	e.Stack = string(debug.Stack())
	return e
}

// vmPositions reads the source positions of the VM's current instruction
// and of its callers (innermost first), as tengo.VM.Run does for runtime
// errors. The VM does not export them, so they are read with reflection
// from the fields of tengo v2.17.0's VM (ip, framesIndex, frames[i].fn,
// frames[i].ip, fileSet); if the layout differs, it returns nil and the
// error has no position.
func vmPositions(vm *tengo.VM) (out []parser.SourceFilePos) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	v := reflect.ValueOf(vm).Elem()
	ip := int(v.FieldByName("ip").Int())
	framesIndex := int(v.FieldByName("framesIndex").Int())
	frames := v.FieldByName("frames")
	fsField := v.FieldByName("fileSet")
	if !fsField.IsValid() || framesIndex < 1 || framesIndex > frames.Len() {
		return nil
	}
	fileSet := (*parser.SourceFileSet)(unsafe.Pointer(fsField.Pointer()))
	fnAt := func(i int) *tengo.CompiledFunction {
		return (*tengo.CompiledFunction)(unsafe.Pointer(frames.Index(i).FieldByName("fn").Pointer()))
	}
	cur := fnAt(framesIndex - 1)
	if cur == nil || fileSet == nil {
		return nil
	}
	out = append(out, fileSet.Position(cur.SourcePos(ip-1)))
	for i := framesIndex - 2; i >= 0; i-- {
		fn := fnAt(i)
		fip := int(frames.Index(i).FieldByName("ip").Int())
		if fn == nil {
			break
		}
		out = append(out, fileSet.Position(fn.SourcePos(fip-1)))
	}
	return out
}
