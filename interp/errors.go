package interp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/bohpsh/bohpsh/interp/srcpos"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// Pos is a position in a script file.
type Pos struct {
	File string // as shown: the path given on the command line, or relative to the working directory
	Line int    // 1-based; 0 when unknown
	Col  int    // 1-based; 0 when unknown
}

func (p Pos) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Col == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	}
	return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Col)
}

// ErrorKind classifies a ScriptError.
type ErrorKind int

const (
	CompileError ErrorKind = iota // syntax or compile error
	RuntimeError                  // error raised while running
	PanicError                    // a Go panic inside the VM or a module, recovered
	Interrupted                   // the run was cancelled (Ctrl-C, --timeout)
)

// ScriptError is an error of a script with its position: the innermost
// position (where it happened), the source line there, and the positions
// of the calls that led to it (innermost first).
type ScriptError struct {
	Kind  ErrorKind
	Pos   Pos
	Line  string // the source line at Pos ("" when unavailable)
	Msg   string // the message without position
	Trace []Pos  // callers, innermost first
	Err   error  // the underlying error (errors.As reaches module error types)
	Stack string // Go stack of a recovered panic
}

func (e *ScriptError) Unwrap() error { return e.Err }

// Error renders "file.tengo:LINE:COL: message", then the source line with a
// caret under the column, then one "at" line per caller.
func (e *ScriptError) Error() string {
	var b strings.Builder
	if e.Pos.File != "" || e.Pos.Line != 0 {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	if e.Line != "" {
		b.WriteString("\n    ")
		b.WriteString(e.Line)
		if e.Pos.Col > 0 {
			b.WriteString("\n    ")
			b.WriteString(srcpos.Caret(e.Line, e.Pos.Col))
		}
	}
	// Callers: runs of the same position (recursion) are folded, and a long
	// trace is cut in the middle.
	type entry struct {
		pos   Pos
		count int
	}
	var folded []entry
	for _, p := range e.Trace {
		if n := len(folded); n > 0 && folded[n-1].pos == p {
			folded[n-1].count++
			continue
		}
		folded = append(folded, entry{p, 1})
	}
	for i, f := range folded {
		if len(folded) > maxTrace && i >= maxTrace/2 && i < len(folded)-maxTrace/2 {
			if i == maxTrace/2 {
				fmt.Fprintf(&b, "\n  ... %d more callers", len(folded)-2*(maxTrace/2))
			}
			continue
		}
		b.WriteString("\n  called from ")
		b.WriteString(f.pos.String())
		if f.count > 1 {
			fmt.Fprintf(&b, " (%d times)", f.count)
		}
	}
	return b.String()
}

// maxTrace is the most callers an error message lists.
const maxTrace = 20

// sources maps the file names known to Tengo's file set (the main script's
// display name, imported modules' absolute paths) to display names and
// source text.
type sources struct {
	main     string
	mainText []byte
	cwd      string
	cache    map[string][]string
}

func newSources(name string, text []byte) *sources {
	cwd, _ := os.Getwd()
	return &sources{main: name, mainText: text, cwd: cwd, cache: map[string][]string{}}
}

// display shortens an imported file's absolute path relative to the working
// directory when it is below it.
func (s *sources) display(file string) string {
	if file == s.main || !filepath.IsAbs(file) || s.cwd == "" {
		return file
	}
	if rel, err := filepath.Rel(s.cwd, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}

func (s *sources) line(file string, n int) string {
	lines, ok := s.cache[file]
	if !ok {
		var text []byte
		if file == s.main {
			text = s.mainText
		} else if filepath.IsAbs(file) {
			text, _ = os.ReadFile(file)
		}
		lines = strings.Split(string(text), "\n")
		s.cache[file] = lines
	}
	if n < 1 || n > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[n-1], " \t\r")
}

func (s *sources) pos(p parser.SourceFilePos) Pos {
	return Pos{File: s.display(p.Filename), Line: p.Line, Col: p.Column}
}

// at builds a ScriptError at p.
// Without a valid position (e.g. a run cancelled before its first
// instruction) it names the main script only.
func (s *sources) at(kind ErrorKind, p parser.SourceFilePos, msg string, err error) *ScriptError {
	if !p.IsValid() {
		return &ScriptError{Kind: kind, Pos: Pos{File: s.main}, Msg: msg, Err: err}
	}
	e := &ScriptError{Kind: kind, Pos: s.pos(p), Msg: msg, Err: err}
	e.Line = s.line(p.Filename, p.Line)
	return e
}

// compileError converts an error of tengo's parser or compiler.
func (s *sources) compileError(err error) error {
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := s.at(CompileError, list[0].Pos, "syntax error: "+list[0].Msg, err)
		if len(list) > 1 {
			e.Msg += fmt.Sprintf(" (and %d more errors)", len(list)-1)
		}
		return e
	}
	var pe *parser.Error
	if errors.As(err, &pe) {
		return s.at(CompileError, pe.Pos, "syntax error: "+pe.Msg, err)
	}
	var ce *tengo.CompilerError
	if errors.As(err, &ce) {
		p := ce.FileSet.Position(ce.Node.Pos())
		return s.at(CompileError, p, "compile error: "+cleanMsg(ce.Err.Error()), ce.Err)
	}
	return &ScriptError{Kind: CompileError, Pos: Pos{File: s.main}, Msg: "compile error: " + err.Error(), Err: err}
}

