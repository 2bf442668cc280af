package interp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
	"github.com/d5/tengo/v2/token"
)

// Source is a script: its name for messages, its text, and the directory
// its file imports (import("./helpers")) are resolved against.
type Source struct {
	Name string // shown in messages: the path as given, or "-e" for code from the command line
	Text []byte
	Dir  string // import directory ("" : the working directory)
	// Show: when the source ends with an expression, its value is kept
	// (Program.Value) for the caller to print, as the REPL prints it
	// (code given with -e).
	Show bool
}

// LoadSource reads a script file. A missing or unreadable file, or one that
// is not text (CheckText), is an error that names it.
func LoadSource(path string) (*Source, error) {
	text, err := os.ReadFile(path)
	if err != nil {
		var pe *os.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return nil, fmt.Errorf("cannot read script %s: %v", path, err)
	}
	if err := CheckText(text); err != nil {
		return nil, fmt.Errorf("cannot read script %s: %v", path, err)
	}
	return &Source{Name: path, Text: text, Dir: filepath.Dir(path)}, nil
}

// CheckText refuses what cannot be a script's text, so that its bytes are
// never echoed as a source line: a NUL byte (a binary file) or invalid
// UTF-8, which Tengo's scanner rejects too. The error says where.
func CheckText(text []byte) error {
	if i := bytes.IndexByte(text, 0); i >= 0 {
		return fmt.Errorf("not a Tengo script (a NUL byte at line %d: a binary file?)", 1+bytes.Count(text[:i], []byte("\n")))
	}
	if !utf8.Valid(text) {
		i := 0
		for i < len(text) {
			r, n := utf8.DecodeRune(text[i:])
			if r == utf8.RuneError && n == 1 {
				break
			}
			i += n
		}
		return fmt.Errorf("not a Tengo script (invalid UTF-8 at line %d: a binary file or another encoding?)", 1+bytes.Count(text[:i], []byte("\n")))
	}
	return nil
}

// Program is a script compiled for one run. The module objects of the run
// are embedded in its bytecode, so a Program must never be shared between
// runs: compile once per run, with that run's module map.
type Program struct {
	src      *Source
	bytecode *tengo.Bytecode
	globals  []tengo.Object
	names    map[string]int // global name → index
	files    *Sources
}

// Compile compiles src for the run of env with modules (stdlib.NewModuleMap
// of the run, plus any extra ones). File imports are enabled, relative to
// src.Dir (and, in an imported file, relative to that file), and read
// through env's file sandbox (lib.Env.ReadPath; env nil: no checks). The
// sources are rewritten first (Sources.Prepare). Errors are *ScriptError
// with the position and source line.
func Compile(src *Source, env *lib.Env, modules tengo.ModuleGetter) (*Program, error) {
	files := NewSources(src.Name, src.Text)
	text, getter, err := files.Prepare(src.Name, src.Text, src.Dir, env, modules)
	if err != nil {
		return nil, err
	}
	st := tengo.NewSymbolTable()
	for i, fn := range tengo.GetAllBuiltinFunctions() {
		st.DefineBuiltin(i, fn.Name)
	}
	fileSet := parser.NewFileSet()
	srcFile := fileSet.AddFile(src.Name, -1, len(text))
	file, err := parser.NewParser(srcFile, text, nil).ParseFile()
	if err != nil {
		return nil, files.CompileError(err)
	}
	if src.Show {
		keepLastValue(file)
	}
	c := tengo.NewCompiler(srcFile, st, nil, getter, nil)
	if err := files.Compile(c, file); err != nil {
		return nil, err
	}
	if st.MaxSymbols() >= tengo.GlobalsSize {
		return nil, &ScriptError{Kind: CompileError, Pos: Pos{File: src.Name},
			Msg: fmt.Sprintf("compile error: more than %d global variables", tengo.GlobalsSize)}
	}
	bc := c.Bytecode()
	RemoveDuplicates(bc)
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

// CompileContext is Compile that stops waiting when ctx is cancelled
// (Ctrl-C, --timeout) and returns an Interrupted error (a runtime error
// when the memory budget's watchdog cancelled it). Tengo's compiler
// cannot be stopped, and a large generated script can keep it busy for
// minutes: it goes on in the background until it ends or the command
// exits, and its result is dropped.
func CompileContext(ctx context.Context, src *Source, env *lib.Env, modules tengo.ModuleGetter) (*Program, error) {
	type result struct {
		prog *Program
		err  error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{nil, &InternalError{Value: p, Stack: string(debug.Stack())}}
			}
		}()
		prog, err := Compile(src, env, modules)
		done <- result{prog, err}
	}()
	select {
	case r := <-done:
		return r.prog, r.err
	case <-ctx.Done():
		// The memory budget's watchdog stops a compile too: an error of
		// the run, not an interruption (which the command reports as
		// the user's and exits 0 for when nobody interrupted).
		kind, msg := stopKind(ctx)
		return nil, &ScriptError{Kind: kind, Pos: Pos{File: src.Name}, Msg: msg + " (while compiling)", Err: context.Cause(ctx)}
	}
}

