package interp

import (
	"fmt"
	"strings"
)

// genProgram makes a Tengo program of data (each byte a choice, zeros once
// it is used up) for the differential test of the rewrite: statements and
// expressions around what the rewrite changes (index assignments, compound
// ones, +, ==, the guarded builtins, shadowed builtins, selectors, file
// imports), with operands that start with a unary operator, conditional
// expressions, immutable and error values, closures and calls of f, which
// logs its argument, to show the order of evaluation.
func genProgram(data []byte) []byte {
	g := &gen{data: data, vars: []string{"a", "m", "s", "n", "u", "fl", "log", "h", "b"}, scopes: []map[string]bool{{}}}
	g.b.WriteString(genPrelude)
	for range 1 + g.n(12) {
		g.stmt(2)
		g.b.WriteString("\n")
		if g.i >= len(g.data) {
			break
		}
	}
	return []byte(g.b.String())
}

const genPrelude = `log := []
f := func(v) { log = append(log, v); return v }
a := [1, 2, [3, 4], {k: 5}]
m := {x: 1, "a b": [1, 2], s: "str", n: {d: [0, 1]}}
s := "s"
n := 2
u := undefined
fl := 1.5
h := import("./helper")
b := a[1:3]
fmt := import("fmt")
`

type gen struct {
	data   []byte
	i      int
	b      strings.Builder
	vars   []string          // the variables in scope
	scopes []map[string]bool // the names defined in each block, innermost last
	fresh  int               // names made so far
}

// n is the next choice, in [0, k).
func (g *gen) n(k int) int {
	if g.i >= len(g.data) {
		return 0
	}
	c := g.data[g.i]
	g.i++
	return int(c) % k
}

func (g *gen) w(parts ...string) {
	for _, p := range parts {
		if p == "" {
			continue
		}
		if b := g.b.String(); strings.HasSuffix(b, "-") && p[0] == '-' {
			g.b.WriteString(" ") // - -x, not --x
		}
		g.b.WriteString(p)
	}
}

func (g *gen) pick(list ...string) string { return list[g.n(len(list))] }

// freshName returns a name not used before: prefix and a number.
func (g *gen) freshName(prefix string) string {
	g.fresh++
	return fmt.Sprint(prefix, g.fresh-1)
}

// genItem stands in g.seq for an expression of depth d: any expression
// (kind kUntyped) or a typed one.
type genItem struct{ kind, d int }

const kUntyped = -1

func ex(d int) genItem    { return genItem{kUntyped, d} }
func ty(k, d int) genItem { return genItem{k, d} }

// seq writes its items in order: strings as they are, genItems as
// expressions. (Its arguments are evaluated first: a choice among them
// must come before the first expression, as it does in the text.)
func (g *gen) seq(items ...any) {
	for _, it := range items {
		switch it := it.(type) {
		case string:
			g.w(it)
		case genItem:
			if it.kind == kUntyped {
				g.expr(it.d)
			} else {
				g.typed(it.kind, it.d)
			}
		}
	}
}

var genStrings = []string{`"s"`, `"a b"`, `"t\tab"`, `"q\""`, "`raw`", `"x"`, `""`, `"k"`, `"append"`, `"string"`, `"d"`, `"é"`}

func (g *gen) atom() {
	switch g.n(9) {
	case 0, 1, 2:
		g.w(g.vars[g.n(len(g.vars))])
	case 3:
		g.w(fmt.Sprint(g.n(5) - 1))
	case 4:
		g.w(g.pick("0.5", "-2.0", "1e3", "'c'", "'\\n'"))
	case 5:
		g.w(genStrings[g.n(len(genStrings))])
	case 6:
		g.w(g.pick("true", "false", "undefined"))
	case 7:
		g.w(g.pick("[]", "{}", "[1, 2]", "{k: 1}"))
	default:
		g.w(g.pick("copy", "append", "string", "len", "format"))
	}
}

var genBinOps = []string{"+", "+", "+", "-", "*", "/", "%", "==", "!=", "==", "<", ">=", "&&", "||", "&", "|", "^", "<<", "&^"}

