package tasks_test

import (
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

// Bad parameters are errors naming tasks.train, the values, and the
// script's position (x.tengo, after the helper's own).
func TestErrorMessages(t *testing.T) {
	pre := `tasks := import("tasks")
params := import("params")
bohp := import("bohp")
net := bohp.network({inputs: 2, layers: [{size: 2}]})
opt := bohp.sgd({lr: 0.1})`
	scripttest.WantErrors(t, pre, map[string]string{
		`tasks.train({episodes: 10, frozen: 20, checkpoint: ""}, net, opt, func(ep) { return 0 })`:             "tasks.train: frozen = 20 must be in [0, episodes = 10]",
		`tasks.train({episodes: 10, frozen: -1, checkpoint: ""}, net, opt, func(ep) { return 0 })`:             "tasks.train: frozen = -1 must be in [0, episodes = 10]",
		`tasks.train({episodes: 10, frozen: 2, checkpoint: ""}, net, opt, func(ep) { return 0 }, {final: -3})`: "tasks.train: final = -3 must be >= 0",
		`tasks.train({episodes: 10, frozen: 2, checkpoint: ""}, net, opt, func(ep) { return "x" })`:            `metrics.record: value of error must be a number or bool, got string "x"`,
		`tasks.patterns(3, 1)`: "tasks.patterns: 3 distinct patterns of 1 cells do not exist (at most 2)",
		`tasks.network({checkpoint: "none.yaml"}, {inputs: 2, layers: [{size: 1}]})`: "bohp.load: open none.yaml: no such file or directory",
	})
}
