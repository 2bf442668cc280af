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
	g := &gen{data: data, vars: []string{"a", "m", "s", "n", "u", "fl", "log", "h", "b"}}
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
	data  []byte
	i     int
	b     strings.Builder
	vars  []string // the variables in scope
	fresh int      // names made so far
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
		g.b.WriteString(p)
	}
}

func (g *gen) pick(list ...string) string { return list[g.n(len(list))] }

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
		g.w("f(")
		g.expr(d - 1)
		g.w(")")
	case 3:
		g.w(g.pick("-", "-", "!", "^"))
		g.expr(d - 1)
	case 4, 5:
		g.expr(d - 1)
		g.w(" ", genBinOps[g.n(len(genBinOps))], " ")
		g.expr(d - 1)
	case 6:
		g.expr(d - 1)
		g.w(" ? ")
		g.expr(d - 1)
		g.w(" : ")
		g.expr(d - 1)
	case 7:
		g.primary(d - 1)
		g.index(d - 1)
	case 8:
		g.primary(d - 1)
		g.w("[")
		g.expr(d - 1)
		g.w(":")
		if g.n(2) == 0 {
			g.expr(d - 1)
		}
		g.w("]")
	case 9:
		g.w("[")
		g.expr(d - 1)
		g.w(", ")
		g.expr(d - 1)
		g.w("]")
	case 10:
		g.w("{", g.pick("k", "append", "string", `"a b"`, "x"), ": ")
		g.expr(d - 1)
		g.w(", z: ")
		g.expr(d - 1)
		g.w("}")
	case 11:
		g.w(g.pick("immutable(", "error("))
		g.expr(d - 1)
		g.w(")")
	case 12:
		switch g.n(9) {
		case 0:
			g.w("append(")
			g.expr(d - 1)
			g.w(", ")
			g.expr(d - 1)
			g.w(")")
		case 1:
			g.w("splice(")
			g.expr(d - 1)
			g.w(", ", fmt.Sprint(g.n(3)), ", 1, ")
			g.expr(d - 1)
			g.w(")")
		case 2:
			g.w("append([0], ")
			g.expr(d - 1)
			g.w("...)")
		default:
			g.w(g.pick("len(", "copy(", "string(", "type_name(", "is_error(", "format(\"%v|%d\", "), "")
			g.expr(d - 1)
			g.w(")")
		}
	case 13:
		g.w("(func(p) { return p ", g.pick("+", "==", "*"), " ")
		g.vars = append(g.vars, "p")
		g.expr(d - 1)
		g.vars = g.vars[:len(g.vars)-1]
		g.w(" })(")
		g.expr(d - 1)
		g.w(")")
	case 14:
		g.w("(")
		g.expr(d - 1)
		g.w(")")
	case 15:
		g.w(g.pick("h.twice(", "h.set(m, \"k\", ", "h.state.log + ("))
		g.expr(d - 1)
		g.w(")")
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
		g.w("f(")
		g.expr(d)
		g.w(")")
	case 1:
		g.w("(")
		g.expr(d)
		g.w(")")
	default:
		g.w(g.vars[g.n(len(g.vars))])
	}
}

// index writes a selector: [e], ["a b"] or .name.
func (g *gen) index(d int) {
	switch g.n(5) {
	case 0, 1:
		g.w("[")
		g.expr(d)
		g.w("]")
	case 2:
		g.w("[", genStrings[g.n(len(genStrings))], "]")
	case 3:
		g.w("[", fmt.Sprint(g.n(4)), "]")
	default:
		g.w(".", g.pick("x", "k", "append", "string", "copy", "n", "d", "s"))
	}
}

var genAssignOps = []string{"=", "=", "+=", "+=", "-=", "*=", "/=", "%=", "|=", "&=", "^=", "<<=", ">>=", "&^="}

// stmt writes a statement whose blocks nest at most d deep.
func (g *gen) stmt(d int) {
	switch g.n(14) {
	case 0, 1, 2, 3:
		g.w(g.vars[g.n(len(g.vars))])
		for range g.n(4) {
			g.index(1)
		}
		g.w(" ", genAssignOps[g.n(len(genAssignOps))], " ")
		g.expr(3)
	case 4:
		name := g.pick("v", "v", "append", "copy", "string", "format", "splice")
		if name == "v" {
			name = fmt.Sprint("v", g.fresh)
			g.fresh++
		}
		g.w(name, " := ")
		if name == "append" || name == "splice" || g.n(3) == 0 {
			g.w("func(x, y) { return [y, x] }")
		} else {
			g.expr(2)
		}
		g.vars = append(g.vars, name)
	case 5:
		if d <= 0 {
			g.w("f(1)")
			return
		}
		g.w("if ")
		g.expr(2)
		g.block(d - 1)
		if g.n(2) == 0 {
			g.w(" else")
			g.block(d - 1)
		}
	case 6:
		if d <= 0 {
			g.w("f(2)")
			return
		}
		i := fmt.Sprint("i", g.fresh)
		g.fresh++
		g.w("for ", i, " := 0; ", i, " < 2; ", i, "++")
		g.vars = append(g.vars, i)
		g.block(d - 1)
		g.vars = g.vars[:len(g.vars)-1]
	case 7:
		if d <= 0 {
			g.w("f(3)")
			return
		}
		k, v := fmt.Sprint("k", g.fresh), fmt.Sprint("e", g.fresh)
		g.fresh++
		g.w("for ", k, ", ", v, " in ")
		g.expr(1)
		g.vars = append(g.vars, k, v)
		g.block(d - 1)
		g.vars = g.vars[:len(g.vars)-2]
	case 8:
		if d <= 0 {
			g.w("f(4)")
			return
		}
		name := fmt.Sprint("g", g.fresh)
		g.fresh++
		g.w(name, " := func(p, ", g.pick("copy", "append", "q"), ") {")
		g.vars = append(g.vars, "p")
		for range 1 + g.n(3) {
			g.w(" ")
			g.stmt(d - 1)
			g.w(";")
		}
		g.w(" return ")
		g.expr(2)
		g.w(" }; ")
		g.vars = g.vars[:len(g.vars)-1]
		g.vars = append(g.vars, name)
		g.w("f(", name, "(")
		g.expr(2)
		g.w(", ")
		g.expr(1)
		g.w("))")
	case 9:
		g.w(g.vars[g.n(len(g.vars))], g.pick("++", "--"))
	case 10:
		g.w("fmt.println(")
		g.expr(2)
		g.w(")")
	case 11:
		x := fmt.Sprint("x", g.fresh)
		g.fresh++
		g.w(x, g.pick(" := import( \"./helper\" )", " := import(\n\t`./helper`)", " := import(\"./helper\") // c\n", " := import(/* c */\"./helper\")"), "; log = append(log, ", x, ".twice(")
		g.expr(1)
		g.w("))")
	default:
		g.w("f(")
		g.expr(3)
		g.w(")")
	}
}

// block writes { statements } in a new scope.
func (g *gen) block(d int) {
	saved := len(g.vars)
	g.w(" {")
	for range 1 + g.n(3) {
		g.w("\n\t")
		g.stmt(d)
	}
	g.w("\n}")
	g.vars = g.vars[:saved]
}
