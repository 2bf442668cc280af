package interp_test

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// runRewritten runs code as bohpsh does (rewritten, with the guards) and
// returns its global result.
func runRewritten(code string) (tengo.Object, error) {
	env, modules := interp.NewEnv(interp.EnvConfig{})
	prog, err := interp.Compile(&interp.Source{Name: "(main)", Text: []byte(code)}, env, modules)
	if err != nil {
		return nil, err
	}
	if err := prog.Run(context.Background()); err != nil {
		return nil, err
	}
	return prog.Global("result"), nil
}

// runTengo runs code with Tengo alone, as the reference.
func runTengo(code string) (tengo.Object, error) {
	s := tengo.NewScript([]byte(code))
	c, err := s.Run()
	if err != nil {
		return nil, err
	}
	return c.Get("result").Object(), nil
}

var tengoPos = regexp.MustCompile(`\(main\):(\d+):(\d+)`)

// errorAt is an error's message without Tengo's function prefixes, and
// its position.
func errorAt(err error) string {
	var se *interp.ScriptError
	if errors.As(err, &se) {
		return fmt.Sprintf("%d:%d: %s", se.Pos.Line, se.Pos.Col, se.Msg)
	}
	s := err.Error()
	pos := tengoPos.FindStringSubmatch(s)
	msg, _, _ := strings.Cut(strings.TrimPrefix(s, "Runtime Error: "), "\n")
	msg = strings.NewReplacer("builtin-function:", "", "user-function:", "").Replace(msg)
	if pos == nil {
		return msg
	}
	return pos[1] + ":" + pos[2] + ": " + msg
}

// The rewrite changes nothing a program does: every construct it
// rewrites gives Tengo's value, or Tengo's error at Tengo's position.
func TestRewriteKeepsMeaning(t *testing.T) {
	programs := []string{
		`a := [1, 2, 3]; a[1] = 5; result := a`,
		`m := {}; m.x = 1; m["y"] = 2; m.z = {w: 1}; m.z.w += 5; result := m`,
		`a := [[1, 2], [3, 4]]; a[1][0] = 9; a[0][1] *= 3; result := a`,
		`m := {a: 10}; m.a -= 1; m.a *= 3; m.a /= 2; m.a %= 5; m.a |= 8; m.a &= 12; m.a ^= 3; m.a <<= 2; m.a >>= 1; m.a &^= 1; result := m.a`,
		`x := [1]; x += [2]; s := "a"; s += "b"; s += 1; result := [x, s]`,
		// order of evaluation: the value, then the selectors from the last
		`log := []; f := func(v) { log = append(log, v); return v }; a := [[0, 0], [0, 0]]; a[f(1)][f(0)] = f(7); result := [a, log]`,
		`log := []; f := func(v) { log = append(log, v); return v }; a := [[5, 5]]; a[f(0)][f(1)] += f(2); result := [a, log]`,
		// arrays share memory as in Tengo
		`a := [1, 2, 3]; b := a[1:]; b[0] = 9; result := [a, b]`,
		`x := [1, 2]; y := append(x, 3); z := x + [4]; result := [x, y, z, len(y)]`,
		`y := [1, 2, 3]; x := append(y, 9); z := append(y, 7); result := [x, z]`,
		`a := [1, 2, 3, 4]; d := splice(a, 1, 2, "x", "y", "z"); result := [a, d]`,
		`a := [1, 2, 3]; d := splice(a); e := splice([1, 2, 3], 1); result := [a, d, e]`,
		`result := "n=" + 5 + " " + [1, 2] + " " + 1.5 + 'c'`,
		`a := [1, {b: 2}]; b := [1, {b: 2}]; result := [a == b, a != b, a == [1], 1 == 1.0, "x" != "y", a == a]`,
		// builtins the script shadows, or uses as values
		`f := func(append) { return append + 1 }; g := func() { splice := func(a, b) { return a * b }; return splice(3, 4) }; result := [f(1), g()]`,
		`ap := append; cp := copy; result := [ap([1], 2), cp({a: [1]}), string([1, "x"]), format("%d-%s", 1, "a")]`,
		`m := immutable({a: [1, 2]}); result := [is_immutable_map(m), m.a[1]]`,
		`a := [0, 0, 0, 0]; for i := 0; i < 3; a[i] = i { i++ }; result := a`,
		`m := {}; if m.x = 1; m.x > 0 { m.y = 2 }; result := m`,
		"m := {}\nm.x = {\n  a: 1,\n  b: [2,\n    3]\n}\nresult := m",
		`f := func() { m := {}; g := func(k) { m[k] = k + k; return m }; return g("a") }; result := f()`,
		`x := error([1]); m := {e: x}; m.e = error(m.e); result := is_error(m.e)`,
		// operands that start with a unary operator, whose Pos is Tengo's
		// operand's (m.k = -a once assigned a)
		`a := 2; m := {}; m.k = -a; m.j = ^a; m.n = !true; m.c = -a > 0 ? 1 : 2; x := [0, 0]; x[1] = -6; x[0] += -a; result := [m, x]`,
		`a := [1]; b := -len(a + a) + 3; c := [-a[0] + 1]; d := -a[0] == -1; e := !(a == a); result := [b, c, d, e, [-1] + [2], -a[0] + len(a + [-a[0]])]`,
		`f := func(x) { return -x }; m := {v: [0]}; m.v[0] = -f(-3) * 2; result := m`,
		// errors: Tengo's message at Tengo's position
		`a := [1]; a[5] = 1`,
		`m := 1; m.x = 2`,
		`a := [1]; a["x"] = 1`,
		`x := [1] + 1`,
		`x := 1; x += [1]`,
		`s := immutable([1]); s[0] = 2`,
		`a := {}; a.b.c = 1`,
		`x := append(1, 2)`,
		`x := splice(1)`,
		`x := append([1])`,
		"m := {}\nm.x = {\n  a: 1,\n  b: 1 + \"x\"\n}",
		"a := [1]\n  a[0] += \"s\"",
		"m := {}; f := func() {\n\treturn m.nope.deeper()\n}\nx := f()",
	}
	for _, code := range programs {
		want, wantErr := runTengo(code)
		got, gotErr := runRewritten(code)
		switch {
		case wantErr != nil || gotErr != nil:
			if wantErr == nil || gotErr == nil || errorAt(wantErr) != errorAt(gotErr) {
				t.Errorf("%s\n Tengo: %v\nbohpsh: %v", code, wantErr, gotErr)
			}
		case got == nil || !want.Equals(got):
			t.Errorf("%s\n Tengo: %v\nbohpsh: %v", code, want, got)
		}
	}
}

