package interp

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/bohpsh/bohpsh/stdlib"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
	"github.com/d5/tengo/v2/token"
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
	// Internal marks a bug of bohpsh or of a library it uses (a Go panic
	// other than the ones a script causes, such as an integer division by
	// zero): the command exits with its own status for it.
	Internal bool
}

// IsInternal reports whether err is (or wraps) an internal error: a
// *ScriptError with Internal set, or an *InternalError.
func IsInternal(err error) bool {
	var se *ScriptError
	if errors.As(err, &se) && se.Internal {
		return true
	}
	var ie *InternalError
	return errors.As(err, &ie)
}

// InternalError is a Go panic recovered outside a script's VM (in the
// runner, an output writer): a bug, reported with its stack.
type InternalError struct {
	Value any    // what panicked
	Stack string // the Go stack at the panic
}

func (e *InternalError) Error() string {
	return fmt.Sprintf("internal error (Go panic): %v", e.Value)
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
		line, col := shownLine(e.Line, e.Pos.Col)
		b.WriteString("\n    ")
		b.WriteString(line)
		if col > 0 {
			b.WriteString("\n    ")
			b.WriteString(caret(line, col))
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

// Sources are the texts behind the positions of a Tengo file set: the
// scripts and inputs compiled by name (the main script, the REPL's inputs)
// and, read from disk when an error needs a line of them, the files they
// import (by absolute path, shown relative to the working directory). It
// turns Tengo's compile and run errors into *ScriptError; the script runner
// (Program) and the REPL both go through it, so their errors read the same.
type Sources struct {
	main     string                  // the latest source added: errors without a position name it
	texts    map[string][]byte       // the original texts, by the name given to Tengo's file set
	maps     map[string]*posMap      // of the texts compiled rewritten (see Prepare)
	imported map[string]bool         // files imported, named by absolute path
	guards   map[string]tengo.Object // the guard modules of the code compiled (see guard.go)
	// Defined reports whether a name is a variable before the sources
	// added (the REPL's globals); nil: none. The rewrite leaves an
	// assignment to a name that is not one to Tengo, which refuses it.
	Defined func(name string) bool
	cwd     string
	cache   map[string][]string
}

// NewSources returns the sources of a script called name. The modules
// written in Tengo (tasks, enum) are known too, by their names, so that an
// error inside one shows its line.
func NewSources(name string, text []byte) *Sources {
	cwd, _ := os.Getwd()
	s := &Sources{texts: map[string][]byte{}, maps: map[string]*posMap{}, imported: map[string]bool{}, cwd: cwd, cache: map[string][]string{}}
	for _, m := range stdlib.Modules() {
		if m.Source != "" {
			s.texts[m.Name] = []byte(m.Source)
		}
	}
	s.Add(name, text)
	return s
}

// Add registers another source (a REPL input, a loaded file), replacing
// one of the same name; errors without a position name it from now on.
func (s *Sources) Add(name string, text []byte) {
	s.main = name
	s.register(name, text, nil)
}

// register records the original text of a source and, when it is compiled
// rewritten, the map of its positions.
func (s *Sources) register(name string, text []byte, m *posMap) {
	s.texts[name] = text
	if m == nil {
		delete(s.maps, name)
	} else {
		s.maps[name] = m
	}
	clear(s.cache) // a file may have changed since
}

// display shortens an imported file's absolute path relative to the working
// directory when it is below it.
func (s *Sources) display(file string) string {
	if _, known := s.texts[file]; known && !s.imported[file] || !filepath.IsAbs(file) || s.cwd == "" {
		return file
	}
	if rel, err := filepath.Rel(s.cwd, file); err == nil && !strings.HasPrefix(rel, "..") {
		return rel
	}
	return file
}

func (s *Sources) line(file string, n int) string {
	lines, ok := s.cache[file]
	if !ok {
		text, known := s.texts[file]
		if !known && filepath.IsAbs(file) {
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

// pos converts a position of Tengo's file set, in a text as compiled, to
// the position in the original text.
func (s *Sources) pos(p parser.SourceFilePos) Pos {
	line, col := p.Line, p.Column
	if m := s.maps[p.Filename]; m != nil {
		line, col = m.original(line, col)
	}
	return Pos{File: s.display(p.Filename), Line: line, Col: col}
}

// at builds a ScriptError at the first of positions (innermost first), with
// the others as its trace. Without a valid position (e.g. a run cancelled
// before its first instruction) it names the main source only.
func (s *Sources) at(kind ErrorKind, positions []parser.SourceFilePos, msg string, err error) *ScriptError {
	if len(positions) == 0 || !positions[0].IsValid() {
		return &ScriptError{Kind: kind, Pos: Pos{File: s.main}, Msg: msg, Err: err}
	}
	p := positions[0]
	pos := s.pos(p)
	e := &ScriptError{Kind: kind, Pos: pos, Msg: msg, Err: err, Line: s.line(p.Filename, pos.Line)}
	for _, q := range positions[1:] {
		e.Trace = append(e.Trace, s.pos(q))
	}
	return e
}

// CompileError converts an error of Tengo's parser or compiler.
func (s *Sources) CompileError(err error) error {
	var se *ScriptError
	if errors.As(err, &se) { // a file import's (Prepare)
		return se
	}
	var list parser.ErrorList
	if errors.As(err, &list) && len(list) > 0 {
		e := s.at(CompileError, []parser.SourceFilePos{list[0].Pos}, "syntax error: "+keywordHint(list[0].Msg), err)
		if len(list) > 1 {
			e.Msg += fmt.Sprintf(" (and %d more errors)", len(list)-1)
		}
		return e
	}
	var pe *parser.Error
	if errors.As(err, &pe) {
		return s.at(CompileError, []parser.SourceFilePos{pe.Pos}, "syntax error: "+keywordHint(pe.Msg), err)
	}
	var ce *tengo.CompilerError
	if errors.As(err, &ce) {
		p := ce.FileSet.Position(ce.Node.Pos())
		return s.at(CompileError, []parser.SourceFilePos{p}, "compile error: "+cleanMsg(ce.Err.Error()), ce.Err)
	}
	return &ScriptError{Kind: CompileError, Pos: Pos{File: s.main}, Msg: "compile error: " + err.Error(), Err: err}
}

// keywordHint explains the syntax error of a map key or a field that is
// a Tengo keyword ({error: 1}, r.error): quote it.
func keywordHint(msg string) string {
	var word string
	var ok bool
	for _, prefix := range []string{"expected map key, found '", "expected selector, found '"} {
		if word, ok = strings.CutPrefix(msg, prefix); ok {
			break
		}
	}
	word, quoted := strings.CutSuffix(word, "'")
	if !ok || !quoted || !token.Lookup(word).IsKeyword() {
		return msg
	}
	return fmt.Sprintf("%s (%s is a Tengo keyword: quote it, as in {%q: ...} and m[%q])", msg, word, word, word)
}

const rtPrefix = "Runtime Error: "

// runtimeError converts an error returned by tengo.VM.Run, of the form
// "Runtime Error: <inner>\n\tat <pos>" wrapped once per call frame with
// "%w\n\tat <pos>".
func (s *Sources) runtimeError(err error) error {
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
		positions = append(positions, parsePos(p))
	}
	return s.at(RuntimeError, positions, cleanMsg(inner.Error()), inner)
}

// parsePos parses "file:line:col" (the file name may contain colons).
func parsePos(s string) parser.SourceFilePos {
	s = strings.TrimSpace(s)
	var p parser.SourceFilePos
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		p.Filename = s
		return p
	}
	col, err1 := strconv.Atoi(s[i+1:])
	j := strings.LastIndexByte(s[:i], ':')
	if err1 != nil {
		p.Filename = s
		return p
	}
	line, err2 := strconv.Atoi(s[j+1 : i])
	if j < 0 || err2 != nil { // "file:line"
		p.Filename, p.Line = s[:i], col
		return p
	}
	p.Filename, p.Line, p.Column = s[:j], line, col
	return p
}

// maxShownLine is the most characters of a source line an error shows.
const maxShownLine = 160

// shownLine is how an error shows a source line and the column of its
// caret: control characters as '?', and a long line (a generated script's)
// cut to maxShownLine characters around the column, "..." marking the cuts.
func shownLine(line string, col int) (string, int) {
	rs := []rune(line)
	// col counts bytes; make it count runes.
	if col > 0 {
		col = utf8.RuneCountInString(line[:min(col-1, len(line))]) + 1
	}
	for i, r := range rs {
		if r < ' ' && r != '\t' || r == 0x7f {
			rs[i] = '?'
		}
	}
	if len(rs) <= maxShownLine {
		return string(rs), byteCol(rs, col)
	}
	lo := max(0, min(col-1-maxShownLine/2, len(rs)-maxShownLine))
	hi := min(len(rs), lo+maxShownLine)
	out := string(rs[lo:hi])
	if lo > 0 {
		out = "..." + out
		col += 3 - lo
	}
	if hi < len(rs) {
		out += "..."
	}
	return out, byteCol([]rune(out), col)
}

// byteCol converts a 1-based rune column of rs to a 1-based byte column.
func byteCol(rs []rune, col int) int {
	if col <= 0 {
		return col
	}
	return len(string(rs[:min(col-1, len(rs))])) + 1
}

// caret returns spaces (tabs kept) up to column col of line, then "^".
func caret(line string, col int) string {
	var b strings.Builder
	for i, r := range line {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
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
	if s == tengo.ErrStringLimit.Error() || s == tengo.ErrBytesLimit.Error() {
		s += fmt.Sprintf(" (%s: a quarter of the memory budget, --max-memory)", lib.Bytes(int64(tengo.MaxStringLen)))
	}
	return s
}
