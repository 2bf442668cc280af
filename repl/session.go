// Package repl is bohpsh's interactive read-eval-print loop.
//
// A Session keeps a persistent set of globals across inputs, as Tengo's own
// REPL does: each input is parsed, compiled with tengo.NewCompiler against the
// session's symbol table and constants, and run on a VM over the session's
// globals. On top of that it
//
//   - prints the value of every expression statement (x := 1 prints nothing);
//   - lets a name be declared again (x := 1, then x := "a") by compiling a
//     top-level ":=" of an existing global as "=";
//   - keeps prior state when an input fails: a syntax or compile error changes
//     nothing, and a runtime error (including integer division by zero, a Go
//     panic inside Tengo's VM, and panics in native calls) keeps every value
//     assigned before it;
//   - stops a running input when its context is cancelled (Ctrl-C), not the
//     session;
//   - collects multi-line input while a {, ( or [ is open;
//   - answers :help, :load, :reset and :quit, and completes names.
//
// Run drives a Session from a terminal (line editing, history, completion)
// or from any reader.
//
// The package owns the session (globals kept across inputs, the AST
// rewrites, commands, completion, the terminal); everything else is
// interp's: the run environment (interp.NewEnv), compiling and running with
// errors that read as a script's (interp.Sources, *interp.ScriptError), and
// the help texts (interp/docgen). It imports interp and stdlib (the module
// list for :help), never cli.
package repl

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/interp/docgen"
	"github.com/bohpsh/bohpsh/stdlib"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
	"github.com/d5/tengo/v2/token"
)

// Options configure a REPL run.
type Options struct {
	Seed        int64  // seed of the session's random stream
	AllowOS     bool   // whether Tengo's os module may be imported
	Interactive bool   // stdin is a terminal: line editing, prompts, history, completion
	HistoryFile string // history file ("" means ~/.bohpsh_history)
}

const (
	// Prompt is shown for a new statement, ContPrompt while one continues.
	Prompt     = ">> "
	ContPrompt = "... "

	showName = "\x00show" // hidden global holding the value printer
)

// maxConstants is the number of constants Tengo's 16-bit operands address.
const maxConstants = 1 << 16

// ErrInterrupted matches (errors.Is) the error of an input stopped by its
// context or by Interrupt (Ctrl-C).
var ErrInterrupted = errors.New("interrupted")

// interruptedError is the error of an interrupted input: it keeps its
// message and matches ErrInterrupted.
type interruptedError struct{ err error }

func (e interruptedError) Error() string        { return e.err.Error() }
func (e interruptedError) Unwrap() error        { return e.err }
func (e interruptedError) Is(target error) bool { return target == ErrInterrupted }

// Session is one REPL session: its globals, modules and pending input.
// Eval, Feed and Load must not be called concurrently; Interrupt may be
// called from any goroutine.
type Session struct {
	opts  Options
	out   io.Writer
	mods  []*lib.Module // documented modules (stdlib.Modules() and extra)
	extra []*lib.Module // modules added by tests

	env       *lib.Env
	modules   *tengo.ModuleMap
	fileSet   *parser.SourceFileSet
	sources   *interp.Sources // the text of each input and loaded file, by name
	names     []string        // names[i] is the global at index i; "" marks a reserved slot
	index     map[string]int
	globals   []tengo.Object
	constants []tengo.Object
	pending   []string // lines of an unfinished statement
	nInputs   int

	mu     sync.Mutex
	cancel context.CancelFunc // cancels the running input, if any
}

// NewSession starts a session whose values, help texts and script output go
// to out. (Errors are returned by its methods, not printed.)
func NewSession(out io.Writer, opts Options) *Session {
	s := &Session{opts: opts, out: out, mods: stdlib.Modules()}
	s.Reset()
	return s
}

// Reset discards every global and starts a fresh environment (a new random
// stream from the seed, fresh module state).
func (s *Session) Reset() {
	wd, _ := os.Getwd()
	s.env, s.modules = interp.NewEnv(interp.EnvConfig{
		Seed:      s.opts.Seed,
		Out:       s.out,
		AllowOS:   s.opts.AllowOS,
		ScriptDir: wd,
		OutDir:    wd, // the session writes (yaml.write, net.save) where it runs
		Extra:     s.extra,
	})
	s.fileSet = parser.NewFileSet()
	s.sources = interp.NewSources("(repl)", nil)
	s.sources.Defined = func(name string) bool { _, ok := s.index[name]; return ok } // earlier inputs' globals
	s.names = []string{showName}
	s.index = map[string]int{showName: 0}
	s.globals = make([]tengo.Object, tengo.GlobalsSize)
	s.globals[0] = &tengo.UserFunction{Name: "show", Value: s.show}
	s.constants = nil
	s.pending = nil
}