// No value can come to contain itself, whatever builds it: each way is an
// error at the line that would have made it (issue 8, case 6).
func TestNoValueContainsItself(t *testing.T) {
	for code, want := range map[string]string{
		`m := {}; m.self = m`:                                                         "1:10: cannot assign: the value contains the map assigned into",
		`a := [1]; a[0] = a`:                                                          "1:11: cannot assign: the value contains the array assigned into",
		`m := {x: {}}; m.x.y = m`:                                                     "1:15: cannot assign",
		`m := {x: {}}; m.x.y = m.x`:                                                   "1:15: cannot assign",
		`m := {x: [1]}; m.x[0] = {back: m}`:                                           "1:16: cannot assign",
		`m := {}; m.e = error(m)`:                                                     "1:10: cannot assign",
		`a := [[1]]; a[0] += [a]`:                                                     "1:13: cannot assign",
		`a := [1, 2]; b := immutable(a); a[0] = b`:                                    "1:33: cannot assign",
		`a := [1, 2, 3]; b := a[1:]; a[1] = b`:                                        "1:29: cannot assign",
		`a := [1, 2, 3]; b := a[1:]; b[0] = a`:                                        "1:29: cannot assign",
		`m := {}; n := immutable(m); m.n = {x: n}`:                                    "1:29: cannot assign",
		`a := [1]; splice(a, 0, 0, a)`:                                                "1:11: splice: an element inserted or moved contains the array",
		`a := []; splice(a, 0, 0, [a])`:                                               "1:10: splice",
		`a := [1, 2, 3]; b := a[0:2]; a[2] = b; splice(a, 0, 2)`:                      "1:40: splice",
		`y := [1, 2, 3]; x := append(y, 9); z := append(y, x)`:                        "1:41: append: an element added contains an array that shares",
		`l := [1, 2, 3]; r := l + [4]; z := l + [r]`:                                  "1:36: +: an element added",
		`l := [1, 2, 3]; r := l + [4]; l += [r]`:                                      "1:31: +: an element added",
		`l := [1, 2, 3]; r := l + [4]; z := l + (false || [r])`:                       "1:36: +: an element added",
		`l := [1, 2, 3]; r := l + [4]; z := l + (true && [r])`:                        "1:36: +: an element added",
		`l := [1, 2, 3]; r := immutable(l + [4]); z := immutable(l) + immutable([r])`: "1:47: +",
	} {
		_, err := runRewritten(code)
		if err == nil || !strings.Contains(errorAt(err), want) {
			t.Errorf("%s\n got %v\nwant %q", code, err, want)
		}
		if !makesCycle(t, code) {
			t.Errorf("%s: Tengo alone makes no value that contains itself", code)
		}
	}
}

// makesCycle reports whether code, run by Tengo alone (nothing walks the
// values), leaves a global that contains itself.
func makesCycle(t *testing.T, code string) bool {
	s := tengo.NewScript([]byte(code))
	c, err := s.Run()
	if err != nil {
		t.Fatalf("%s: %v", code, err)
	}
	for _, v := range c.GetAll() {
		if errors.Is(lib.CheckAcyclic(v.Object()), lib.ErrContainsItself) {
			return true
		}
	}
	return false
}

// The second line of defence: a value nested too deep for Tengo's
// recursive walks (on the Go stack) is an error wherever it is walked.
func TestDeepValuesAreErrors(t *testing.T) {
	deep := "x := [0]; y := [0]; for i := 0; i < 200000; i++ { x = [x]; y = [y] }\n"
	for _, walk := range []string{
		`s := string(x)`, `s := x == y`, `s := x != y`, `s := "a" + x`, `s := copy(x)`, `s := format("%v", x)`,
		`fmt := import("fmt"); fmt.println(x)`, `fmt := import("fmt"); s := fmt.sprintf("%v", x)`,
		`json := import("json"); s := json.encode(x)`, `text := import("text"); s := text.contains(x, "a")`,
	} {
		_, err := runRewritten(deep + walk)
		if err == nil || !strings.Contains(err.Error(), fmt.Sprintf("nested deeper than %d", lib.MaxDepth)) || !strings.Contains(errorAt(err), "2:") {
			t.Errorf("%s: %v", walk, err)
		}
	}
}
