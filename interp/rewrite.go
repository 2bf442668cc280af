package interp

import (
	"fmt"
	"sort"
	"strconv"

	"github.com/d5/tengo/v2/parser"
	"github.com/d5/tengo/v2/token"
)

// The safety rewrite. Tengo walks values recursively (printing, ==, copy)
// and a value that contains itself makes that walk overflow Go's stack,
// which kills the process. Such a value can only be made by changing an
// existing array or map: an index assignment (m.self = m), the builtins
// append and splice, and + on arrays (the last two write into an array's
// spare capacity, which another array may share). So before Tengo compiles
// a source, its text is rewritten to route each of them through a guard
// (guard.go) that refuses to make a value contain itself:
//
//	a[k1].k2 = v       import("__bohpsh_set")(v, "k2", k1, a)
//	a[k] += v          import("__bohpsh_set")(a[k] + (v), k, a)
//	x + y              import("__bohpsh_add")(x, y)      (see plainAdd for when not)
//	x += y             x = import("__bohpsh_add")(x, y)  (likewise)
//	append, splice     import("__bohpsh_append"), ...    (the builtins, when not shadowed)
//
// and, as a second line of defence against a value that contains itself
// or is nested millions deep (see lib.CheckAcyclic), it routes the other
// walks of values through checks: x == y and x != y (unless one side is a
// scalar), the builtins copy, string and format, and + on a string.
//
// The arguments keep Tengo's order of evaluation (the value, then the
// selectors from last to first, then the variable). The same pass resolves
// file imports, import("./x"), to the file's absolute path, a unique
// module name whose text the run's module getter serves after checking it
// against the run's file sandbox (imports are reads).
//
// The rewrite only inserts and moves text on a line, never a newline, and
// records where every byte came from (posMap), so errors keep the exact
// line and column of the original (Sources maps them back).

// Module names of the guards (see guard.go).
const (
	guardSet      = "__bohpsh_set"
	guardAdd      = "__bohpsh_add"
	guardEqual    = "__bohpsh_equal"
	guardNotEqual = "__bohpsh_not_equal"
	guardPrefix   = "__bohpsh_" // + the name of a guarded builtin
)

// guardedBuiltins are the builtins whose references are replaced by a
// guard: append and splice write into existing arrays; copy, string and
// format walk values (a second line of defence).
var guardedBuiltins = map[string]bool{"append": true, "splice": true, "copy": true, "string": true, "format": true}

// piece is a part of an edit's replacement: literal text, or a range of
// the original rendered with the edits inside it.
type piece struct {
	lit    bool
	text   string // lit: the text
	lo, hi int    // !lit: the range; lit: lo is the original offset the text stands for
}

// edit replaces the original range [lo, hi) by its pieces.
type edit struct {
	lo, hi   int
	pieces   []piece
	children []*edit // the outermost edits inside [lo, hi), by lo
}

func lit(text string, at int) piece { return piece{lit: true, text: text, lo: at} }

// span is the piece of the original text of e, with the edits inside it.
func (r *rewriter) span(e parser.Expr) piece { return piece{lo: r.start(e), hi: r.end(e)} }

// start is the offset of e's first byte. Tengo's Pos of a unary
// expression is its operand's (-x at x), and so for the expressions that
// start with one (-x + y, -x > 0 ? a : b): a span from Pos lost the
// operator (m.k = -x assigned x).
func (r *rewriter) start(e parser.Expr) int {
	if u, ok := e.(*parser.UnaryExpr); ok {
		return r.off(u.TokenPos)
	}
	if first, _ := operands(e); first != nil {
		return r.start(first)
	}
	return r.off(e.Pos())
}

// end is the offset after e. Tengo's End is one short for error(x) and
// immutable(x) (and so for expressions ending with one), and assumes
// import("name") has no spaces or escapes.
func (r *rewriter) end(e parser.Expr) int {
	switch e := e.(type) {
	case *parser.ErrorExpr:
		return r.off(e.RParen) + 1
	case *parser.ImmutableExpr:
		return r.off(e.RParen) + 1
	case *parser.ImportExpr:
		if hi, ok := importEnd(r.src, r.off(e.Pos())); ok {
			return hi
		}
	}
	if _, last := operands(e); last != nil {
		return r.end(last)
	}
	return r.off(e.End())
}

// operands are the first and the last operand of an operator expression,
// whose own start and end are theirs (nil for the first of a unary
// expression, which starts at its operator; nil, nil for other expressions).
func operands(e parser.Expr) (first, last parser.Expr) {
	switch e := e.(type) {
	case *parser.BinaryExpr:
		return e.LHS, e.RHS
	case *parser.CondExpr:
		return e.Cond, e.False
	case *parser.UnaryExpr:
		return nil, e.Expr
	}
	return nil, nil
}

