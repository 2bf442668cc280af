package bohp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"slices"
	"strings"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/bohpsh/bohpsh/internal/yamlout"
	"gopkg.in/yaml.v3"
)

// CheckpointFormat names the YAML format written by SaveCheckpoint.
const CheckpointFormat = "bohp-checkpoint/1"

// Checkpoint is a whole network with its optimizer state and free metadata.
type Checkpoint struct {
	Network   *Network
	Optimizer Optimizer // nil when none was saved
	Meta      map[string]any
}

// floats marshals as a one-line YAML sequence of floats that YAML 1.1
// (PyYAML) and 1.2 parsers read back bit-exact (1.0e-05, 3.0, -0.0).
type floats []float64

func (f floats) MarshalYAML() (any, error) {
	n := &yaml.Node{Kind: yaml.SequenceNode, Style: yaml.FlowStyle, Tag: "!!seq"}
	for _, v := range f {
		n.Content = append(n.Content, yamlout.FloatNode(v))
	}
	return n, nil
}

// settings (of a rule or an optimizer) marshal their floats as floats does.
type settings map[string]float64

func (s settings) MarshalYAML() (any, error) { return yamlout.Node(map[string]float64(s)) }

// meta marshals free metadata with floats as floats does and strings that
// look like numbers or booleans quoted.
type meta map[string]any

func (m meta) MarshalYAML() (any, error) {
	n, err := yamlout.Node(map[string]any(m))
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	return n, nil
}

type tensorYAML struct {
	Name   string `yaml:"name"`
	Kind   string `yaml:"kind"`
	Rows   int    `yaml:"rows"`
	Cols   int    `yaml:"cols"`
	Frozen bool   `yaml:"frozen,omitempty"`
	Sign   int    `yaml:"sign,omitempty"`
	Data   floats `yaml:"data"`
}

// quoted marshals a free-form string (a layer's name) quoted when it would
// read as another type (on, 1e5, 017).
type quoted string

func (q quoted) MarshalYAML() (any, error) { return yamlout.StringNode(string(q)), nil }

type layerYAML struct {
	Name       quoted      `yaml:"name"`
	Out        int         `yaml:"out"`
	Activation string      `yaml:"activation"`
	Rule       string      `yaml:"rule,omitempty"`
	Settings   settings    `yaml:"rule_settings,omitempty"`
	Tensors    []yaml.Node `yaml:"tensors"`
}

type optimizerYAML struct {
	Type     string            `yaml:"type"`
	Settings settings          `yaml:"settings"`
	Updates  int               `yaml:"updates"`
	State    map[string]floats `yaml:"state,omitempty"`
}

type checkpointYAML struct {
	Format    string         `yaml:"format"`
	Inputs    int            `yaml:"inputs"`
	Engine    string         `yaml:"engine"`
	Layers    []yaml.Node    `yaml:"layers"`
	Optimizer *optimizerYAML `yaml:"optimizer,omitempty"`
	Meta      meta           `yaml:"meta,omitempty"`
}

// SaveCheckpoint writes the network, the optimizer's state (opt may be nil)
// and metadata as YAML.
func SaveCheckpoint(w io.Writer, n *Network, opt Optimizer, meta map[string]any) error {
	ck := checkpointYAML{Format: CheckpointFormat, Inputs: n.In, Engine: n.engine.String(), Meta: meta}
	for _, l := range n.Layers {
		ly := layerYAML{Name: quoted(l.Name), Out: l.Out, Activation: l.Act.String()}
		if l.Rule != nil {
			ly.Rule, ly.Settings = l.Rule.Name(), l.Rule.Settings()
		}
		for _, p := range l.Params() {
			var node yaml.Node
			t := tensorYAML{Name: p.Name, Kind: p.Kind.String(), Rows: p.Rows, Cols: p.Cols, Frozen: p.Frozen, Sign: p.Sign, Data: floats(p.Data)}
			if err := node.Encode(t); err != nil {
				return fmt.Errorf("save checkpoint: %s: %w", p.Name, err)
			}
			ly.Tensors = append(ly.Tensors, node)
		}
		var node yaml.Node
		if err := node.Encode(ly); err != nil {
			return fmt.Errorf("save checkpoint: layer %s: %w", l.Name, err)
		}
		ck.Layers = append(ck.Layers, node)
	}
	if opt != nil {
		state, updates := opt.State()
		oy := &optimizerYAML{Type: opt.Name(), Settings: opt.Settings(), Updates: updates, State: map[string]floats{}}
		for _, k := range slices.Sorted(maps.Keys(state)) {
			oy.State[k] = floats(state[k])
		}
		ck.Optimizer = oy
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&ck); err != nil {
		return fmt.Errorf("save checkpoint: %w", err)
	}
	return enc.Close()
}