// expr writes an expression at most d deep.
func (g *gen) expr(d int) {
	if d <= 0 {
		g.atom()
		return
	}
	switch g.n(18) {
	case 0, 1:
		g.atom()
	case 2:
		g.seq("f(", ex(d-1), ")")
	case 3:
		g.w(g.pick("-", "-", "!", "^"))
		g.expr(d - 1)
	case 4, 5:
		g.expr(d - 1)
		g.w(" ", genBinOps[g.n(len(genBinOps))], " ")
		g.expr(d - 1)
	case 6:
		g.seq(ex(d-1), " ? ", ex(d-1), " : ", ex(d-1))
	case 7:
		g.primary(d - 1)
		g.index(d - 1)
	case 8:
		g.primary(d - 1)
		g.seq("[", ex(d-1), ":")
		if g.n(2) == 0 {
			g.expr(d - 1)
		}
		g.w("]")
	case 9:
		g.seq("[", ex(d-1), ", ", ex(d-1), "]")
	case 10:
		g.seq("{", g.pick("k", "append", "string", `"a b"`, "x"), ": ", ex(d-1), ", z: ", ex(d-1), "}")
	case 11:
		g.seq(g.pick("immutable(", "error("), ex(d-1), ")")
	case 12:
		switch g.n(9) {
		case 0:
			g.seq("append(", ex(d-1), ", ", ex(d-1), ")")
		case 1:
			g.w("splice(")
			g.expr(d - 1)
			g.seq(", ", fmt.Sprint(g.n(3)), ", 1, ", ex(d-1), ")")
		case 2:
			g.seq("append([0], ", ex(d-1), "...)")
		default:
			g.seq(g.pick("len(", "copy(", "string(", "type_name(", "is_error(", "format(\"%v|%d\", "), "", ex(d-1), ")")
		}
	case 13:
		g.w("(func(p) { return p ", g.pick("+", "==", "*"), " ")
		g.vars = append(g.vars, "p")
		g.expr(d - 1)
		g.vars = g.vars[:len(g.vars)-1]
		g.seq(" })(", ex(d-1), ")")
	case 14:
		g.seq("(", ex(d-1), ")")
	case 15:
		g.seq(g.pick("h.twice(", "h.set(m, \"k\", ", "h.state.log + ("), ex(d-1), ")")
	case 16:
		g.w(g.pick("a", "m", "u", "[1]", "{}", "b", "log"), g.pick(" == ", " != "), g.pick("a", "m", "u", "[1]", "{}", "b", "f(a)"))
	default:
		g.primary(d - 1)
		g.w(g.pick(".x", ".k", ".append", ".string", ".n.d", ".s"))
	}
}

// primary writes an operand that can be indexed without parentheses.
func (g *gen) primary(d int) {
	switch g.n(4) {
	case 0:
		g.seq("f(", ex(d), ")")
	case 1:
		g.seq("(", ex(d), ")")
	default:
		g.w(g.vars[g.n(len(g.vars))])
	}
}

// index writes a selector: [e], ["a b"] or .name.
func (g *gen) index(d int) {
	switch g.n(5) {
	case 0, 1:
		g.seq("[", ex(d), "]")
	case 2:
		g.w("[", genStrings[g.n(len(genStrings))], "]")
	case 3:
		g.w("[", fmt.Sprint(g.n(4)), "]")
	default:
		g.w(".", g.pick("x", "k", "append", "string", "copy", "n", "d", "s"))
	}
}

// The typed expressions mostly evaluate without an error, so that a
// program runs on past its first statements: kinds are an int, a string, an
// array, a map, or anything (any, which expr writes with no care for types).
const (
	kInt = iota
	kStr
	kArr
	kMap
	kAny
)