// segment is a stretch of rewritten text: copied from the original at old
// (byte for byte), or inserted text standing for the original offset old.
type segment struct {
	new, old int
	copied   bool
}

// posMap maps positions in a rewritten text back to its original.
type posMap struct {
	segs     []segment // by new
	newLines []int     // offsets of the rewritten text's line starts
	oldLines []int     // the original's
}

func lineStarts(text []byte) []int {
	starts := []int{0}
	for i, c := range text {
		if c == '\n' {
			starts = append(starts, i+1)
		}
	}
	return starts
}

// original maps a 1-based line and byte column of the rewritten text to
// the original's.
func (m *posMap) original(line, col int) (int, int) {
	if line < 1 || line > len(m.newLines) || col < 1 {
		return line, col
	}
	off := m.newLines[line-1] + col - 1
	i := sort.Search(len(m.segs), func(i int) bool { return m.segs[i].new > off }) - 1
	if i < 0 {
		return line, col
	}
	s := m.segs[i]
	old := s.old
	if s.copied {
		old += off - s.new
	}
	l := sort.Search(len(m.oldLines), func(i int) bool { return m.oldLines[i] > old })
	return l, old - m.oldLines[l-1] + 1
}

// rewriter collects the edits of one parsed source.
type rewriter struct {
	src    []byte
	base   int // the file's base in its file set: offset = Pos - base
	edits  []*edit
	scopes []map[string]bool // names defined by the script, innermost last
	// fileImport is called for an import of a name that is not a module;
	// it returns the module name that replaces it (the file's absolute
	// path), or an error (at offset at).
	fileImport func(name string, at int) (string, error)
	// defined reports whether a name the script does not define is a
	// variable already (the REPL's globals of earlier inputs); nil: none.
	defined func(name string) bool
	err     error
}

// rewriteFile returns the rewritten text of src, parsed as file, and the
// map of its positions back to src.
func rewriteFile(src []byte, file *parser.File, fileImport func(name string, at int) (string, error), defined func(string) bool) ([]byte, *posMap, error) {
	r := &rewriter{src: src, base: file.InputFile.Base, fileImport: fileImport, defined: defined, scopes: []map[string]bool{{}}}
	for _, s := range file.Stmts {
		r.stmt(s)
	}
	if r.err != nil {
		return nil, nil, r.err
	}
	roots, err := nest(r.edits)
	if err != nil {
		return nil, nil, err
	}
	w := &textWriter{src: src, out: make([]byte, 0, len(src)+len(src)/8)}
	w.render(0, len(src), roots)
	return w.out, &posMap{segs: w.segs, newLines: lineStarts(w.out), oldLines: lineStarts(src)}, nil
}

// nest sorts the edits into a forest by their ranges.
func nest(edits []*edit) ([]*edit, error) {
	sort.SliceStable(edits, func(i, j int) bool {
		if edits[i].lo != edits[j].lo {
			return edits[i].lo < edits[j].lo
		}
		return edits[i].hi > edits[j].hi
	})
	var roots, stack []*edit
	for _, e := range edits {
		for len(stack) > 0 && stack[len(stack)-1].hi <= e.lo {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			roots = append(roots, e)
		} else {
			top := stack[len(stack)-1]
			if e.hi > top.hi {
				return nil, fmt.Errorf("internal error: overlapping rewrites at offsets %d and %d", top.lo, e.lo)
			}
			top.children = append(top.children, e)
		}
		stack = append(stack, e)
	}
	return roots, nil
}

type textWriter struct {
	src  []byte
	out  []byte
	segs []segment
}

// render writes the original range [lo, hi) with the edits among edits
// (sorted by lo) that lie in it.
func (w *textWriter) render(lo, hi int, edits []*edit) {
	cur := lo
	i := sort.Search(len(edits), func(i int) bool { return edits[i].lo >= lo })
	for ; i < len(edits) && edits[i].lo < hi; i++ {
		e := edits[i]
		w.copy(cur, e.lo)
		for _, p := range e.pieces {
			if p.lit {
				w.segs = append(w.segs, segment{new: len(w.out), old: p.lo})
				w.out = append(w.out, p.text...)
			} else {
				w.render(p.lo, p.hi, e.children)
			}
		}
		cur = e.hi
	}
	w.copy(cur, hi)
}