// SaveCheckpointFile writes a checkpoint atomically (a temporary file in the
// same directory, then rename), so an interrupted save never leaves a
// half-written file.
func SaveCheckpointFile(path string, n *Network, opt Optimizer, meta map[string]any) error {
	var buf bytes.Buffer
	if err := SaveCheckpoint(&buf, n, opt, meta); err != nil {
		return err
	}
	return atomicfile.Write(path, buf.Bytes())
}

// CheckpointError is a problem in a checkpoint file; Line is 0 when unknown.
type CheckpointError struct {
	Line int
	Msg  string
}

func (e *CheckpointError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("checkpoint line %d: %s", e.Line, e.Msg)
	}
	return "checkpoint: " + e.Msg
}

func ckErr(line int, format string, a ...any) error {
	return &CheckpointError{Line: line, Msg: fmt.Sprintf(format, a...)}
}

// LoadCheckpoint reads a checkpoint written by SaveCheckpoint. Unknown
// fields, wrong shapes, non-finite values and unknown names are errors that
// say what and where.
func LoadCheckpoint(r io.Reader) (*Checkpoint, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("checkpoint: %w", err)
	}
	var ck checkpointYAML
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&ck); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ckErr(0, "empty file")
		}
		return nil, fmt.Errorf("checkpoint: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if ck.Format != CheckpointFormat {
		return nil, ckErr(0, "format is %q, want %q", ck.Format, CheckpointFormat)
	}
	engine, err := ParseEngine(ck.Engine)
	if err != nil {
		return nil, ckErr(0, "%v", err)
	}
	if len(ck.Layers) == 0 {
		return nil, ckErr(0, "no layers")
	}
	// Every layer and tensor is decoded and its shape checked against the
	// architecture before anything is allocated, so a file claiming huge
	// sizes fails on its (file-bounded) data instead of allocating them.
	var specs []LayerSpec
	tensors := make([][]tensorYAML, len(ck.Layers))
	prev := ck.Inputs
	if prev <= 0 {
		return nil, ckErr(0, "inputs must be positive, got %d", prev)
	}
	for li, node := range ck.Layers {
		var ly layerYAML
		if err := decodeStrict(&node, &ly); err != nil {
			return nil, ckErr(node.Line, "layer: %v", err)
		}
		act, err := ParseActivation(ly.Activation)
		if err != nil {
			return nil, ckErr(node.Line, "layer %s: %v", ly.Name, err)
		}
		spec := LayerSpec{Name: string(ly.Name), Out: ly.Out, Act: act}
		if ly.Rule != "" {
			if spec.Rule, err = NewRule(ly.Rule, ly.Settings); err != nil {
				return nil, ckErr(node.Line, "layer %s: %v", ly.Name, err)
			}
		}
		name := string(ly.Name)
		if name == "" {
			name = fmt.Sprintf("l%d", li)
		}
		want := []struct {
			suffix     string
			rows, cols int
		}{{".w", ly.Out, prev}, {".b", ly.Out, 1}}
		if spec.Rule != nil {
			want = []struct {
				suffix     string
				rows, cols int
			}{{".w", ly.Out, prev}, {".alpha", ly.Out, prev}, {".b", ly.Out, 1}}
		}
		if len(ly.Tensors) != len(want) {
			return nil, ckErr(node.Line, "layer %s has %d tensors, want %d", name, len(ly.Tensors), len(want))
		}
		for ti, tnode := range ly.Tensors {
			var t tensorYAML
			if err := decodeStrict(&tnode, &t); err != nil {
				return nil, ckErr(tnode.Line, "tensor: %v", err)
			}
			w := want[ti]
			if t.Name != name+w.suffix {
				return nil, ckErr(tnode.Line, "tensor %d of layer %s is %q, want %q", ti, name, t.Name, name+w.suffix)
			}
			if t.Rows != w.rows || t.Cols != w.cols || len(t.Data) != w.rows*w.cols {
				return nil, ckErr(tnode.Line, "tensor %s: shape %dx%d with %d values, want %dx%d", t.Name, t.Rows, t.Cols, len(t.Data), w.rows, w.cols)
			}
			if err := checkFinite(-1, "tensor ", t.Name, t.Data); err != nil {
				return nil, ckErr(tnode.Line, "tensor %s: %v", t.Name, err.(*NonFiniteError).Value)
			}
			if t.Sign < -1 || t.Sign > 1 {
				return nil, ckErr(tnode.Line, "tensor %s: sign must be -1, 0 or 1, got %d", t.Name, t.Sign)
			}
			tensors[li] = append(tensors[li], t)
		}
		specs = append(specs, spec)
		prev = ly.Out
	}
	n, err := NewNetwork(ck.Inputs, engine, specs...)
	if err != nil {
		return nil, ckErr(0, "%v", err)
	}
	for li, l := range n.Layers {
		for ti, p := range l.Params() {
			t := tensors[li][ti]
			copy(p.Data, t.Data)
			p.Frozen, p.Sign = t.Frozen, t.Sign
		}
	}
	out := &Checkpoint{Network: n, Meta: ck.Meta}
	if oy := ck.Optimizer; oy != nil {
		opt, err := NewOptimizer(oy.Type, oy.Settings)
		if err != nil {
			return nil, ckErr(0, "optimizer: %v", err)
		}
		state := map[string][]float64{}
		for k, v := range oy.State {
			name := strings.TrimSuffix(strings.TrimSuffix(k, "/m"), "/v")
			p := n.Param(name)
			if p == nil {
				return nil, ckErr(0, "optimizer state for unknown tensor %q", k)
			}
			if len(v) != len(p.Data) {
				return nil, ckErr(0, "optimizer state %q has %d values, want %d", k, len(v), len(p.Data))
			}
			state[k] = v
		}
		if err := opt.SetState(state, oy.Updates); err != nil {
			return nil, ckErr(0, "optimizer: %v", err)
		}
		out.Optimizer = opt
	}
	return out, nil
}