func (g *gen) typed(k, d int) {
	if d <= 0 {
		g.typedAtom(k)
		return
	}
	switch g.n(10) {
	case 0:
		g.typedAtom(k)
		return
	case 1:
		g.seq("f(", ty(k, d-1), ")")
		return
	case 2:
		g.seq("(", ty(kAny, d-1), " ? ", ty(k, d-1), " : ", ty(k, d-1), ")")
		return
	case 3:
		g.seq("(func(p) { return p })(", ty(k, d-1), ")")
		return
	}
	switch k {
	case kInt:
		switch g.n(6) {
		case 0:
			g.w("-")
			g.typed(kInt, d-1)
		case 1:
			g.seq("len(", ty(g.pick1(kStr, kArr, kMap), d-1), ")")
		case 2:
			g.w("-")
			g.typed(kInt, d-1)
			g.w(g.pick(" + ", " - ", " * ", " > 0 ? 1 : 2 + "))
			g.typed(kInt, d-1)
		default:
			g.typed(kInt, d-1)
			g.w(g.pick(" + ", " - ", " * ", " & ", " | ", " ^ ", " % 7 + ", " / 3 - "))
			g.typed(kInt, d-1)
		}
	case kStr:
		switch g.n(5) {
		case 0, 1:
			g.typed(kStr, d-1)
			g.w(" + ")
			g.typed(g.pick1(kStr, kInt, kArr), d-1)
		case 2:
			g.seq(g.pick("string(", "format(\"%v\", ", "type_name("), ty(kAny, d-1), ")")
		default:
			g.w("h.state.log + \"\" + ") // an array of the helper's state, as a string
			g.typed(kStr, d-1)
		}
	case kArr:
		switch g.n(7) {
		case 0, 1:
			g.seq(ty(kArr, d-1), " + ", ty(kArr, d-1))
		case 2:
			g.seq("append(", ty(kArr, d-1), ", ", ty(kAny, d-1), ")")
		case 3:
			g.seq("[", ty(kAny, d-1), ", ", ty(kAny, d-1), "]")
		case 4:
			g.w(g.pick("immutable(", "copy(", "append(["+fmt.Sprint(g.n(3))+"], "))
			g.typed(kArr, d-1)
			g.w(g.pick(")", ")", "...)"))
		case 5:
			g.typed(kArr, d-1)
			g.w(g.pick("[1:]", "[:1]", "[:]", "[0:0]"))
		default:
			g.seq("splice(copy(", ty(kArr, d-1), "), 0, 0, ", ty(kAny, d-1), ")")
		}
	case kMap:
		switch g.n(4) {
		case 0, 1:
			g.seq("{", g.pick("k", "append", "string", `"a b"`, "x", `"q\""`), ": ", ty(kAny, d-1), "}")
		case 2:
			g.w("h.set(copy(")
			g.typed(kMap, d-1)
			g.seq("), ", genStrings[g.n(len(genStrings))], ", ", ty(kAny, d-1), ")")
		default:
			g.seq("copy(", ty(kMap, d-1), ")")
		}
	default:
		switch g.n(8) {
		case 0:
			g.typed(kAny, d-1)
			g.w(g.pick(" == ", " != "))
			g.typed(kAny, d-1)
		case 1:
			wrap := [][2]string{{"error(", ")"}, {"immutable(", ")"}, {"is_error(", ")"}, {"[", "]"}, {"!", ""}}[g.n(5)]
			g.seq(wrap[0], ty(kAny, d-1), wrap[1])
		case 2:
			g.w("a[", fmt.Sprint(g.n(4)), "]")
		case 3:
			g.w(g.pick("m.s", "m.x", `m["a b"]`, "m.n.d", "h.v[1].a", "a[3].k", "m.nope"))
		case 4:
			g.expr(d - 1) // anything at all
		default:
			g.typed(g.n(4), d-1)
		}
	}
}

func (g *gen) pick1(kinds ...int) int { return kinds[g.n(len(kinds))] }

func (g *gen) typedAtom(k int) {
	switch k {
	case kInt:
		g.w(g.pick("n", "1", "2", "-3", "0", "len(a)", "a[0]", "m.x", "-n"))
	case kStr:
		g.w(g.pick("s", `"x"`, `"a b"`, `"t\tab"`, "`raw`", "m.s", `""`))
	case kArr:
		g.w(g.pick("a", "b", "log", "[]", "[1, [2]]", "m.n.d", `m["a b"]`, "h.v"))
	case kMap:
		g.w(g.pick("m", "{}", "a[3]", "m.n", "h.state", "{k: [1]}"))
	default:
		g.typedAtom(g.n(4))
	}
}