const rtPrefix = "Runtime Error: "

// runtimeError converts an error returned by tengo.VM.Run, of the form
// "Runtime Error: <inner>\n\tat <pos>" wrapped once per call frame with
// "%w\n\tat <pos>".
func (s *sources) runtimeError(err error) error {
	if !strings.HasPrefix(err.Error(), rtPrefix) {
		return &ScriptError{Kind: RuntimeError, Pos: Pos{File: s.main}, Msg: cleanMsg(err.Error()), Err: err}
	}
	inner := err
	for {
		u := errors.Unwrap(inner)
		if u == nil {
			break
		}
		inner = u
		if !strings.HasPrefix(u.Error(), rtPrefix) {
			break
		}
	}
	full := err.Error()
	rest := strings.TrimPrefix(full, rtPrefix+inner.Error())
	if len(rest) == len(full) { // unexpected layout: keep the whole text
		return &ScriptError{Kind: RuntimeError, Pos: Pos{File: s.main}, Msg: cleanMsg(full), Err: inner}
	}
	var positions []parser.SourceFilePos
	for _, p := range strings.Split(rest, "\n\tat ")[1:] {
		positions = append(positions, srcpos.Parse(p))
	}
	if len(positions) == 0 {
		return &ScriptError{Kind: RuntimeError, Pos: Pos{File: s.main}, Msg: cleanMsg(inner.Error()), Err: inner}
	}
	e := s.at(RuntimeError, positions[0], cleanMsg(inner.Error()), inner)
	for _, p := range positions[1:] {
		e.Trace = append(e.Trace, s.pos(p))
	}
	return e
}

// cleanMsg removes Tengo's type prefix from function names in messages,
// e.g. "call to 'user-function:math.abs'" becomes "call to 'math.abs'".
//
// Tengo v2.17.0 reports indexing a value that cannot be indexed (1.x,
// 5[0]) as "not indexable: <type of the index>", which reads as if the
// index were the problem; it is reworded.
func cleanMsg(s string) string {
	s = strings.ReplaceAll(s, "user-function:", "")
	s = strings.ReplaceAll(s, "builtin-function:", "")
	if t, ok := strings.CutPrefix(s, "not indexable: "); ok && !strings.ContainsAny(t, " \n") {
		s = "not indexable: this value has no fields or elements (indexed with a " + t + ")"
	}
	return s
}
