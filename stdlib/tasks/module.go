// Package tasks is the bohpsh module "tasks", written in Tengo
// (tasks.tengo, embedded in the binary): the machinery of the paper's
// experiments as a library that a script in any folder imports with
// import("tasks").
//
//	tasks.run_docs             docs of the run parameters the helpers read
//	tasks.run_constraints      the values they accept, for params.declare
//	tasks.network(p, spec)     build a network, or load p.checkpoint
//	tasks.patterns(k, n)       k distinct random ±1 patterns
//	tasks.schedule(...)        the label/learning-period schedule of an episode
//	tasks.train(p, net, ...)   the train loop: frozen episodes, checkpoint, diagram
//	tasks.save(p, net, opt)    the checkpoint and diagram of a trained network
//	tasks.trace(p, net, f, ep) a figure of one episode, step by step
//	tasks.labelled_patterns(p) the one-shot/reversal protocol, whole
//
// The helpers check their arguments (params.check: Tengo has no other way
// to fail with a message).
//
// Module is the one source of the functions' documentation (docs/modules.md
// and :help); TestTableMatchesSource checks it against what the source
// exports.
package tasks

import (
	_ "embed"

	"github.com/bohpsh/bohpsh/stdlib/lib"
)

//go:embed tasks.tengo
var source string

// Module is the "tasks" module.
var Module = &lib.Module{Name: "tasks", Source: source,
	Doc: "the paper's experiments as a library: pattern pairs, the train loop with frozen episodes, checkpoints and diagrams, label/learning-period schedules; p is the map params.declare returns, with the keys of run_docs (labelled_patterns also reads n, hidden, steps, retention, eta, maxdw, l1); a missing parameter, an unknown option or a wrong argument fails the run with a message naming the function and the value (params.check: exit status 2)",
	Values: []lib.Value{
		{Name: "run_docs", Doc: "one-line docs of the run parameters the helpers read (episodes, frozen, seed, engine, checkpoint, nonneg_alpha), for params.declare's docs"},
		{Name: "run_constraints", Doc: "the values those run parameters accept ({episodes: \">= 1\", frozen: \"in [0, episodes]\", engine: \"one of bptt, forward, paper\"}), for params.declare's constraints"},
	},
	Funcs: []lib.Func{
		{Name: "network", Args: "(p map, spec map) -> network", Doc: "bohp.network(spec) with engine p.engine, or, when p.checkpoint is set, that checkpoint (an error if it does not fit spec)"},
		{Name: "patterns", Args: "(k int, n int) -> array", Doc: "k distinct random ±1 patterns of n cells (vecs), from the run's random stream"},
		{Name: "schedule", Args: "(steps int, labels int, n int, label_of func, learning func) -> map", Doc: "the schedule of an episode that shows `labels` patterns of n cells in turn (pattern t % labels at step t) after label cells: {shown: pattern index per step, targets: one-hot label of label_of(t, k) per step (steps × labels), weights: 0 at the steps where learning(t) (not scored) else 1, cues: the label shown as input at those steps (steps × (labels + n)), scored: number of scored steps}"},
		{Name: "train", Args: "(p map, net network, opt optimizer, run_episode func[, opts map]) -> float", Doc: "runs run_episode(ep) for p.episodes episodes (it returns the episode's error, recorded as metric error), updating with opt after each but the last p.frozen; with p.checkpoint set, runs `final` episodes without updates; p.nonneg_alpha constrains the alphas to >= 0; then tasks.save, then tasks.trace; returns the run's final error. opts: {final: the run's result is the mean error over this many last episodes (p.frozen), optimizer, title (as tasks.save), trace: false draws no trace figure}"},
		{Name: "trace", Args: "(p map, net network, run_episode func, ep int)", Doc: "runs run_episode(ep) once more, recorded (net.record), and draws it as trace.png and trace.svg in the run's directory: per step the inputs, the outputs, the targets and every plastic layer's traces (not with --no-figures; the episode updates nothing and records no metric)"},
		{Name: "save", Args: "(p map, net network, opt optimizer[, opts map]) -> string", Doc: "returns the path of net.yaml after writing the trained network into it (with the optimizer's state and meta {episodes, seed}) and its diagram net.svg in the run's directory; opts: {optimizer: false leaves the optimizer's state out, title: the diagram's}"},
		{Name: "labelled_patterns", Args: "(p map[, opts map]) -> network", Doc: "runs the paper's one-shot and reversal protocol and returns the trained network (metrics.final(\"error\") is its result): new patterns every episode (tasks.patterns), a plastic tanh layer of p.hidden cells (retention p.retention) and a softmax output, RMSprop (p.eta, p.maxdw, p.l1), p.steps steps (tasks.schedule), trained by tasks.train; the error is the loss per scored step. opts: {labels: 2, label_of: func(t, k) (k), learning: func(t) (t < labels), loss: cross_entropy, and train's}"},
	},
}
