package params_test

import (
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
)

const constrained = `params := import("params")
p := params.declare({n: 8, steps: 20, episodes: 100, frozen: 10, eta: 0.01, rate: 0.5, engine: "bptt"}, {},
    {n: ">= 1", steps: ">= 1", episodes: ">= 1", frozen: "in [0, episodes]", eta: "> 0 and < 10", rate: "in (0, 1)", engine: "one of bptt, forward"})
`

// Values from the command line that break a constraint are usage errors
// naming the parameter (issue 8, case 10): -p episodes=-5 blames episodes,
// not frozen, which is bounded by it.
func TestConstraints(t *testing.T) {
	for params, want := range map[string]string{
		"episodes=-5": "params.declare: parameter episodes = -5 (from the command line) must be >= 1",
		"n=0":         "parameter n = 0 (from the command line) must be >= 1",
		"steps=0":     "parameter steps = 0 (from the command line) must be >= 1",
		"frozen=200":  "parameter frozen = 200 (from the command line) must be in [0, episodes], and episodes = 100 (the script's default)",
		"episodes=5":  "parameter frozen = 10 (the script's default) must be in [0, episodes], and episodes = 5 (from the command line)",
		"frozen=-1":   "parameter frozen = -1 (from the command line) must be in [0, episodes]",
		"eta=NaN":     "parameter eta = NaN (from the command line) must be a finite number > 0 and < 10",
		"eta=+Inf":    "parameter eta = +Inf (from the command line) must be a finite number > 0 and < 10",
		"rate=1":      "parameter rate = 1 (from the command line) must be in (0, 1)",
		"rate=0":      "parameter rate = 0 (from the command line)",
		"engine=fast": `parameter engine = "fast" (from the command line) must be one of bptt, forward`,
	} {
		k, v, _ := strings.Cut(params, "=")
		err := scripttest.RunCode(t.Context(), "c.tengo", constrained, scripttest.Options{Params: map[string]string{k: v}}, io.Discard, t.TempDir())
		if err == nil || !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "c.tengo:2:6") {
			t.Errorf("-p %s:\n got %v\nwant %q", params, err, want)
		} else if !lib.IsUsage(err) {
			t.Errorf("-p %s: not a usage error: %v", params, err)
		}
	}
	for _, ok := range []string{"frozen=0", "frozen=100", "rate=0.999", "engine=forward", "eta=9.5"} {
		k, v, _ := strings.Cut(ok, "=")
		if err := scripttest.RunCode(t.Context(), "c.tengo", constrained, scripttest.Options{Params: map[string]string{k: v}}, io.Discard, t.TempDir()); err != nil {
			t.Errorf("-p %s: %v", ok, err)
		}
	}
}

const unbounded = `params := import("params")
p := params.declare({n: 8, reward: 1.0, lr: 0.1, gamma: 0.5, rate: 0.5, frozen: 1.0, cap: 1.0, floor: -1.0, span: 1.0, x: 1.0},
    {}, {n: ">= 1", reward: "> 0", lr: ">= 0", gamma: "<= 1", rate: "in [0, 1)", frozen: "in [0, x]", cap: ">= 0 and <= inf",
    floor: ">= -inf and < 0", span: "in (0, inf)"})
`

