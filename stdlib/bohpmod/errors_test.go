package bohpmod_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
)

const netSrc = `bohp := import("bohp")
vec := import("vec")
net := bohp.network({inputs: 3, layers: [{size: 2, plastic: true, retention: 0.9}, {size: 2, act: "softmax"}]})
`

// Every bad input to the bohp module is an error with the script position,
// the source line and a message naming the function and the values.
func TestErrorMessages(t *testing.T) {
	dir := t.TempDir()
	badCk := filepath.Join(dir, "bad.yaml")
	os.WriteFile(badCk, []byte("format: bohp-checkpoint/1\ninputs: [\n"), 0o644)
	cases := []struct{ name, code, want string }{
		{"arg count", "net.step()", "e.tengo:4:1: network.step: wrong number of arguments: want 1, got 0"},
		{"arg type", `net.step("x")`, "network.step: argument x must be a vec or an array of numbers, got string"},
		{"input shape", "net.step(vec.zeros(4))", "network.step: shape mismatch: got vec(4), want vec(3) (the network's input size)"},
		{"target shape", "net.step(vec.zeros(3))\nnet.score(\"sse\", [1, 2, 3])", "network.score: shape mismatch: got array(3), want vec(2) (the output size)"},
		{"episode shape", `net.episode(vec.mat(5, 3), vec.mat(4, 2), 1, "sse")`, "network.episode: shape mismatch: got targets mat(4x2), want mat(5x2)"},
		{"unknown loss", "net.step([1, 2, 3])\nnet.score(\"mse\", [0, 1])", `network.score: unknown loss "mse" (known: sse, l1, cross_entropy)`},
		{"unknown option", `bohp.network({inputs: 3, layers: [{size: 2, plasticity: true}]})`, `unknown option "plasticity"`},
		{"missing retention", `bohp.network({inputs: 3, layers: [{size: 2, plastic: true}]})`, `rule "hebb" needs setting "retention"`},
		{"unknown tensor", `net.get("l0.beta")`, `network.get: no tensor "l0.beta" (tensors: l0.w, l0.alpha, l0.b, l1.w, l1.b)`},
		{"softmax not last", `bohp.network({inputs: 3, layers: [{size: 2, act: "softmax"}, {size: 2}]})`, "softmax is only allowed on the last layer"},
		{"NaN divergence", "net.set(\"l1.w\", [1e308, 1e308, -1e308, -1e308])\nnet.set(\"l0.b\", [5, 5])\nnet.step([1, 1, 1])\nnet.score(\"sse\", [0, 1])",
			"non-finite value"},
		{"gradient of an optimizer", `bohp.rmsprop({eta: 0.1}).update(3)`, "optimizer.update: argument net must be a network, got int 3"},
		{"optimizer on another network", "o := bohp.rmsprop({eta: 0.1})\nnet.episode(vec.mat(2, 3), vec.mat(2, 2), 1, \"sse\")\no.update(net)\nn2 := bohp.network({inputs: 4, layers: [{size: 2}, {size: 2}]})\nn2.episode(vec.mat(2, 4), vec.mat(2, 2), 1, \"sse\")\no.update(n2)",
			"rmsprop update of l0.w: shape mismatch"},
		{"malformed checkpoint", `bohp.load("` + badCk + `")`, "bohp.load: " + badCk + ": checkpoint: line 2"},
		{"missing checkpoint", `bohp.load("nope/none.yaml")`, "bohp.load: open nope/none.yaml: no such file or directory"},
		{"meta not writable", `net.save("n.yaml", {meta: {f: [1, func() {}]}})`, "network.save: meta: cannot encode a compiled-function at .f[1] as YAML"},
		{"checkpoint that does not fit", "p := net.save(\"n.yaml\")\nbohp.load(p, {inputs: 5, layers: [{size: 2, plastic: true, retention: 0.9}, {size: 2, act: \"softmax\"}]})",
			"does not fit the network spec: it has 3 inputs, the spec 5"},
		{"gradcheck without episode", "n3 := bohp.network({inputs: 1, layers: [{size: 1}]})\nn3.gradcheck()", "network.gradcheck: gradcheck: no episode recorded"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := scripttest.RunCode(context.Background(), "e.tengo", netSrc+c.code, scripttest.Options{}, &bytes.Buffer{}, t.TempDir())
			if err == nil {
				t.Fatalf("no error")
			}
			msg := err.Error()
			if !strings.Contains(msg, c.want) {
				t.Errorf("error %q\ndoes not contain %q", msg, c.want)
			}
			t.Log(msg)
			if !strings.Contains(msg, "e.tengo:") {
				t.Errorf("error %q has no script position", msg)
			}
		})
	}
}
