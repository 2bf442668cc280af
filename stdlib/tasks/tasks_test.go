package tasks_test

import (
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

// Bad parameters and arguments are errors naming the tasks function, the
// values, and the script's position (x.tengo, after the helper's own).
func TestErrorMessages(t *testing.T) {
	pre := `tasks := import("tasks")
params := import("params")
bohp := import("bohp")
net := bohp.network({inputs: 2, layers: [{size: 2}]})
opt := bohp.sgd({lr: 0.1})
ep := func(ep) { return 0 }
p := func(episodes, frozen) { return {episodes: episodes, frozen: frozen, seed: 0, checkpoint: "", nonneg_alpha: false, engine: "bptt"} }`
	scripttest.WantErrors(t, pre, map[string]string{
		`tasks.train(p(10, 20), net, opt, ep)`:                                                       "tasks.train: frozen = 20 must be in [0, episodes = 10]",
		`tasks.train(p(10, -1), net, opt, ep)`:                                                       "tasks.train: frozen = -1 must be in [0, episodes = 10]",
		`tasks.train(p(10, 2), net, opt, ep, {final: -3})`:                                           "tasks.train: final = -3 must be an int >= 0",
		`tasks.train(p(10, 2), net, opt, ep, {final: 1e308 * 10})`:                                   "tasks.train: final = +Inf must be an int >= 0",
		`tasks.train(p(10, 2), net, opt, ep, {final: 2.5})`:                                          "tasks.train: final = 2.5 must be an int >= 0",
		`tasks.train(p(1e308 * 10, 2), net, opt, ep)`:                                                "tasks.train: episodes and frozen must be ints, got episodes = +Inf, frozen = 2",
		`tasks.train(p(10, 0.0 / 0.0), net, opt, ep)`:                                                "tasks.train: episodes and frozen must be ints, got episodes = 10, frozen = NaN",
		`tasks.train(p(10, 2), net, opt, func(ep) { return "x" })`:                                   `tasks.train: run_episode(0) returned "x", want the episode's error (a number)`,
		`tasks.train(p(10, 2), net, opt, func(ep) { if ep == 3 { return } ; return 1 })`:             "tasks.train: run_episode(3) returned <undefined>, want the episode's error (a number)",
		`tasks.train({episodes: 10, frozen: 2}, net, opt, ep)`:                                       "tasks.train: p has no parameter seed (declare it with params.declare)",
		`tasks.train(3, net, opt, ep)`:                                                               "tasks.train: p must be the map params.declare returns, got 3",
		`tasks.train(p(10, 2), net, opt, ep, {finl: 3})`:                                             `tasks.train: unknown option "finl" (known: final, optimizer, title, trace)`,
		`tasks.train(p(10, 2), net, opt, ep, 7)`:                                                     "tasks.train: the last argument must be one map of options, got [7]",
		`tasks.train(p(10, 2), net, opt, 3)`:                                                         "tasks.train: run_episode must be a function, got int 3",
		`tasks.train(p(10, 2), opt, opt, ep)`:                                                        "tasks.train: net must be a network, got optimizer",
		`tasks.train(p(10, 2), net, net, ep)`:                                                        "tasks.train: opt must be an optimizer, got network",
		`tasks.save(p(10, 2), net, opt, {titel: "x"})`:                                               `tasks.save: unknown option "titel" (known: optimizer, title)`,
		`tasks.trace(p(10, 2), net, "f", 0)`:                                                         `tasks.trace: run_episode must be a function, got string "f"`,
		`tasks.patterns(3, 1)`:                                                                       "tasks.patterns: 3 distinct patterns of 1 cells do not exist (at most 2)",
		`tasks.patterns(0, 4)`:                                                                       "tasks.patterns: want k >= 1 patterns of n >= 0 cells (ints), got k = 0, n = 4",
		`tasks.patterns("a", 4)`:                                                                     `tasks.patterns: want k >= 1 patterns of n >= 0 cells (ints), got k = "a", n = 4`,
		`tasks.schedule(6, 0, 4, func(t, k) { return k }, func(t) { return false })`:                 "tasks.schedule: want ints steps >= 0, labels >= 1, n >= 0, got steps = 6, labels = 0, n = 4",
		`tasks.schedule(6, 2, 4, 1, func(t) { return false })`:                                       "tasks.schedule: label_of must be a function, got int 1",
		`tasks.schedule(6, 2, 4, func(t, k) { return t == 4 ? 7 : k }, func(t) { return false })`:    "tasks.schedule: label_of(4, 0) returned 7, want a label: an int in [0, 2)",
		`tasks.schedule(6, 2, 4, func(t, k) { return "a" }, func(t) { return false })`:               `tasks.schedule: label_of(0, 0) returned "a", want a label: an int in [0, 2)`,
		`tasks.schedule(6, 2, 4, func(t, k) { return 0.5 }, func(t) { return false })`:               "tasks.schedule: label_of(0, 0) returned 0.5, want a label: an int in [0, 2)",
		`tasks.network({checkpoint: "none.yaml", engine: "bptt"}, {inputs: 2, layers: [{size: 1}]})`: "bohp.load: cannot read none.yaml: no such file in the run's directory or the working directory",
		`tasks.network({checkpoint: "", engine: "exact"}, {inputs: 2, layers: [{size: 1}]})`:         `tasks.network: unknown gradient engine "exact" (known: bptt, forward, paper)`,
		`tasks.network({checkpoint: ""}, {inputs: 2, layers: [{size: 1}]})`:                          "tasks.network: p has no parameter engine",
		`tasks.network(p(1, 0), 3)`:                                                                  "tasks.network: spec must be a map, got 3",
		`tasks.labelled_patterns(p(1, 0), {lables: 3})`:                                              `tasks.labelled_patterns: unknown option "lables" (known: labels, label_of, learning, loss, final, optimizer, title, trace)`,
		`tasks.labelled_patterns(p(1, 0))`:                                                           "tasks.labelled_patterns: p has no parameter n",
	})
}

// Of several unknown options, the error names the first in sorted order in
// every run, not the one the map's order gives (each try iterates afresh).
func TestUnknownOptionsInOrder(t *testing.T) {
	for range 10 {
		scripttest.WantErrors(t, `tasks := import("tasks")`, map[string]string{
			`tasks.save({episodes: 1, seed: 0}, 1, 2, {zz: 1, yy: 2, xx: 3, ww: 4, vv: 5})`: `tasks.save: unknown option "vv" (known: optimizer, title)`,
		})
	}
}

// A wrong parameter is a usage error (exit status 2), as a wrong -p value
// is: -p engine=exact of a shipped script.
func TestUsageErrors(t *testing.T) {
	err := scripttest.CodeError(t, "x.tengo", `tasks := import("tasks")
tasks.network({checkpoint: "", engine: "exact"}, {inputs: 2, layers: [{size: 1}]})`, scripttest.Options{})
	if !lib.IsUsage(err) {
		t.Errorf("an unknown engine: %v, want a usage error", err)
	}
}