// A constraint on a number refuses NaN and the infinities (issue: -p
// reward=inf passed "> 0" and the run diverged to NaN), whichever kind of
// bound it has, unless a bound of inf admits one by name.
func TestConstraintsRefuseNonFinite(t *testing.T) {
	run := func(k, v string) error {
		return scripttest.RunCode(t.Context(), "c.tengo", unbounded, scripttest.Options{Params: map[string]string{k: v}}, io.Discard, t.TempDir())
	}
	for _, k := range []string{"reward", "lr", "gamma", "rate", "frozen", "cap", "floor", "span"} {
		text := map[string]string{"reward": "> 0", "lr": ">= 0", "gamma": "<= 1", "rate": "in [0, 1)", "frozen": "in [0, x]",
			"cap": ">= 0 and <= inf", "floor": ">= -inf and < 0", "span": "in (0, inf)"}[k]
		for _, v := range []string{"inf", "-inf", "NaN"} {
			admitted := k == "cap" && v == "inf" || k == "floor" && v == "-inf"
			err := run(k, v)
			if admitted {
				if err != nil {
					t.Errorf("-p %s=%s (%s): %v", k, v, text, err)
				}
				continue
			}
			// A constraint that admits an infinity does not say "finite".
			number := "a finite number"
			if k == "cap" || k == "floor" {
				number = "a number"
			}
			want := fmt.Sprintf("c.tengo:2:6: params.declare: parameter %s = %s (from the command line) must be %s %s",
				k, map[string]string{"inf": "+Inf", "-inf": "-Inf", "NaN": "NaN"}[v], number, text)
			if err == nil || !strings.Contains(err.Error(), want) || !lib.IsUsage(err) {
				t.Errorf("-p %s=%s:\n got %v\nwant %q (a usage error)", k, v, err, want)
			}
		}
	}
	// An infinite bound parameter is not an admission: frozen stays finite.
	if err := run("x", "inf"); err != nil {
		t.Errorf("-p x=inf (unconstrained): %v", err)
	}
	// An int cannot be infinite; its constraints are unchanged.
	if err := run("n", "1"); err != nil {
		t.Errorf("-p n=1: %v", err)
	}
}

// A default the script computes (math.inf, 0/0) meets the same check, as
// the script's error.
func TestConstraintsRefuseNonFiniteDefault(t *testing.T) {
	scripttest.WantErrors(t, `params := import("params"); math := import("math")`, map[string]string{
		`params.declare({r: math.inf(1)}, {}, {r: "> 0"})`:                     "params.declare: parameter r = +Inf (the script's default) must be a finite number > 0",
		`params.declare({r: -math.inf(1)}, {}, {r: "< 0"})`:                    "parameter r = -Inf (the script's default) must be a finite number < 0",
		`params.declare({r: math.inf(1) - math.inf(1)}, {}, {r: "in [0, 1]"})`: "parameter r = NaN (the script's default) must be a finite number in [0, 1]",
		`params.declare({r: math.inf(1)}, {}, {r: "in [0, inf)"})`:             "must be a finite number in [0, inf)",
	})
}

// A default that breaks its constraint, and a constraint that cannot be
// read or cannot apply, are the script's errors.
func TestBadConstraints(t *testing.T) {
	scripttest.WantErrors(t, `params := import("params")`, map[string]string{
		`params.declare({n: 0}, {}, {n: ">= 1"})`:         "params.declare: parameter n = 0 (the script's default) must be >= 1",
		`params.declare({n: 1}, {}, {m: ">= 1"})`:         `params.declare: constraint for "m", which is not a declared parameter`,
		`params.declare({n: 1}, {}, {n: 1})`:              `params.declare: constraint of parameter "n" must be a string, got int 1`,
		`params.declare({n: 1}, {}, {n: "at least 1"})`:   `params.declare: constraint of parameter "n": "at least 1" is not a constraint (>= x, > x, <= x, < x, in [a, b], one of a, b, ...)`,
		`params.declare({n: 1}, {}, {n: "in [0 1]"})`:     `"in [0 1]" is not an interval`,
		`params.declare({n: 1}, {}, {n: ">= m"})`:         `">= m" refers to "m", which is not a declared parameter`,
		`params.declare({n: 1, s: "x"}, {}, {n: ">= s"})`: `">= s" refers to "s", which is not a number`,
		`params.declare({s: "x"}, {}, {s: ">= 1"})`:       `">= 1" applies to int and float parameters, and "s" is string`,
		`params.declare({b: true}, {}, {b: ">= 1"})`:      `applies to int and float parameters, and "b" is bool`,
		`params.declare({n: 1}, {}, {n: "one of 1, 2"})`:  `"one of 1, 2" applies to string parameters, and "n" is int`,
		`params.declare({n: 1}, {}, {n: "one of"})`:       `is not a constraint`,
		`params.declare({n: 1.5}, {}, {n: "> nan"})`:      `the bound is NaN`,
	})
}