func (w *textWriter) copy(lo, hi int) {
	if hi <= lo {
		return
	}
	w.segs = append(w.segs, segment{new: len(w.out), old: lo, copied: true})
	w.out = append(w.out, w.src[lo:hi]...)
}

func (r *rewriter) off(p parser.Pos) int { return int(p) - r.base }

func (r *rewriter) push() { r.scopes = append(r.scopes, map[string]bool{}) }
func (r *rewriter) pop()  { r.scopes = r.scopes[:len(r.scopes)-1] }
func (r *rewriter) define(name string) {
	r.scopes[len(r.scopes)-1][name] = true
}

// variable reports whether name is a variable where it is used: defined
// by the script, or before it.
func (r *rewriter) variable(name string) bool {
	return r.shadowed(name) || r.defined != nil && r.defined(name)
}

// shadowed reports whether name is defined by the script where it is used.
func (r *rewriter) shadowed(name string) bool {
	for i := len(r.scopes) - 1; i >= 0; i-- {
		if r.scopes[i][name] {
			return true
		}
	}
	return false
}

func (r *rewriter) stmts(list []parser.Stmt) {
	for _, s := range list {
		r.stmt(s)
	}
}

func (r *rewriter) block(b *parser.BlockStmt) {
	if b == nil {
		return
	}
	r.push()
	r.stmts(b.Stmts)
	r.pop()
}

func (r *rewriter) stmt(s parser.Stmt) {
	switch s := s.(type) {
	case *parser.AssignStmt:
		r.assign(s)
	case *parser.BlockStmt:
		r.block(s)
	case *parser.ExprStmt:
		r.expr(s.Expr)
	case *parser.ExportStmt:
		r.expr(s.Result)
	case *parser.ReturnStmt:
		r.expr(s.Result)
	case *parser.IncDecStmt:
		r.expr(s.Expr)
	case *parser.IfStmt:
		r.push()
		if s.Init != nil {
			r.stmt(s.Init)
		}
		r.expr(s.Cond)
		r.block(s.Body)
		if s.Else != nil {
			r.stmt(s.Else)
		}
		r.pop()
	case *parser.ForStmt:
		r.push()
		if s.Init != nil {
			r.stmt(s.Init)
		}
		r.expr(s.Cond)
		if s.Post != nil {
			r.stmt(s.Post)
		}
		r.block(s.Body)
		r.pop()
	case *parser.ForInStmt:
		r.expr(s.Iterable)
		r.push()
		if s.Key != nil {
			r.define(s.Key.Name)
		}
		if s.Value != nil {
			r.define(s.Value.Name)
		}
		r.block(s.Body)
		r.pop()
	}
}

func (r *rewriter) assign(s *parser.AssignStmt) {
	if len(s.LHS) != 1 || len(s.RHS) != 1 { // a compile error: left as it is
		for _, e := range s.RHS {
			r.expr(e)
		}
		return
	}
	lhs, rhs := s.LHS[0], s.RHS[0]
	if s.Token == token.Define {
		id, isIdent := lhs.(*parser.Ident)
		_, isFunc := rhs.(*parser.FuncLit)
		if isIdent && isFunc { // defined first, for recursion
			r.define(id.Name)
		}
		r.expr(rhs)
		if isIdent {
			r.define(id.Name)
		}
		return
	}
	root, sels := lhsChain(lhs)
	switch {
	case root != nil && !r.variable(root.Name):
		// Tengo refuses to compile it (an unresolved name, or a builtin),
		// and reports it before any error in the value: left as it is.
		r.expr(rhs)
	case root != nil && len(sels) > 0:
		r.setEdit(s, root, sels)
	case root != nil && s.Token == token.AddAssign && !plainAdd(root, rhs):
		// x += y: x = import(add)(x, y)
		lo, hi := r.off(s.Pos()), r.end(rhs)
		r.edits = append(r.edits, &edit{lo: lo, hi: hi, pieces: []piece{
			r.span(root), lit(" = import(\""+guardAdd+"\")(", lo), r.span(root), lit(", ", lo), r.span(rhs), lit(")", lo),
		}})
		r.expr(rhs)
	default:
		r.expr(rhs)
	}
}

// lhsChain splits an assignment's left side into its variable and
// selectors (the keys of a[k1].k2, outermost first), as Tengo's compiler
// does; root is nil for a left side Tengo does not accept.
func lhsChain(e parser.Expr) (root *parser.Ident, sels []parser.Expr) {
	switch e := e.(type) {
	case *parser.Ident:
		return e, nil
	case *parser.IndexExpr:
		if e.Index == nil {
			return nil, nil
		}
		root, sels = lhsChain(e.Expr)
		return root, append(sels, e.Index)
	case *parser.SelectorExpr:
		root, sels = lhsChain(e.Expr)
		return root, append(sels, e.Sel)
	}
	return nil, nil
}