// Compile compiles a parsed file, prepared by Prepare, with c. Tengo's own
// file imports stay off: Prepare's module getter serves the files, read
// through the run's sandbox. A panic of Tengo's compiler (it panics on a
// few invalid inputs) is an error too; errors are *ScriptError.
func (s *Sources) Compile(c *tengo.Compiler, file *parser.File) (err error) {
	c.EnableFileImport(false)
	defer func() {
		if r := recover(); r != nil {
			err = s.CompileError(fmt.Errorf("%v", r))
		}
	}()
	if err := c.Compile(file); err != nil {
		return s.CompileError(err)
	}
	return nil
}

// lastValueName is the hidden global that keeps the value of a final
// expression (Source.Show); no script can name it.
const lastValueName = "\x00value"

// keepLastValue turns a final expression statement of file into an
// assignment to lastValueName.
func keepLastValue(file *parser.File) {
	n := len(file.Stmts)
	if n == 0 {
		return
	}
	if st, ok := file.Stmts[n-1].(*parser.ExprStmt); ok {
		file.Stmts[n-1] = &parser.AssignStmt{
			LHS:      []parser.Expr{&parser.Ident{Name: lastValueName, NamePos: st.Pos()}},
			RHS:      []parser.Expr{st.Expr},
			Token:    token.Define,
			TokenPos: st.Pos(),
		}
	}
}

// Value is the value of the source's final expression after the run (see
// Source.Show), nil when there is none or it is undefined.
func (p *Program) Value() tengo.Object {
	v := p.Global(lastValueName)
	if v == tengo.UndefinedValue {
		return nil
	}
	return v
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

// Run executes the program once. See Sources.Run for its errors.
func (p *Program) Run(ctx context.Context) error {
	return p.files.Run(ctx, tengo.NewVM(p.bytecode, p.globals, -1))
}

// Run runs vm, whose bytecode was compiled from these sources, until it
// ends or ctx is cancelled. It returns nil, or a *ScriptError: a runtime
// error with its position and call trace; a Go panic inside the VM or a
// module (e.g. an integer division by zero) recovered with the position of
// the instruction; or, when ctx is cancelled, an Interrupted error whose Err
// is context.Cause(ctx). Cancellation stops the VM between two
// instructions; native functions observe it through lib.Env.Ctx.
func (s *Sources) Run(ctx context.Context, vm *tengo.VM) (err error) {
	stop := context.AfterFunc(ctx, vm.Abort)
	defer stop()
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		if ctx.Err() != nil {
			kind, msg := stopKind(ctx)
			err = s.at(kind, vmPositions(vm), msg, context.Cause(ctx))
			return
		}
		err = s.panicError(vm, r)
	}()
	runErr := vm.Run()
	if ctx.Err() != nil {
		kind, msg := stopKind(ctx)
		if runErr == nil {
			return s.at(kind, vmPositions(vm), msg, context.Cause(ctx))
		}
		// A native function saw the cancellation and returned an error.
		se := s.runtimeError(runErr)
		if e, ok := se.(*ScriptError); ok {
			e.Kind, e.Msg, e.Err = kind, msg, context.Cause(ctx)
		}
		return se
	}
	if runErr != nil {
		return s.runtimeError(runErr)
	}
	return nil
}