// LoadCheckpointFile reads a checkpoint from a file.
func LoadCheckpointFile(path string) (*Checkpoint, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ck, err := LoadCheckpoint(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ck, nil
}

func decodeStrict(node *yaml.Node, v any) error {
	// yaml.Node.Decode has no KnownFields; re-encode and decode strictly.
	b, err := yaml.Marshal(node)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(v); err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "yaml: "))
	}
	return nil
}

// NewOptimizer builds an optimizer by name from its settings; missing
// settings take the defaults, unknown ones are errors.
func NewOptimizer(name string, settings map[string]float64) (Optimizer, error) {
	var known []string
	get := func(key string, def float64) float64 {
		known = append(known, key)
		if v, ok := settings[key]; ok {
			return v
		}
		return def
	}
	var opt Optimizer
	switch name {
	case "rmsprop":
		o := NewRMSprop(get("eta", 0.01), get("maxdw", 0), Penalty{L1: get("l1", 0), L2: get("l2", 0)})
		o.Decay, o.Eps = get("decay", o.Decay), get("eps", o.Eps)
		opt = o
	case "sgd":
		opt = &SGD{LR: get("lr", 0.01), Penalty: Penalty{L1: get("l1", 0), L2: get("l2", 0)}}
	case "adam":
		o := NewAdam(get("lr", 0.001), Penalty{L1: get("l1", 0), L2: get("l2", 0)})
		o.Beta1, o.Beta2, o.Eps = get("beta1", o.Beta1), get("beta2", o.Beta2), get("eps", o.Eps)
		opt = o
	default:
		return nil, fmt.Errorf("unknown optimizer %q (known: rmsprop, sgd, adam)", name)
	}
	for k, v := range settings {
		found := false
		for _, n := range known {
			found = found || n == k
		}
		if !found {
			return nil, fmt.Errorf("%s: unknown setting %q (known: %s)", name, k, strings.Join(known, ", "))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("%s: setting %s is %v", name, k, v)
		}
	}
	return opt, nil
}