// Env is the session's run environment (seed, output, context of the
// running input).
func (s *Session) Env() *lib.Env { return s.env }

// Modules are the module tables the session documents and completes from.
func (s *Session) Modules() []*lib.Module { return s.mods }

// show prints the value of an expression statement.
func (s *Session) show(args ...tengo.Object) (tengo.Object, error) {
	for _, a := range args {
		if a == nil || a == tengo.UndefinedValue {
			continue
		}
		if _, ok := a.(*tengo.Undefined); ok {
			continue
		}
		if err := lib.CheckAcyclic(a); err != nil {
			return nil, err
		}
		fmt.Fprintln(s.out, Format(a))
	}
	return tengo.UndefinedValue, nil
}

// Format renders a value as the REPL prints it: lib.Format, Tengo's
// literal form (strings quoted, "abc", as they are inside arrays and maps)
// with map keys sorted; custom objects print their String().
func Format(o tengo.Object) string { return lib.Format(o) }

// Globals lists the user-visible global names, sorted.
func (s *Session) Globals() []string {
	var out []string
	for _, n := range s.names {
		if n != "" && !strings.HasPrefix(n, "\x00") {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

// Global returns the value of a global, if defined.
func (s *Session) Global(name string) (tengo.Object, bool) {
	i, ok := s.index[name]
	if !ok || strings.HasPrefix(name, "\x00") {
		return nil, false
	}
	return s.globals[i], s.globals[i] != nil
}

// Interrupt stops the running input, if any (Ctrl-C), and reports
// whether there was one.
func (s *Session) Interrupt() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cancel == nil {
		return false
	}
	s.cancel()
	return true
}

// Eval parses, compiles and runs src, a complete input, printing the values
// of its expression statements. The error is returned, not printed.
func (s *Session) Eval(ctx context.Context, src string) error {
	wd, _ := os.Getwd()
	s.nInputs++
	name := fmt.Sprintf("(repl #%d)", s.nInputs) // one name per input: positions stay exact
	return s.exec(ctx, name, []byte(src), wd, true)
}

// Load runs a script file in the session: its globals stay defined.
// Values of its expression statements are not printed.
func (s *Session) Load(ctx context.Context, path string) error {
	full, err := s.env.ReadPath(":load", path)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(full)
	if err == nil {
		err = interp.CheckText(data)
	}
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	if len(data) > 1 && data[0] == '#' && data[1] == '!' {
		copy(data, "//")
	}
	abs, err := filepath.Abs(full)
	if err != nil {
		return fmt.Errorf("load: %w", err)
	}
	dir := filepath.Dir(abs)
	prev := s.env.ScriptDir
	s.env.ScriptDir = dir
	defer func() { s.env.ScriptDir = prev }()
	return s.exec(ctx, path, data, dir, false)
}

// symbolTable rebuilds the compiler's view of the session: builtins, then
// every global at its index.
func (s *Session) symbolTable() *tengo.SymbolTable {
	st := tengo.NewSymbolTable()
	for i, fn := range tengo.GetAllBuiltinFunctions() {
		st.DefineBuiltin(i, fn.Name)
	}
	for i, n := range s.names {
		if n == "" {
			n = fmt.Sprintf("\x00slot%d", i) // reserved: keeps the index, cannot be named
		}
		st.Define(n)
	}
	return st
}

// exec compiles and runs one input or file. Its errors are
// *interp.ScriptError, as a script's; one that interrupted the input also
// matches ErrInterrupted.
func (s *Session) exec(ctx context.Context, name string, src []byte, importDir string, show bool) error {
	text, modules, err := s.sources.Prepare(name, src, importDir, s.env, s.modules)
	if err != nil {
		return err
	}
	srcFile := s.fileSet.AddFile(name, -1, len(text))
	file, err := parser.NewParser(srcFile, text, nil).ParseFile()
	if err != nil {
		return s.sources.CompileError(err)
	}
	file = s.rewrite(file, show)

	st := s.symbolTable()
	c := tengo.NewCompiler(srcFile, st, s.constants, modules, nil)
	if err := s.sources.Compile(c, file); err != nil {
		return err // nothing ran: the session is unchanged
	}
	bc := c.Bytecode()
	if n := len(bc.Constants); n > maxConstants {
		return fmt.Errorf("the session holds too many constants (%d, Tengo's limit is %d); use :reset", n, maxConstants)
	}
	// Constants accumulate over the session; Tengo addresses them with 16
	// bits. Merging equal ones keeps the table small; the instructions of
	// earlier functions are renumbered in place.
	interp.RemoveDuplicates(bc)

	if n := st.MaxSymbols(); n > len(s.globals) {
		g := make([]tengo.Object, max(n, 2*len(s.globals)))
		copy(g, s.globals)
		s.globals = g
	}
	err = s.run(ctx, bc)
	s.commit(st)
	s.constants = bc.Constants
	return err
}

// run executes bytecode over the session's globals until it ends or ctx is
// cancelled or Interrupt is called.
func (s *Session) run(ctx context.Context, bc *tengo.Bytecode) error {
	if ctx == nil {
		ctx = context.Background()
	}
	runCtx, cancelCause := context.WithCancelCause(ctx)
	cancel := func() { cancelCause(nil) }
	defer lib.WatchMemory(cancelCause)() // the memory budget's watchdog
	s.mu.Lock()
	s.cancel = cancel
	s.mu.Unlock()
	prevCtx := s.env.Ctx
	s.env.Ctx = runCtx
	defer func() {
		s.mu.Lock()
		s.cancel = nil
		s.mu.Unlock()
		cancel()
		s.env.Ctx = prevCtx
	}()
	err := s.sources.Run(runCtx, tengo.NewVM(bc, s.globals, -1))
	var se *interp.ScriptError
	if errors.As(err, &se) && se.Kind == interp.Interrupted {
		return interruptedError{err}
	}
	return err
}

// commit records the globals the input defined. A name whose slot was never
// assigned (its statement failed at run time) is not kept, but its index
// stays reserved, as does every index used by top-level blocks, so compiled
// functions that refer to them by index stay valid.
func (s *Session) commit(st *tengo.SymbolTable) {
	n := st.MaxSymbols()
	for len(s.names) < n {
		s.names = append(s.names, "")
	}
	for _, name := range st.Names() {
		sym, _, ok := st.Resolve(name, false)
		if !ok || sym.Scope != tengo.ScopeGlobal || strings.HasPrefix(name, "\x00slot") {
			continue
		}
		if _, known := s.index[name]; known {
			continue
		}
		if sym.Index < len(s.globals) && s.globals[sym.Index] != nil {
			s.names[sym.Index] = name
			s.index[name] = sym.Index
		}
	}
}

// rewrite wraps expression statements in the value printer (when show) and
// turns a top-level "name := value" of an existing global into an
// assignment, so that names can be declared again.
func (s *Session) rewrite(file *parser.File, show bool) *parser.File {
	stmts := make([]parser.Stmt, 0, len(file.Stmts))
	for _, st := range file.Stmts {
		switch st := st.(type) {
		case *parser.ExprStmt:
			if show {
				st = &parser.ExprStmt{Expr: &parser.CallExpr{
					Func:     &parser.Ident{Name: showName, NamePos: st.Pos()},
					LParen:   st.Pos(),
					Args:     []parser.Expr{st.Expr},
					RParen:   st.End(),
					Ellipsis: parser.NoPos,
				}}
			}
			stmts = append(stmts, st)
		case *parser.AssignStmt:
			if st.Token == token.Define && len(st.LHS) == 1 {
				if id, ok := st.LHS[0].(*parser.Ident); ok {
					if _, exists := s.index[id.Name]; exists {
						cp := *st
						cp.Token = token.Assign
						stmts = append(stmts, &cp)
						continue
					}
				}
			}
			stmts = append(stmts, st)
		default:
			stmts = append(stmts, st)
		}
	}
	return &parser.File{InputFile: file.InputFile, Stmts: stmts}
}

// Pending reports whether an unfinished multi-line statement is waiting
// for more lines.
func (s *Session) Pending() bool { return len(s.pending) > 0 }

// ClearPending drops an unfinished statement (Ctrl-C at the prompt).
func (s *Session) ClearPending() { s.pending = nil }

// Prompt is the prompt for the next line.
func (s *Session) Prompt() string {
	if s.Pending() {
		return ContPrompt
	}
	return Prompt
}

// Feed takes one line of input. A line starting with ':' (outside a
// multi-line statement) is a command; otherwise the line is added to the
// pending statement, which runs once no bracket is left open (see Pending).
// quit reports :quit; err is the error of the command or statement run.
func (s *Session) Feed(ctx context.Context, line string) (quit bool, err error) {
	if !s.Pending() {
		t := strings.TrimSpace(line)
		if t == "" {
			return false, nil
		}
		if strings.HasPrefix(t, ":") {
			return s.Command(ctx, t)
		}
	}
	s.pending = append(s.pending, line)
	src := strings.Join(s.pending, "\n")
	if Incomplete(src) {
		return false, nil
	}
	s.pending = nil
	return false, s.Eval(ctx, src)
}

// Flush runs a pending statement at end of input (it is then usually a
// syntax error).
func (s *Session) Flush(ctx context.Context) error {
	if !s.Pending() {
		return nil
	}
	src := strings.Join(s.pending, "\n")
	s.pending = nil
	return s.Eval(ctx, src)
}

// FilesHelp is :help's paragraph on the file sandbox (lib.Env.ReadPath).
const FilesHelp = `Files: without --allow-os the session reads (import, yaml.read, bohp.load,
:load) and writes (yaml.write, net.save, net.diagram, net.record's
figures) only under the working directory. A script run by bohpsh reads
only under its own folder, the working directory and the output
directory, and writes only in its run's directory (seed-<S>/ of --out, written in
.bohpsh/work/ until the run's outputs are committed). ".." and links
leading out are refused; the error names the path and the flag.
`

// Commands lists the REPL commands with their help lines.
var Commands = []struct{ Name, Args, Doc string }{
	{":help", "[NAME]", "list modules and commands; with NAME, show a module, module.func, type or type.method"},
	{":load", "FILE", "run a script file in the session; its globals stay defined"},
	{":reset", "", "discard every global and start a fresh session"},
	{":quit", "", "leave the REPL (also Ctrl-D)"},
}

// Command runs one ':' command line.
func (s *Session) Command(ctx context.Context, line string) (quit bool, err error) {
	cmd, arg, _ := strings.Cut(strings.TrimSpace(line), " ")
	arg = strings.TrimSpace(arg)
	switch cmd {
	case ":quit", ":q", ":exit":
		return true, nil
	case ":help", ":h":
		text, err := s.Help(arg)
		if err != nil {
			return false, err
		}
		if !strings.HasSuffix(text, "\n") {
			text += "\n"
		}
		fmt.Fprint(s.out, text)
		return false, nil
	case ":load", ":l":
		if arg == "" {
			return false, errors.New(":load needs a file name: :load FILE")
		}
		return false, s.Load(ctx, unquote(expandHome(arg)))
	case ":reset":
		if arg != "" {
			return false, errors.New(":reset takes no argument")
		}
		s.Reset()
		return false, nil
	}
	return false, fmt.Errorf("unknown command %s (commands: :help, :load FILE, :reset, :quit)", cmd)
}

// Help is the text of :help (no name) or :help NAME. NAME may also be a
// global holding an object of a documented type, or global.method.
func (s *Session) Help(name string) (string, error) {
	if name == "" {
		var b strings.Builder
		b.WriteString(docgen.Overview(s.mods))
		b.WriteString("\nCommands:\n")
		for _, c := range Commands {
			fmt.Fprintf(&b, "  %-14s %s\n", strings.TrimSpace(c.Name+" "+c.Args), c.Doc)
		}
		b.WriteString("\nBuiltins: ")
		var bs []string
		for _, fn := range tengo.GetAllBuiltinFunctions() {
			bs = append(bs, fn.Name)
		}
		b.WriteString(strings.Join(bs, ", "))
		b.WriteString("\n\nType an expression to see its value; open {, ( or [ continue on the next line.\n")
		b.WriteString("Tab completes names, module members and methods. Ctrl-C stops a running statement.\n\n")
		b.WriteString(FilesHelp)
		return b.String(), nil
	}
	if text, ok := docgen.Help(s.mods, name); ok {
		return text, nil
	}
	// A global: help on its type; global.method: help on the method.
	owner, member, dotted := strings.Cut(name, ".")
	if v, ok := s.Global(owner); ok {
		tn := typeName(v)
		if t, _ := docgen.FindType(s.mods, tn); t != nil {
			if !dotted {
				text, _ := docgen.Help(s.mods, tn)
				return text, nil
			}
			if text, ok := docgen.Help(s.mods, tn+"."+member); ok {
				return text, nil
			}
		} else if !dotted {
			return fmt.Sprintf("%s is a global of type %s\n", owner, tn), nil
		}
	}
	for _, c := range Commands {
		if name == c.Name || ":"+name == c.Name {
			return fmt.Sprintf("%s %s\n    %s\n", c.Name, c.Args, c.Doc), nil
		}
	}
	// A bare name: the builtin and every function, value and method so named.
	var text string
	if doc, ok := builtinDocs[name]; ok {
		text = fmt.Sprintf("%s (Tengo builtin)\n    %s\n", name, doc)
	}
	if members, ok := docgen.BareName(s.mods, name); ok {
		text += members
	}
	if text != "" {
		return text, nil
	}
	return "", fmt.Errorf("no help for %q (try :help for the list of modules)", name)
}

func expandHome(p string) string {
	if strings.HasPrefix(p, "~/") {
		if h, err := os.UserHomeDir(); err == nil {
			return filepath.Join(h, p[2:])
		}
	}
	return p
}

func unquote(p string) string {
	if len(p) >= 2 && (p[0] == '"' && p[len(p)-1] == '"' || p[0] == '\'' && p[len(p)-1] == '\'') {
		return p[1 : len(p)-1]
	}
	return p
}

// typeName is o.TypeName(), or "" when the object does not implement it
// (tengo.ObjectImpl's default panics).
func typeName(o tengo.Object) (name string) {
	defer func() {
		if recover() != nil {
			name = ""
		}
	}()
	return o.TypeName()
}

// builtinDocs are one-line docs of Tengo's builtin functions (v2.17), for
// :help NAME.
var builtinDocs = map[string]string{
	"len":                "len(x) -> int: length of a string, bytes, array or map",
	"copy":               "copy(x) -> copy: a deep copy of x",
	"append":             "append(arr, x...) -> array: arr with the values appended",
	"delete":             "delete(map, key): removes key from a mutable map",
	"splice":             "splice(arr, start, n, x...) -> removed: removes n elements at start, inserting x",
	"string":             "string(x, default) -> string: converts x, or default (undefined) when it cannot",
	"int":                "int(x, default) -> int: converts x, or default (undefined) when it cannot",
	"bool":               "bool(x) -> bool: truthiness of x",
	"float":              "float(x, default) -> float: converts x, or default (undefined) when it cannot",
	"char":               "char(x, default) -> char: converts x, or default (undefined) when it cannot",
	"bytes":              "bytes(x, default) -> bytes: converts x (or makes n zero bytes from an int)",
	"time":               "time(x, default) -> time: converts x to a time",
	"is_int":             "is_int(x) -> bool",
	"is_float":           "is_float(x) -> bool",
	"is_string":          "is_string(x) -> bool",
	"is_bool":            "is_bool(x) -> bool",
	"is_char":            "is_char(x) -> bool",
	"is_bytes":           "is_bytes(x) -> bool",
	"is_array":           "is_array(x) -> bool",
	"is_immutable_array": "is_immutable_array(x) -> bool",
	"is_map":             "is_map(x) -> bool",
	"is_immutable_map":   "is_immutable_map(x) -> bool",
	"is_iterable":        "is_iterable(x) -> bool",
	"is_time":            "is_time(x) -> bool",
	"is_error":           "is_error(x) -> bool",
	"is_undefined":       "is_undefined(x) -> bool",
	"is_function":        "is_function(x) -> bool: x is a compiled (script) function",
	"is_callable":        "is_callable(x) -> bool: x can be called",
	"type_name":          "type_name(x) -> string: the type name of x",
	"format":             "format(fmt, args...) -> string: formats like Go's fmt.Sprintf",
	"range":              "range(start, stop, step) -> array: integers from start up to (not including) stop",
}