// stopKind classifies a run stopped by its context: the memory budget's
// watchdog (lib.WatchMemory) stops it with a runtime error, anything else
// interrupts it.
func stopKind(ctx context.Context) (ErrorKind, string) {
	var me *lib.MemoryError
	if errors.As(context.Cause(ctx), &me) {
		return RuntimeError, me.Error()
	}
	return Interrupted, interruptMsg(ctx)
}

func interruptMsg(ctx context.Context) string {
	cause := context.Cause(ctx)
	if cause == nil || cause == context.Canceled {
		return "interrupted"
	}
	return "interrupted: " + cause.Error()
}

// panicError describes a recovered Go panic at the VM's current instruction.
func (s *Sources) panicError(vm *tengo.VM, r any) error {
	msg, internal := fmt.Sprint(r), false
	re, isRuntime := r.(runtime.Error)
	switch {
	case isRuntime && strings.Contains(re.Error(), "integer divide by zero"):
		msg = "integer division by zero"
	case isRuntime && strings.Contains(re.Error(), fmt.Sprintf("with length %d", tengo.StackSize)):
		// Tengo's VM does not check its value stack (only its frames).
		msg = "stack overflow (recursion too deep?)"
	default:
		msg = "internal error (Go panic): " + msg
		internal = true
	}
	err, ok := r.(error)
	if !ok {
		err = errors.New(fmt.Sprint(r))
	}
	e := s.at(PanicError, vmPositions(vm), msg, err)
	e.Stack = string(debug.Stack())
	e.Internal = internal
	return e
}

// vmPositions reads the source positions of the VM's current instruction
// and of its callers (innermost first), as tengo.VM.Run does for runtime
// errors (it computes none for Go panics, which it does not recover). The
// VM does not export them, so they are read with reflection from the
// fields of tengo v2.17.0's VM (ip, framesIndex, frames[i].fn,
// frames[i].ip, fileSet); if the layout differs, it returns nil and the
// error has no position.
func vmPositions(vm *tengo.VM) (out []parser.SourceFilePos) {
	defer func() {
		if recover() != nil {
			out = nil
		}
	}()
	v := reflect.ValueOf(vm).Elem()
	ip, framesIndex, frames := v.FieldByName("ip"), v.FieldByName("framesIndex"), v.FieldByName("frames")
	fsField := v.FieldByName("fileSet")
	if ip.Kind() != reflect.Int || framesIndex.Kind() != reflect.Int || frames.Kind() != reflect.Array ||
		fsField.Type() != reflect.TypeOf((*parser.SourceFileSet)(nil)) {
		return nil
	}
	n := int(framesIndex.Int())
	fileSet := (*parser.SourceFileSet)(unsafe.Pointer(fsField.Pointer()))
	if n < 1 || n > frames.Len() || fileSet == nil {
		return nil
	}
	fnType := reflect.TypeOf((*tengo.CompiledFunction)(nil))
	// The current frame's ip is vm.ip; the callers' are in frames[i].ip.
	fip := int(ip.Int())
	for i := n - 1; i >= 0; i-- {
		frame := frames.Index(i)
		if i < n-1 {
			fip = int(frame.FieldByName("ip").Int())
		}
		fnField := frame.FieldByName("fn")
		if fnField.Type() != fnType {
			return nil
		}
		fn := (*tengo.CompiledFunction)(unsafe.Pointer(fnField.Pointer()))
		if fn == nil {
			break
		}
		out = append(out, fileSet.Position(fn.SourcePos(fip-1)))
	}
	return out
}
