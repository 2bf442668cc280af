package interp_test

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/interp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
)

// maxFuzzScript bounds the fuzzed scripts (longer ones explore no more of
// the language, and the fuzzer minimizes each input it keeps).
const maxFuzzScript = 4096

// fuzzBudget is the memory budget of the fuzzed runs.
const fuzzBudget = 512 << 20

var fuzzOnce sync.Once

// FuzzScript compiles and runs any text as a script, with every module,
// without --allow-os, a memory budget and a time limit: it must end with a
// result or an error, never a Go panic, an internal error, a hang or a
// fatal error (a value that contains itself, nested too deep, out of
// memory). The seeds are the test scripts and the shipped ones, and
// snippets of what once crashed.
func FuzzScript(f *testing.F) {
	for _, pattern := range []string{"testdata/*.tengo", "testdata/errors/*.tengo", "../scripts/*.tengo", "../stdlib/*/testdata/*.tengo"} {
		files, _ := filepath.Glob(pattern)
		for _, file := range files {
			if b, err := os.ReadFile(file); err == nil && len(b) <= maxFuzzScript {
				f.Add(b)
			}
		}
	}
	for _, s := range []string{
		`m := {}; m.self = m; x := m == m`,
		`a := [1, 2, 3]; b := a[1:]; a[1] = b; s := string(a)`,
		`y := [1, 2, 3]; x := append(y, 9); z := append(y, x); c := copy(x)`,
		`l := [1, 2, 3]; r := l + [4]; z := l + [r]; s := format("%v", z)`,
		`a := []; for i := 0; i < 100000; i++ { a = [a] }; s := a == a`,
		`a := [1]; splice(a, 0, 0, immutable(a)); s := "" + a`,
		`s := "x"; for { s += s }`,
		`f := func(n) { return f(n + 1) }; f(0)`,
		`bohp := import("bohp"); net := bohp.network({inputs: 4, layers: [{size: 3, plastic: true, retention: 0.9}, {size: 2, act: "softmax"}]})`,
		`vec := import("vec"); v := vec.zeros(1000000000)`,
		`yaml := import("yaml"); x := yaml.decode("a: &a [*a]")`,
		`bohp := import("bohp"); vec := import("vec"); net := bohp.network({inputs: 3, layers: [{size: 4, rule: "retroactive", recurrent: true, clip: 1, fanout: true, eta_e: 0.1}, {size: 3}]}); net.record({max: 4}); net.reset(); for t := 0; t < 3; t++ { net.step([1, 0, 1]) }; ac := bohp.actor_critic(vec.mat(3, 3), [0, 1, 0], [0.0, 1.0, -1.0]); net.score_at(0, [0, 0, 0], 0.0); net.score_steps(ac.grad, ac.loss); net.end(); opt := bohp.adam({lr: 0.01, clip_norm: 1, batch: 2}); opt.update(net); r := net.recording()`,
		`bohp := import("bohp"); net := bohp.network({inputs: 2, layers: [{size: 2, rule: "clipped_hebb", clip: 1, soft: true, eta: 0.1}, {size: 1}]}); net.record({figure: "trace"}); net.reset(); net.step([1, 1]); net.score("sse", [1]); net.end(); net.save("net.yaml"); x := bohp.load("net.yaml")`,
		`params := import("params"); p := params.declare({n: 2, k: 1}, {}, {n: ">= 1 and <= 10", k: "in [0, n)"}); params.check(p.k < p.n, "k")`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, text []byte) {
		if len(text) > maxFuzzScript {
			return
		}
		fuzzOnce.Do(func() { lib.SetMemoryBudget(fuzzBudget) })
		ctx, cancel := context.WithTimeout(context.Background(), 250*time.Millisecond)
		defer cancel()
		env, modules := interp.NewEnv(interp.EnvConfig{Ctx: ctx, Out: io.Discard, OutDir: t.TempDir(), ScriptDir: "testdata"})
		src := &interp.Source{Name: "fuzz.tengo", Text: text, Dir: "testdata"}
		// As a run does: its own context, which the memory watchdog cancels.
		runCtx, stop := context.WithCancelCause(ctx)
		defer stop(nil)
		env.Ctx = runCtx
		defer lib.WatchMemory(stop)()
		start := time.Now()
		prog, err := interp.CompileContext(runCtx, src, env, modules)
		if err == nil {
			err = prog.Run(runCtx)
		}
		if interp.IsInternal(err) {
			t.Fatalf("internal error on %q:\n%v", text, err)
		}
		var se *interp.ScriptError
		if err != nil && !errors.As(err, &se) {
			t.Fatalf("error of type %T on %q: %v", err, text, err)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("%q ran %v after a 250 ms limit", text, d)
		}
	})
}
