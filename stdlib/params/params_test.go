package params_test

import (
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

func TestOverrides(t *testing.T) {
	scripttest.RunOpts(t, "testdata/overrides/ok.tengo", scripttest.Options{
		Seed:   42,
		Params: map[string]string{"episodes": "250", "eta": "1", "nonneg": "true", "name": "a b"},
	})
}

func TestBadOverrides(t *testing.T) {
	cases := []struct {
		params map[string]string
		want   []string
	}{
		{map[string]string{"episdes": "10"}, []string{
			`ok.tengo:4:6: params.declare: unknown parameter "episdes"`,
			"known parameters: episodes=5000, eta=0.01, name=\"reversal\", nonneg=false, seed=0",
			"p := params.declare("}},
		{map[string]string{"episodes": "1e3"}, []string{`parameter "episodes": want an int (default 5000), got "1e3"`, "known parameters: episodes=5000"}},
		{map[string]string{"eta": "fast"}, []string{`parameter "eta": want a float (default 0.01), got "fast"`}},
		{map[string]string{"eta": "1e309"}, []string{`parameter "eta": "1e309" is beyond the range of a float (±1.8e308; write inf for infinity)`}},
		{map[string]string{"episodes": "99999999999999999999"}, []string{`parameter "episodes": "99999999999999999999" is beyond the range of an int (±9.2e18)`}},
		{map[string]string{"nonneg": "yes"}, []string{`parameter "nonneg": want a bool true/false (default false), got "yes"`}},
		{map[string]string{"seed": "3"}, []string{`set it with --seed`}},
	}
	for _, c := range cases {
		err := scripttest.FileError(t, "testdata/overrides/ok.tengo", scripttest.Options{Params: c.params})
		if err == nil {
			t.Errorf("%v: no error", c.params)
			continue
		}
		if !lib.IsUsage(err) {
			t.Errorf("%v: not a usage error: %v", c.params, err)
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error\n%v\ndoes not contain %q", c.params, err, w)
			}
		}
	}
}

func TestBadDeclare(t *testing.T) {
	cases := map[string]string{
		`params.declare()`:                                               "params.declare: wrong number of arguments: want 1 to 3, got 0",
		`params.declare([1])`:                                            "params.declare: argument defaults must be a map, got array [1]",
		`params.declare({a: [1]})`:                                       `params.declare: default of parameter "a" must be an int, float, bool or string, got array [1]`,
		`params.declare({a: 1}, {b: "doc"})`:                             `params.declare: doc for "b", which is not a declared parameter`,
		`params.declare({a: 1}, {a: 2})`:                                 `params.declare: doc of parameter "a" must be a string, got int 2`,
		`params.declare({seed: 1.5})`:                                    `parameter "seed" is the run's seed and must have an int default`,
		`params.declare({"": 1})`:                                        `params.declare: empty parameter name`,
		`params.declare({"a\tb": 1})`:                                    `params.declare: parameter name "a\tb" holds a control character (U+0009 at byte 1)`,
		`params.get("zz")`:                                               `params.get: no declared parameter "zz"`,
		`params.declare({a: 1}); params.get(1)`:                          "params.get: argument name must be a string, got int 1",
		`params.check(1 > 2, "frozen = 5 must not exceed episodes = 3")`: "x.tengo:2:1: frozen = 5 must not exceed episodes = 3",
		`params.check(1, "x")`:                                           "params.check: argument ok must be a bool, got int 1",
		`params.check(false)`:                                            "params.check: wrong number of arguments: want 2, got 1",
		`params.check(false, "")`:                                        "params.check: a check failed (its message is empty)",
	}
	scripttest.WantErrors(t, `params := import("params")`, cases)
}

// Of several bad entries, the error names the first by name in every run,
// not the one Go's map order gives (each try iterates the maps afresh).
func TestBadDeclareNamesTheFirst(t *testing.T) {
	cases := map[string]string{
		`params.declare({d: [1], b: [2], c: [3], a: 1})`:          `params.declare: default of parameter "b" must be`,
		`params.declare({a: 1}, {z: "1", x: "2", y: "3", a: ""})`: `params.declare: doc for "x", which is not a declared parameter`,
		`params.declare({a: 1, b: 2, c: 3}, {c: 1, b: 2, a: 3})`:  `params.declare: doc of parameter "a" must be a string, got int 3`,
	}
	for range 10 {
		scripttest.WantErrors(t, `params := import("params")`, cases)
	}
}

// A failed check is a usage error (the command exits with status 2).
func TestCheckIsUsageError(t *testing.T) {
	err := scripttest.CodeError(t, "x.tengo", "params := import(\"params\")\nparams.check(false, \"no\")", scripttest.Options{})
	if err == nil || !lib.IsUsage(err) {
		t.Errorf("params.check(false): %v, want a usage error", err)
	}
}