var genAssignOps = []string{"=", "=", "+=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "<<=", ">>=", "&^="}

// stmt writes a statement whose blocks nest at most d deep.
func (g *gen) stmt(d int) {
	c := g.n(16)
	if d <= 0 && c >= 5 && c <= 8 { // a statement with a block, at the deepest
		g.w(fmt.Sprintf("f(%d)", c-4))
		return
	}
	switch c {
	case 0:
		g.w(g.vars[g.n(len(g.vars))])
		for range g.n(4) {
			g.index(1)
		}
		g.w(" ", genAssignOps[g.n(len(genAssignOps))], " ")
		g.expr(3)
	case 1, 2, 3, 12, 13:
		g.typedAssign()
	case 4:
		name := g.pick("v", "v", "append", "copy", "string", "format", "splice")
		// Tengo's builtins are globals: only an inner block can shadow one.
		if name == "v" || len(g.scopes) == 1 || g.scopes[len(g.scopes)-1][name] {
			name = g.freshName("v")
		}
		g.w(name, " := ")
		switch {
		case name == "append" || name == "splice" || g.n(3) == 0:
			g.w("func(x, y) { return [y, x] }")
		case g.n(2) == 0:
			g.expr(2)
		default:
			g.typed(kAny, 2)
		}
		g.define(name)
	case 5:
		g.seq("if (", ty(kAny, 2), ")")
		g.block(d - 1)
		if g.n(2) == 0 {
			g.w(" else")
			g.block(d - 1)
		}
	case 6:
		i := g.freshName("i")
		g.w("for ", i, " := 0; ", i, " < 2; ", i, "++")
		g.block(d-1, i)
	case 7:
		k := g.freshName("k")
		v := "e" + k[1:]
		g.w("for ", k, ", ", v, " in ")
		g.typed(kArr, 1)
		g.block(d-1, k, v)
	case 8:
		name := g.freshName("g")
		param := g.pick("copy", "append", "q")
		g.w(name, " := func(p, ", param, ") {")
		saved := len(g.vars)
		g.scopes = append(g.scopes, map[string]bool{})
		g.define("p")
		g.define(param)
		for range 1 + g.n(3) {
			g.w(" ")
			g.stmt(d - 1)
			g.w(";")
		}
		g.seq(" return ", ty(kAny, 2), " }; ")
		g.vars = g.vars[:saved]
		g.scopes = g.scopes[:len(g.scopes)-1]
		g.define(name)
		g.seq("f(", name, "(", ex(2), ", ", ex(1), "))")
	case 9:
		g.w(g.pick("n", "n", "m.x", "a[0]", "a[f(1)]", "m.n.d[f(0)]", g.vars[g.n(len(g.vars))]), g.pick("++", "--"))
	case 10:
		g.seq("fmt.println(", ex(2), ")")
	case 11:
		x := g.freshName("x")
		g.seq(x, g.pick(" := import( \"./helper\" )", " := import(\n\t`./helper`)", " := import(\"./helper\") // c\n", " := import(/* c */\"./helper\")"), "; log = append(log, ", x, ".twice(", ty(kInt, 1), "))")
		g.define(x)
	case 14:
		g.seq("f(", ex(3), ")")
	default:
		g.seq("f(", ty(kAny, 3), ")")
	}
}

// typedAssign writes an assignment that mostly runs without an error.
func (g *gen) typedAssign() {
	switch g.n(12) {
	case 0:
		g.w("n ", g.pick("+=", "-=", "*=", "|=", "&=", "^=", "="), " ")
		g.typed(kInt, 2)
	case 1:
		g.w(g.pick("n /= 3", "n %= 5", "n <<= 1", "n >>= 1", "n &^= 2", "n++", "s += s", "a += a", "m.x++"))
	case 2:
		g.w("s ", g.pick("+=", "="), " ")
		g.typed(g.pick1(kStr, kInt, kArr), 2)
	case 3:
		g.w(g.pick("a", "b", "log"), g.pick(" += ", " = "))
		g.typed(kArr, 2)
	case 4:
		g.w(g.pick("a", "b"), "[", g.pick("0", "1", "f(0)", "f(1)", "-1 + 1", "n - 1"), "] ", g.pick("=", "=", "+=", "-=", "*="), " ")
		g.typed(g.pick1(kInt, kInt, kAny), 2)
	case 5:
		g.w(g.pick("a[2]", "a[f(2)]", "m.n.d", `m["n"][f("d")]`, `m["a b"]`, "b"), "[", g.pick("0", "1", "f(1)", "-n + 2", "n > 1 ? 0 : 1"), "] ", g.pick("=", "+=", "-=", "|=", "<<=", "%="), " ")
		g.typed(kInt, 2)
	case 6:
		g.w(g.pick("a[3]", "a[f(3)]", "m.n", "h.state", "m"), g.pick(".k", ".append", ".string", ".copy", `["q y"]`, `["t\tab"]`, "[f(\"k\")]", "[s]"), " = ")
		g.typed(kAny, 2)
	case 7:
		g.w(g.pick("a[3].k", "m.x", "h.state.n", `m["x"]`, "m.n.d[0]", "a[f(3)][f(\"k\")]"), " ", g.pick("+=", "-=", "*=", "/=", "%=", "^="), " ")
		g.typed(kInt, 2)
	case 8:
		g.w(g.pick("m.s", `m["s"]`, `a[3]["s"]`), g.pick(" = ", " += "))
		g.typed(g.pick1(kStr, kInt), 2)
	case 9:
		g.w(g.pick(`m["a b"]`, "m.n.d", "h.state.log", "a[2]"), " += ")
		g.typed(kArr, 2)
	case 10:
		g.w(g.pick("m", "a[3]", "m.n"), " = ")
		g.typed(kMap, 2)
	default:
		g.seq("log = append(log, ", ty(kAny, 2), ")")
	}
}

// define adds a name to the innermost scope.
func (g *gen) define(name string) {
	g.vars = append(g.vars, name)
	g.scopes[len(g.scopes)-1][name] = true
}

// block writes { statements } in a new scope, nesting at most d deep, in
// which the names vars (a loop's variables) are in scope.
func (g *gen) block(d int, vars ...string) {
	saved := len(g.vars)
	g.vars = append(g.vars, vars...)
	g.scopes = append(g.scopes, map[string]bool{})
	defer func() { g.scopes = g.scopes[:len(g.scopes)-1] }()
	g.w(" {")
	for range 1 + g.n(3) {
		g.w("\n\t")
		g.stmt(d)
	}
	g.w("\n}")
	g.vars = g.vars[:saved]
}