// compoundOps are the binary operators of the compound assignments.
var compoundOps = map[token.Token]string{
	token.AddAssign: "+", token.SubAssign: "-", token.MulAssign: "*", token.QuoAssign: "/", token.RemAssign: "%",
	token.AndAssign: "&", token.OrAssign: "|", token.AndNotAssign: "&^", token.XorAssign: "^",
	token.ShlAssign: "<<", token.ShrAssign: ">>",
}

// setEdit rewrites an index assignment a[k1]...[kn] op= v into
// import(set)(value, kn, ..., k1, a).
func (r *rewriter) setEdit(s *parser.AssignStmt, root *parser.Ident, sels []parser.Expr) {
	lhs, rhs := s.LHS[0], s.RHS[0]
	lo, hi := r.off(s.Pos()), r.end(rhs)
	ps := []piece{lit("import(\""+guardSet+"\")(", lo)}
	if s.Token == token.Assign {
		ps = append(ps, r.span(rhs))
	} else {
		op, ok := compoundOps[s.Token]
		if !ok {
			r.expr(rhs)
			return
		}
		if s.Token == token.AddAssign && !plainAdd(lhs, rhs) {
			ps = append(ps, lit("import(\""+guardAdd+"\")(", lo), r.span(lhs), lit(", ", lo), r.span(rhs), lit(")", lo))
		} else {
			ps = append(ps, r.span(lhs), lit(" "+op+" (", lo), r.span(rhs), lit(")", lo))
		}
	}
	r.expr(rhs)
	for i := len(sels) - 1; i >= 0; i-- {
		ps = append(ps, lit(", ", lo))
		if sl, ok := sels[i].(*parser.StringLit); ok && isSelectorName(r.src, r.off(sl.Pos())) {
			ps = append(ps, lit(strconv.Quote(sl.Value), r.off(sl.Pos()))) // .name
		} else {
			ps = append(ps, r.span(sels[i]))
			r.expr(sels[i])
		}
	}
	ps = append(ps, lit(", ", lo), r.span(root), lit(")", lo))
	r.expr(root)
	r.edits = append(r.edits, &edit{lo: lo, hi: hi, pieces: ps})
}

// isSelectorName reports whether the string literal at off is a selector's
// bare name (a.name) rather than a quoted index (a["name"]).
func isSelectorName(src []byte, off int) bool {
	return off < len(src) && src[off] != '"' && src[off] != '`'
}

// The guards of + and == are left out where Tengo cannot write into an
// array or walk a value there (see guard.add and guard.equal): x + y walks
// y when x is a string and appends y to x when both are arrays; x == y
// walks both when both are arrays or maps.

// scalar reports whether e certainly evaluates to a value that holds no
// other values: a literal number, string, char, bool or undefined, an
// operator other than +, && and || (its results are numbers, bools or
// objects of a module; x && y and x || y are x or y), a function.
func scalar(e parser.Expr) bool {
	switch e := e.(type) {
	case *parser.IntLit, *parser.FloatLit, *parser.StringLit, *parser.CharLit, *parser.BoolLit,
		*parser.UndefinedLit, *parser.UnaryExpr, *parser.FuncLit:
		return true
	case *parser.BinaryExpr:
		if e.Token == token.LAnd || e.Token == token.LOr {
			return scalar(e.LHS) && scalar(e.RHS)
		}
		return e.Token != token.Add
	case *parser.ParenExpr:
		return scalar(e.Expr)
	}
	return false
}

// plainAdd reports whether x + y needs no guard: y is a scalar, or x is
// neither an array other than a new one (an array literal, whose spare
// capacity no other value shares) nor a string.
func plainAdd(x, y parser.Expr) bool {
	if scalar(y) {
		return true
	}
	switch x := x.(type) {
	case *parser.StringLit:
		return false
	case *parser.ArrayLit, *parser.MapLit, *parser.ErrorExpr:
		return true
	case *parser.ParenExpr:
		return plainAdd(x.Expr, y)
	}
	return scalar(x)
}

func (r *rewriter) exprs(list []parser.Expr) {
	for _, e := range list {
		r.expr(e)
	}
}

