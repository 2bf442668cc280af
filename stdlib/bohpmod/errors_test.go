package bohpmod_test

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
)

const netSrc = `bohp := import("bohp")
vec := import("vec")
net := bohp.network({inputs: 3, layers: [{size: 2, plastic: true, retention: 0.9}, {size: 2, act: "softmax"}]})`

// Of several bad optimizer settings, the error names the first by name in
// every run, not the one Go's map order gives (each try iterates afresh).
func TestOptimizerErrorsInOrder(t *testing.T) {
	for range 10 {
		scripttest.WantErrors(t, `bohp := import("bohp")`, map[string]string{
			`bohp.sgd({lr: 0.1, qux: 1, foo: 2, bar: 3, baz: 4})`: `unknown setting "bar"`,
		})
	}
}

// Every bad input to the bohp module is an error with the script position,
// the source line and a message naming the function and the values.
func TestErrorMessages(t *testing.T) {
	dir := t.TempDir()
	badCk := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badCk, []byte("format: bohp-checkpoint/1\ninputs: [\n"), 0o644)
	// A file outside the script's folder and the working directory needs --allow-os.
	scripttest.WantErrorsOpts(t, scripttest.Options{AllowOS: true}, netSrc, map[string]string{
		`bohp.load("` + badCk + `")`: "bohp.load: " + badCk + ": checkpoint: line 2",
	})
	scripttest.WantErrors(t, netSrc, map[string]string{
		`bohp.load("` + badCk + `")`: "bohp.load: cannot read " + badCk + ": scripts read only under their own folder (.) and the working directory; run with --allow-os to read other files",
		// a spec without a required key, with an unknown key, with a key of the wrong type
		`bohp.network({layers: []})`:                                                    `bohp.network: missing option "inputs" (known: inputs, layers, engine, init)`,
		`bohp.network({inputs: 3, layers: [{act: "tanh"}]})`:                            `bohp.network: missing option "size" in layers[0] (known: size, act, plastic, rule, name, init_abs, recurrent, input, learn_rate, precision, retention, rate, clip, soft, eta, fanout, eta_e)`,
		`bohp.network({inputs: 3, layers: [], engine: "bptt", x: 1})`:                   `bohp.network: unknown option "x" (known: inputs, layers, engine, init)`,
		`bohp.network({inputs: "3", layers: []})`:                                       `bohp.network: argument inputs must be an int, got string "3"`,
		`bohp.network({inputs: 3, layers: [{size: 2, plastic: true, retention: "x"}]})`: `bohp.network: argument layers[0].retention must be a number, got string "x"`,
		// bad options of methods and optimizers
		`net.constrain("l0.w", {sgn: 1})`:      `network.constrain: unknown option "sgn" (known: sign, frozen)`,
		`net.constrain("l0.w", {sign: 2})`:     "network.constrain: l0.w: sign constraint must be -1, 0 or +1, got 2",
		`net.save("n.yaml", {optimizer: 3})`:   "network.save: argument optimizer must be an optimizer, got int 3",
		`net.gradcheck({epsilon: 1})`:          `network.gradcheck: unknown option "epsilon" (known: eps)`,
		`net.diagram("d.svg", {threshold: 2})`: "network.diagram: threshold must be in [0, 1], got 2",
		`bohp.adam({lr: "x"})`:                 `bohp.adam: argument lr must be a number, got string "x"`,
		// settings that make the updates NaN or ascend
		`bohp.adam({beta1: 1})`:    "x.tengo:4:1: bohp.adam: setting beta1 must be in [0, 1), got 1",
		`bohp.adam({beta2: 1.5})`:  "setting beta2 must be in [0, 1), got 1.5",
		`bohp.adam({eps: 0})`:      "setting eps must be > 0, got 0",
		`bohp.rmsprop({decay: 0})`: "x.tengo:4:1: bohp.rmsprop: setting decay must be in (0, 1], got 0",
		`bohp.rmsprop({eta: -1})`:  "setting eta must be >= 0, got -1",
		`bohp.sgd({lr: -0.1})`:     "x.tengo:4:1: bohp.sgd: setting lr must be >= 0, got -0.1",
		`bohp.sgd({l2: -1})`:       "setting l2 must be >= 0, got -1",
		`net.nosuch()`:             `network: no method or field "nosuch" (methods: constrain, diagram, eligibility, end,`,
		// arg count
		"net.step()": "x.tengo:4:1: network.step: wrong number of arguments: want 1, got 0",
		// arg type
		`net.step("x")`: "network.step: argument x must be a vec or an array of numbers, got string",
		// input shape
		"net.step(vec.zeros(4))": "network.step: shape mismatch: got vec(4), want vec(3) (the network's input size)",
		// target shape
		"net.step(vec.zeros(3))\nnet.score(\"sse\", [1, 2, 3])": "network.score: shape mismatch: got array(3), want vec(2) (the output size)",
		// episode shape
		`net.episode(vec.mat(5, 3), vec.mat(4, 2), 1, "sse")`: "network.episode: shape mismatch: got targets mat(4x2), want mat(5x2)",
		// unknown loss
		"net.step([1, 2, 3])\nnet.score(\"mse\", [0, 1])": `network.score: unknown loss "mse" (known: sse, l1, cross_entropy)`,
		// unknown option
		`bohp.network({inputs: 3, layers: [{size: 2, plasticity: true}]})`: `unknown option "plasticity"`,
		// missing retention
		`bohp.network({inputs: 3, layers: [{size: 2, plastic: true}]})`: `rule "hebb" needs setting "retention"`,
		// unknown tensor
		`net.get("l0.beta")`: `network.get: no tensor "l0.beta" (tensors: l0.w, l0.alpha, l0.b, l1.w, l1.b)`,
		// softmax not last
		`bohp.network({inputs: 3, layers: [{size: 2, act: "softmax"}, {size: 2}]})`: "softmax is only allowed on the last layer",
		// NaN divergence
		"net.set(\"l1.w\", [1e308, 1e308, -1e308, -1e308])\nnet.set(\"l0.b\", [5, 5])\nnet.step([1, 1, 1])\nnet.score(\"sse\", [0, 1])": "non-finite value",
		// gradient of an optimizer
		`bohp.rmsprop({eta: 0.1}).update(3)`: "optimizer.update: argument net must be a network, got int 3",
		// optimizer on another network
		"o := bohp.rmsprop({eta: 0.1})\nnet.episode(vec.mat(2, 3), vec.mat(2, 2), 1, \"sse\")\no.update(net)\nn2 := bohp.network({inputs: 4, layers: [{size: 2}, {size: 2}]})\nn2.episode(vec.mat(2, 4), vec.mat(2, 2), 1, \"sse\")\no.update(n2)": "rmsprop update of l0.w: shape mismatch",
		// missing checkpoint
		`bohp.load("nope/none.yaml")`: "bohp.load: cannot read nope/none.yaml: no such file in the run's directory or the working directory",
		// meta that YAML cannot hold
		`net.save("n.yaml", {meta: {f: [1, func() {}]}})`: "network.save: meta: cannot encode a compiled-function at .f[1] as YAML",
		// checkpoint that does not fit
		"p := net.save(\"n.yaml\")\nbohp.load(p, {inputs: 5, layers: [{size: 2, plastic: true, retention: 0.9}, {size: 2, act: \"softmax\"}]})": "does not fit the network spec: inputs 3 in the checkpoint, 5 in the script",
		// checkpoint with another retention
		"p := net.save(\"n.yaml\")\nbohp.load(p, {inputs: 3, layers: [{size: 2, plastic: true, retention: 0.8, name: \"h\"}, {size: 3, act: \"softmax\"}]})": "does not fit the network spec: layer l0: name l0 in the checkpoint, h in the script; layer l0: retention 0.9 in the checkpoint, 0.8 in the script; layer l1: size 2 in the checkpoint, 3 in the script",
		// checkpoint with another rule
		"p := net.save(\"n.yaml\")\nbohp.load(p, {inputs: 3, layers: [{size: 2, rule: \"oja\", rate: 0.1}, {size: 2, act: \"softmax\"}]})": "does not fit the network spec: layer l0: rule hebb in the checkpoint, oja in the script",
		// retention out of range
		`bohp.network({inputs: 3, layers: [{size: 2, plastic: true, retention: 1.5}]})`: "bohp.network: layers[0]: rule hebb: retention must be in [0, 1], got 1.5",
		// NaN retention
		`bohp.network({inputs: 3, layers: [{size: 2, plastic: true, retention: 0.0 / 0.0}]})`: "retention must be in [0, 1], got NaN",
		// infinite rate
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "oja", rate: 1e308 * 10}]})`: "rule oja: rate must be a finite number, got +Inf",
		// the neuromodulated rules' settings: NaN and infinite ones by name
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "modulated", clip: 0.0 / 0.0}]})`:                                                                 "layers[0]: rule modulated: clip must be a finite number > 0, got NaN",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "retroactive", clip: 1e308 * 10, eta_e: 0.1}]})`:                                                  "layers[0]: rule retroactive: clip must be a finite number > 0, got +Inf",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "retroactive", clip: 1, eta_e: 0.0 / 0.0}]})`:                                                     "layers[0]: rule retroactive: eta_e must be in [0, 1], got NaN",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "clipped_hebb", clip: 1, eta: -1e308 * 10}]})`:                                                    "layers[0]: rule clipped_hebb: eta must be a finite number, got -Inf",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "clipped_hebb", clip: 1, eta: 0.1, recurrent: true, learn_rate: "cell", precision: "float32"}]})`: "rule clipped_hebb supports float64 only",
		`bohp.adam({lr: 0.01, clip_norm: 0.0 / 0.0})`:                                                                                                        "x.tengo:4:1: bohp.adam: clip_norm must be a finite number >= 0 (0: no clip), got NaN",
		// setting of another rule
		`bohp.network({inputs: 3, layers: [{size: 2, plastic: true, retention: 0.5, rate: 0.1}]})`: `rule "hebb": unknown setting "rate" (known: retention)`,
		// setting without plasticity
		`bohp.network({inputs: 3, layers: [{size: 2, retention: 0.5}]})`: "layers[0]: retention given for a layer that is not plastic (add plastic: true)",
		// unknown rule
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "bcm"}]})`: `unknown plasticity rule "bcm" (known: hebb, oja, clipped_hebb, modulated, retroactive)`,
		// checkpoint with other recurrent options
		"r := bohp.network({inputs: 3, layers: [{size: 3, recurrent: true, plastic: true, retention: 0.9, input: \"direct\", precision: \"float32\"}]})\np := r.save(\"r.yaml\")\nbohp.load(p, {inputs: 3, layers: [{size: 3, recurrent: true, plastic: true, retention: 0.9, learn_rate: \"cell\"}]})": "does not fit the network spec: layer l0: input direct in the checkpoint, weights in the script; layer l0: learn_rate fixed in the checkpoint, cell in the script; layer l0: precision float32 in the checkpoint, float64 in the script",
		// checkpoint not recurrent
		"p := net.save(\"n.yaml\")\nbohp.load(p, {inputs: 3, layers: [{size: 2, recurrent: true, plastic: true, retention: 0.9}, {size: 2, act: \"softmax\"}]})": "layer l0: recurrent false in the checkpoint, true in the script",
		// recurrent with the forward engine
		`bohp.network({inputs: 3, engine: "forward", layers: [{size: 3, recurrent: true, plastic: true, retention: 0.9}]})`: "x.tengo:4:1: bohp.network: layer l0 is recurrent, which the forward engine does not support; use the bptt engine",
		// direct input of another size
		`bohp.network({inputs: 3, layers: [{size: 4, recurrent: true, plastic: true, retention: 0.9, input: "direct"}]})`: "layer l0: direct input needs as many inputs as cells: 3 inputs, 4 cells",
		// recurrent option of a dense layer
		`bohp.network({inputs: 3, layers: [{size: 2, learn_rate: "layer"}]})`:  "layer l0: a trained rate is an option of recurrent layers and of the rules clipped_hebb and retroactive",
		`bohp.network({inputs: 3, layers: [{size: 2, precision: "float32"}]})`: "layers[0]: precision is an option of recurrent layers (add recurrent: true)",
		// unknown precision
		`bohp.network({inputs: 3, layers: [{size: 2, recurrent: true, plastic: true, retention: 0.9, precision: "half"}]})`: `layers[0]: unknown precision "half" (known: float64, float32)`,
		// unknown engine
		`bohp.network({inputs: 3, engine: "exact", layers: [{size: 2}]})`: `bohp.network: unknown gradient engine "exact" (known: bptt, forward, paper)`,
		`net.set_engine("papr")`: `x.tengo:4:1: network.set_engine: unknown gradient engine "papr" (known: bptt, forward, paper)`,
		// recurrent with the paper engine
		`bohp.network({inputs: 3, engine: "paper", layers: [{size: 3, recurrent: true, plastic: true, retention: 0.9}]})`: "x.tengo:4:1: bohp.network: layer l0 is recurrent, which the paper engine does not support; use the bptt engine",
		// tensors of an unknown kind or layer
		`net.tensors({kind: "alphas"})`: `x.tengo:4:1: network.tensors: unknown tensor kind "alphas" (known: weight, alpha, bias, rule)`,
		`net.tensors({layer: "l2"})`:    `network.tensors: no layer "l2" (layers: l0, l1)`,
		`net.tensors({kind: 1})`:        `network.tensors: argument kind must be a string, got int 1`,
		`net.tensors({knd: "alpha"})`:   `network.tensors: unknown option "knd" (known: kind, layer)`,
		// non-plastic recurrent with a rate
		`bohp.network({inputs: 3, layers: [{size: 2, recurrent: true, learn_rate: "layer"}]})`: "layer l0: a recurrent layer without plasticity has no rate to train (learn_rate must be fixed)",
		// neuromodulated layers
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "modulated", clip: 1, soft: 1}]})`:                                             "bohp.network: argument layers[0].soft must be a bool, got int 1",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "modulated", clip: 0}]})`:                                                      "bohp.network: layers[0]: rule modulated: clip must be a finite number > 0, got 0",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "modulated"}]})`:                                                               `bohp.network: layers[0]: rule "modulated" needs setting "clip"`,
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "modulated", clip: 1, learn_rate: "layer"}]})`:                                 "x.tengo:4:1: bohp.network: layer l0: rule modulated has no rate to train (learn_rate must be fixed)",
		`bohp.network({inputs: 3, layers: [{size: 2, rule: "retroactive", clip: 1, eta_e: 0.1, recurrent: true, precision: "float32"}]})`: "x.tengo:4:1: bohp.network: layer l0: rule retroactive supports float64 only",
		`bohp.network({inputs: 3, engine: "forward", layers: [{size: 2, rule: "retroactive", clip: 1, eta_e: 0.1}]})`:                     "x.tengo:4:1: bohp.network: layer l0: rule retroactive needs the bptt engine (the modulator couples every cell's traces: the forward engine would need O(N^4) tangents)",
		// modulation and eligibility of layers without them
		`net.modulation("l0")`: "network.modulation: layer l0 (rule hebb) has no modulation: only modulated and retroactive layers have one",
		"m := bohp.network({inputs: 3, layers: [{size: 2, rule: \"modulated\", clip: 1}]})\nm.step([1, 2, 3])\nm.eligibility(\"l0\")": "network.eligibility: layer l0 (rule modulated) has no eligibility trace: only retroactive layers have one",
		"m := bohp.network({inputs: 3, layers: [{size: 2, rule: \"modulated\", clip: 1}]})\nm.modulation(\"l0\")":                     "network.modulation: no step has been run since the episode started",
		// late scores
		"net.step([1, 2, 3])\nnet.score_at(1, [0, 0])":                                                                           "x.tengo:5:1: network.score_at: step 1: the episode has run 1 steps (0 to 0)",
		"net.step([1, 2, 3])\nnet.score_at(-1, [0, 0])":                                                                          "x.tengo:5:1: network.score_at: step -1: steps are numbered from 0",
		"net.step([1, 2, 3])\nnet.score_at(0, [0, 0, 0])":                                                                        "network.score_at: shape mismatch: got array(3), want vec(2) (the output size)",
		"net.step([1, 2, 3])\nnet.score_at(0, [0, 0], 0.0/0.0)":                                                                  "network.score_at: non-finite value NaN in custom loss[0] at step 0 of episode 0",
		"net.step([1, 2, 3])\nnet.end()\nnet.score_at(0, [0, 0])":                                                                "x.tengo:6:1: network.score_at: step 0: the episode has ended (reset starts the next)",
		"net.step([1, 2, 3])\nnet.score_steps(vec.mat(2, 2))":                                                                    "network.score_steps: shape mismatch: got grads mat(2x2), want mat(1x2) (a row per step run, a column per output)",
		"f := bohp.network({inputs: 1, engine: \"forward\", layers: [{size: 1}]})\nf.step([1])\nf.step([1])\nf.score_at(0, [1])": "x.tengo:7:1: network.score_at: step 0: the forward engine adds each step's gradient as the episode runs and cannot score a past step (the current step is 1); use the bptt engine",
		// actor-critic
		`bohp.actor_critic(vec.mat(3, 2), [0, 1, 0], [0, 0, 1])`:                       "bohp.actor_critic: outputs has 2 columns, need K+1 >= 3 (K >= 2 action logits, then the value)",
		`bohp.actor_critic(vec.mat(3, 3), [0, 2, 0], [0, 0, 1])`:                       "bohp.actor_critic: actions[1] is 2, not an action (an int in [0, 2))",
		`bohp.actor_critic(vec.mat(3, 3), [0, 1], [0, 0, 1])`:                          "bohp.actor_critic: shape mismatch: got actions array(2), want vec(3) (one per row of outputs)",
		`bohp.actor_critic(vec.mat(3, 3), [0, 1, 1], [0, 1])`:                          "bohp.actor_critic: shape mismatch: got rewards array(2), want vec(3) (one per row of outputs)",
		`bohp.actor_critic(vec.mat(3, 3), [0, 1, 1], [0, 1, 0], {bonus: "gini"})`:      `bohp.actor_critic: unknown exploration bonus "gini" (known: entropy, concentration)`,
		`bohp.actor_critic(vec.mat(3, 3), [0, 1, 1], [0, 1, 0], {gama: 0.9})`:          `bohp.actor_critic: unknown option "gama" (known: gamma, value_coef, entropy_coef, bonus)`,
		`bohp.actor_critic(vec.mat(3, 3), [0, 1, 1], [0, 1, 0], {gamma: 1.5})`:         "x.tengo:4:1: bohp.actor_critic: gamma must be in [0, 1], got 1.5",
		`bohp.actor_critic(vec.mat(3, 3).set(1, 2, 1e308 * 10), [0, 1, 1], [0, 1, 0])`: "bohp.actor_critic: outputs[1][2] is +Inf",
		`bohp.actor_critic(vec.mat(0, 3), [], [])`:                                     "bohp.actor_critic: the episode has no steps (outputs has no rows)",
		// optimizer options
		`bohp.adam({batch: 0})`:     "x.tengo:4:1: bohp.adam: batch must be a whole number >= 1, got 0",
		`bohp.sgd({clip_norm: -1})`: "x.tengo:4:1: bohp.sgd: clip_norm must be a finite number >= 0 (0: no clip), got -1",
		// engine errors name the script function once, not the engine's operation too
		`bohp.network({inputs: 0, layers: [{size: 2}]})`:                                                                                 "x.tengo:4:1: bohp.network: input size must be in [1, 268435456], got 0",
		`bohp.network({inputs: 3, layers: []})`:                                                                                          "x.tengo:4:1: bohp.network: no layers",
		`bohp.network({inputs: 3, layers: [{size: 2, name: "a"}, {size: 2, name: "a"}]})`:                                                `x.tengo:4:1: bohp.network: two layers are named "a"`,
		`bohp.network({inputs: 3, layers: [{size: 0}]})`:                                                                                 "x.tengo:4:1: bohp.network: layer l0: size must be positive, got 0",
		"m := bohp.network({inputs: 3, layers: [{size: 2, rule: \"modulated\", clip: 1}]})\nm.set_engine(\"paper\")":                     "x.tengo:5:1: network.set_engine: layer l0: rule modulated needs the bptt engine (the modulator couples every cell's traces: the paper engine would need O(N^4) tangents)",
		"r := bohp.network({inputs: 3, layers: [{size: 3, recurrent: true, plastic: true, retention: 0.9}]})\nr.set_engine(\"forward\")": "x.tengo:5:1: network.set_engine: layer l0 is recurrent, which the forward engine does not support; use the bptt engine",
		"net.reset()\nnet.score(\"sse\", [0, 1])":                                                                                        "x.tengo:5:1: network.score: no step has been run since the episode started",
		// after end, a forgotten reset: the episode went on silently, its loss and gradient summing both
		"net.step([1, 2, 3])\nnet.end()\nnet.step([1, 2, 3])":        "x.tengo:6:1: network.step: the episode has ended (reset starts the next)",
		"net.step([1, 2, 3])\nnet.end()\nnet.score(\"sse\", [0, 1])": "x.tengo:6:1: network.score: the episode has ended (reset starts the next)",
		"net.step([1, 2, 3])\nnet.end()\nnet.score_grad(1, [0, 1])":  "x.tengo:6:1: network.score_grad: the episode has ended (reset starts the next)",
		// a tensor changed mid-episode: earlier steps ran with the old values, and net.end's gradient was that of no loss
		"net.step([1, 2, 3])\nnet.set(\"l1.w\", vec.mat(2, 2))":                                                                        "x.tengo:5:1: network.set: cannot change l1.w between net.reset() and net.end(): the episode's steps so far ran with the old values, so the gradient net.end() computes would be of neither; do it before the episode's first step or after net.end()",
		"net.step([1, 2, 3])\nnet.fix(\"l0.b\", [0, 0])":                                                                               "x.tengo:5:1: network.fix: cannot change l0.b between net.reset() and net.end()",
		"net.step([1, 2, 3])\nnet.constrain(\"l0.alpha\", {sign: -1})":                                                                 "x.tengo:5:1: network.constrain: cannot change l0.alpha between net.reset() and net.end()",
		"net.reset()\nnet.step([1, 2, 3])\nnet.step([1, 2, 3])\nbohp.sgd({lr: 0.1}).update(net)":                                       "x.tengo:7:1: optimizer.update: cannot change the tensors of net between net.reset() and net.end()",
		"net.reset()\nnet.score_grad(1, [0, 1])":                                                                                       "x.tengo:5:1: network.score_grad: no step has been run since the episode started",
		"net.step([1, 2, 3])\nnet.score(\"sse\", [0, 1], 0.0/0.0)":                                                                     "x.tengo:5:1: network.score: weight is NaN at step 0",
		`net.episode(vec.mat(2, 3), vec.mat(2, 2), [1, 1e308 * 10], "sse")`:                                                            "x.tengo:4:1: network.episode: weight is +Inf at step 1",
		"s := bohp.network({inputs: 3, layers: [{size: 2, act: \"sigmoid\"}]})\ns.step([1, 2, 3])\ns.score(\"cross_entropy\", [0, 1])": "x.tengo:6:1: network.score: the last layer l0 is sigmoid; cross-entropy needs a softmax or linear output layer",
		"net.reset()\nnet.score_steps(vec.mat(0, 2))":                                                                                  "x.tengo:5:1: network.score_steps: no step has been run since the episode started",
		`net.set("l0.w", [1, 2, 3, 4, 5, 0.0/0.0])`:                                                                                    "x.tengo:4:1: network.set: l0.w: value 5 is NaN",
		`net.fix("l0.b", [1e308 * 10, 0])`:                                                                                             "x.tengo:4:1: network.fix: l0.b: value 0 is +Inf",
		`net.save("n.yaml", {meta: {a: "bohp-floats-1"}})`:                                                                             `n.yaml: the metadata contains the reserved text "bohp-floats-"`,
		`bohp.rmsprop({eta: 0.1, beta1: 0.9})`:                                                                                         `x.tengo:4:1: bohp.rmsprop: unknown setting "beta1" (known: eta, maxdw, l1, l2, decay, eps, clip_norm, batch)`,
		`bohp.sgd({lr: 0.0/0.0})`:                                                                                                      "x.tengo:4:1: bohp.sgd: setting lr is NaN",
		`bohp.actor_critic(vec.mat_from([[1, -1e308, 0]]), [1], [1])`:                                                                  "x.tengo:4:1: bohp.actor_critic: step 0: action 1 has probability 0 (log π is -Inf)",
		`bohp.actor_critic(vec.mat(2, 3), [0, 1], [0, 0.0/0.0])`:                                                                       "x.tengo:4:1: bohp.actor_critic: the reward at step 1 is NaN",
		`bohp.actor_critic(vec.mat(2, 3), [0, 1], [1e308, 1e308])`:                                                                     "x.tengo:4:1: bohp.actor_critic: the discounted return at step 0 overflows: reward 1e+308 + gamma 0.9 × return 1e+308 is +Inf; scale the rewards down",
		`bohp.actor_critic(vec.mat(2, 3), [0, 1], [0, 1], {value_coef: -1})`:                                                           "x.tengo:4:1: bohp.actor_critic: the value and entropy coefficients must be finite and non-negative, got -1 and 0.1",
		// gradcheck without episode
		"n3 := bohp.network({inputs: 1, layers: [{size: 1}]})\nn3.gradcheck()":                                                                        "network.gradcheck: no episode recorded",
		"n4 := bohp.network({inputs: 1, layers: [{size: 1}]})\nn4.reset()\nn4.step([1])\nn4.score_grad(0.5, [1])\nn4.end()\nn4.gradcheck()":           "network.gradcheck: the episode was scored with a custom loss gradient (score_grad, score_at or score_steps), which cannot be replayed",
		"n5 := bohp.network({inputs: 1, layers: [{size: 1}]})\nn5.episode(vec.mat(1, 1), vec.mat(1, 1), 1, \"sse\")\nn5.gradcheck({eps: 0})":          "network.gradcheck: eps must be a finite number > 0, got 0",
		"n6 := bohp.network({inputs: 1, layers: [{size: 1}]})\nn6.episode(vec.mat(1, 1), vec.mat(1, 1), 1, \"sse\")\nn6.gradcheck({eps: 1e308 * 10})": "network.gradcheck: eps must be a finite number > 0, got +Inf",
	})
}

// A checkpoint's meta reads as yaml.read reads it, also where Go's generic
// conversion fails (an integer beyond int64, a mapping with a non-string
// key: a hand-edited checkpoint).
func TestLoadMetaAsYAMLRead(t *testing.T) {
	dir := t.TempDir()
	save := `bohp := import("bohp")
bohp.network({inputs: 2, layers: [{size: 2}]}).save("ck.yaml", {meta: {a: 1}})`
	if err := scripttest.RunCode(t.Context(), "save.tengo", save, scripttest.Options{}, io.Discard, dir); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "ck.yaml")
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(text), "\nmeta:\n", "\nmeta:\n  big: 18446744073709551615\n  keys: {1: one}\n", 1)
	if edited == string(text) {
		t.Fatalf("no meta: in the checkpoint:\n%s", text)
	}
	if err := os.WriteFile(path, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	load := `assert := import("assert")
meta := import("bohp").load("ck.yaml").meta
assert.eq(meta, import("yaml").read("ck.yaml").meta, "meta as yaml.read reads it")
assert.eq(meta.keys["1"], "one", "a non-string key")
assert.eq(meta.big, 18446744073709551615.0, "an integer beyond int64: a float")`
	if err := scripttest.RunCode(t.Context(), "load.tengo", load, scripttest.Options{}, io.Discard, dir); err != nil {
		t.Error(err)
	}
}