func (r *rewriter) expr(e parser.Expr) {
	if r.err != nil || e == nil {
		return
	}
	switch e := e.(type) {
	case *parser.Ident:
		if guardedBuiltins[e.Name] && !r.shadowed(e.Name) {
			lo := r.off(e.Pos())
			r.edits = append(r.edits, &edit{lo: lo, hi: r.off(e.End()), pieces: []piece{lit("import(\""+guardPrefix+e.Name+"\")", lo)}})
		}
	case *parser.BinaryExpr:
		guard := ""
		switch {
		case e.Token == token.Add && !plainAdd(e.LHS, e.RHS):
			guard = guardAdd
		case e.Token == token.Equal && !scalar(e.LHS) && !scalar(e.RHS):
			guard = guardEqual
		case e.Token == token.NotEqual && !scalar(e.LHS) && !scalar(e.RHS):
			guard = guardNotEqual
		}
		if guard != "" {
			lo := r.start(e)
			r.edits = append(r.edits, &edit{lo: lo, hi: r.end(e), pieces: []piece{
				lit("import(\""+guard+"\")(", lo), r.span(e.LHS), lit(", ", lo), r.span(e.RHS), lit(")", lo),
			}})
		}
		r.expr(e.LHS)
		r.expr(e.RHS)
	case *parser.ImportExpr:
		r.importEdit(e)
	case *parser.ArrayLit:
		r.exprs(e.Elements)
	case *parser.MapLit:
		for _, el := range e.Elements {
			r.expr(el.Value)
		}
	case *parser.CallExpr:
		r.expr(e.Func)
		r.exprs(e.Args)
	case *parser.CondExpr:
		r.exprs([]parser.Expr{e.Cond, e.True, e.False})
	case *parser.IndexExpr:
		r.exprs([]parser.Expr{e.Expr, e.Index})
	case *parser.SliceExpr:
		r.exprs([]parser.Expr{e.Expr, e.Low, e.High})
	case *parser.SelectorExpr: // Sel is the name, a string
		r.expr(e.Expr)
	case *parser.ErrorExpr, *parser.ImmutableExpr, *parser.ParenExpr, *parser.UnaryExpr:
		r.expr(inner(e))
	case *parser.FuncLit:
		r.push()
		if e.Type != nil && e.Type.Params != nil {
			for _, p := range e.Type.Params.List {
				r.define(p.Name)
			}
		}
		r.block(e.Body)
		r.pop()
	}
}

// inner is the operand of an expression with one.
func inner(e parser.Expr) parser.Expr {
	switch e := e.(type) {
	case *parser.ErrorExpr:
		return e.Expr
	case *parser.ImmutableExpr:
		return e.Expr
	case *parser.ParenExpr:
		return e.Expr
	case *parser.UnaryExpr:
		return e.Expr
	}
	return nil
}

// importEdit replaces the name of a file import by the one fileImport
// gives (the file's absolute path).
func (r *rewriter) importEdit(e *parser.ImportExpr) {
	lo := r.off(e.Pos())
	name, err := r.fileImport(e.ModuleName, lo)
	if err != nil {
		r.err = err
		return
	}
	if name == "" {
		return
	}
	hi, ok := importEnd(r.src, lo)
	if !ok {
		r.err = fmt.Errorf("internal error: cannot find the end of the import at offset %d", lo)
		return
	}
	r.edits = append(r.edits, &edit{lo: lo, hi: hi, pieces: []piece{lit("import("+strconv.Quote(name)+")", lo)}})
}

// importEnd returns the offset after the import expression at off:
// import ( "name" ), with spaces or comments anywhere.
func importEnd(src []byte, off int) (int, bool) {
	i := off + len("import")
	skip := func() {
		for i < len(src) {
			switch {
			case src[i] == ' ' || src[i] == '\t' || src[i] == '\n' || src[i] == '\r':
				i++
			case i+1 < len(src) && src[i] == '/' && src[i+1] == '/':
				for i < len(src) && src[i] != '\n' {
					i++
				}
			case i+1 < len(src) && src[i] == '/' && src[i+1] == '*':
				i += 2
				for i+1 < len(src) && (src[i] != '*' || src[i+1] != '/') {
					i++
				}
				i += 2
			default:
				return
			}
		}
	}
	skip()
	if i >= len(src) || src[i] != '(' {
		return 0, false
	}
	i++
	skip()
	if i >= len(src) || src[i] != '"' && src[i] != '`' {
		return 0, false
	}
	q := src[i]
	for i++; i < len(src) && src[i] != q; i++ {
		if q == '"' && src[i] == '\\' {
			i++
		}
	}
	i++
	skip()
	if i >= len(src) || src[i] != ')' {
		return 0, false
	}
	return i + 1, true
}
