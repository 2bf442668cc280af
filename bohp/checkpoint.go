package bohp

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"maps"
	"math"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
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

// Float arrays, nearly all of a checkpoint's bytes, bypass the YAML
// library (which needs a node per value: GBs and minutes for a network of
// 10^6 weights). Saving encodes each array as a token and writes it in its
// place as a one-line flow sequence; loading parses such lines directly,
// replacing them by tokens before the YAML is decoded.
const floatsToken = "bohp-floats-"

// floatsIn is a decoded float array: a token (resolved by the loader) or a
// sequence the YAML decoder parsed (a hand-written file).
type floatsIn struct {
	vals []float64
	ref  int // 1 + the index of the array the token stands for; 0: vals
}

func (f *floatsIn) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode && strings.HasPrefix(n.Value, floatsToken) {
		i, err := strconv.Atoi(strings.TrimPrefix(n.Value, floatsToken))
		if err != nil || i < 0 {
			return fmt.Errorf("line %d: malformed array reference %q", n.Line, n.Value)
		}
		f.ref = i + 1
		return nil
	}
	return n.Decode(&f.vals)
}

// resolve returns the values f stands for.
func (f floatsIn) resolve(arrays [][]float64) ([]float64, error) {
	if f.ref == 0 {
		return f.vals, nil
	}
	if f.ref > len(arrays) {
		return nil, fmt.Errorf("unknown array reference %s%d", floatsToken, f.ref-1)
	}
	return arrays[f.ref-1], nil
}

// writeWithArrays writes doc with each token replaced by its array.
func writeWithArrays(w io.Writer, doc []byte, arrays [][]float64) error {
	if c := bytes.Count(doc, []byte(floatsToken)); c != len(arrays) {
		return opErrorf("save checkpoint", "the metadata contains the reserved text %q", floatsToken)
	}
	bw := bufio.NewWriter(w)
	var num []byte
	for range arrays {
		k := bytes.Index(doc, []byte(floatsToken))
		bw.Write(doc[:k])
		doc = doc[k+len(floatsToken):]
		j := 0
		for j < len(doc) && doc[j] >= '0' && doc[j] <= '9' {
			j++
		}
		i, _ := strconv.Atoi(string(doc[:j]))
		doc = doc[j:]
		bw.WriteByte('[')
		for k, v := range arrays[i] {
			if k > 0 {
				bw.WriteString(", ")
			}
			num = yamlout.AppendFloat(num[:0], v)
			bw.Write(num)
		}
		bw.WriteByte(']')
	}
	bw.Write(doc)
	return bw.Flush()
}

// extractArrays replaces every line's one-line flow sequence of numbers
// ("key: [1, 2.5, -.inf]") by a token and returns the parsed arrays; lines
// keep their numbers, so YAML errors still point at the right line.
func extractArrays(data []byte) ([]byte, [][]float64) {
	var out []byte
	var arrays [][]float64
	for len(data) > 0 {
		line := data
		if k := bytes.IndexByte(data, '\n'); k >= 0 {
			line, data = data[:k+1], data[k+1:]
		} else {
			data = nil
		}
		body := bytes.TrimRight(line, " \r\n")
		k := bytes.Index(body, []byte(": ["))
		if k < 0 || body[len(body)-1] != ']' {
			out = append(out, line...)
			continue
		}
		vals, ok := parseFloats(body[k+3 : len(body)-1])
		if !ok {
			out = append(out, line...)
			continue
		}
		out = append(out, body[:k+2]...)
		out = append(out, floatsToken...)
		out = strconv.AppendInt(out, int64(len(arrays)), 10)
		out = append(out, line[len(body):]...)
		arrays = append(arrays, vals)
	}
	return out, arrays
}

// parseFloats parses "1, 2.5, -.inf"; false if any item is not a number.
func parseFloats(b []byte) ([]float64, bool) {
	if len(bytes.TrimSpace(b)) == 0 {
		return nil, false
	}
	vals := make([]float64, 0, bytes.Count(b, []byte(","))+1)
	for len(b) > 0 {
		item := b
		if k := bytes.IndexByte(b, ','); k >= 0 {
			item, b = b[:k], b[k+1:]
		} else {
			b = nil
		}
		s := string(bytes.TrimSpace(item))
		var v float64
		switch s {
		case ".nan", ".NaN", ".NAN":
			v = math.NaN()
		case ".inf", "+.inf", ".Inf", "+.Inf", ".INF", "+.INF":
			v = math.Inf(1)
		case "-.inf", "-.Inf", "-.INF":
			v = math.Inf(-1)
		default:
			var err error
			if v, err = strconv.ParseFloat(s, 64); err != nil || strings.ContainsAny(s, "_xXpP") || strings.EqualFold(s, "inf") || strings.EqualFold(s, "+inf") || strings.EqualFold(s, "-inf") || strings.EqualFold(s, "infinity") || strings.EqualFold(s, "nan") {
				return nil, false
			}
		}
		vals = append(vals, v)
	}
	return vals, true
}

// settings (of a rule or an optimizer) marshal their floats as yamlout
// writes them: read back bit-exact by YAML 1.1 (PyYAML) and 1.2 parsers.
type settings map[string]float64

func (s settings) MarshalYAML() (any, error) { return yamlout.Node(map[string]float64(s)) }

// meta marshals free metadata with floats as floats and strings that look
// like numbers or booleans quoted.
type meta map[string]any

func (m meta) MarshalYAML() (any, error) {
	n, err := yamlout.Node(map[string]any(m))
	if err != nil {
		return nil, fmt.Errorf("meta: %w", err)
	}
	return n, nil
}

// quoted marshals a free-form string (a layer's name) quoted when it would
// read as another type (on, 1e5, 017).
type quoted string

func (q quoted) MarshalYAML() (any, error) { return yamlout.StringNode(string(q)), nil }

type tensorYAML[D any] struct {
	Name   string `yaml:"name"`
	Kind   string `yaml:"kind"`
	Rows   int    `yaml:"rows"`
	Cols   int    `yaml:"cols"`
	Frozen bool   `yaml:"frozen,omitempty"`
	Sign   int    `yaml:"sign,omitempty"`
	Data   D      `yaml:"data"` // string (a token) when saving, floatsIn when loading
}

type layerYAML struct {
	Name       quoted      `yaml:"name"`
	Out        int         `yaml:"out"`
	Activation string      `yaml:"activation"`
	Rule       string      `yaml:"rule,omitempty"`
	Settings   settings    `yaml:"rule_settings,omitempty"`
	Recurrent  bool        `yaml:"recurrent,omitempty"`
	Input      string      `yaml:"input,omitempty"`
	LearnRate  string      `yaml:"learn_rate,omitempty"`
	Precision  string      `yaml:"precision,omitempty"`
	Tensors    []yaml.Node `yaml:"tensors"`
}

// parseRecurrent sets the recurrent layer's options of spec, and the
// learn_rate of any layer (NewNetwork refuses it where it does not apply).
func (ly *layerYAML) parseRecurrent(spec *LayerSpec) error {
	var err error
	if ly.LearnRate != "" {
		if spec.LearnRate, err = ParseRateMode(ly.LearnRate); err != nil {
			return err
		}
	}
	if !ly.Recurrent {
		if ly.Input != "" || ly.Precision != "" {
			return errors.New("input and precision are options of recurrent layers")
		}
		return nil
	}
	if spec.Input, err = ParseInputMode(ly.Input); err != nil {
		return err
	}
	spec.Precision, err = ParsePrecision(ly.Precision)
	return err
}

// tensorShape is one tensor a layer has.
type tensorShape struct {
	suffix     string
	rows, cols int
}

// layerTensors lists the tensors of a layer built from spec with in inputs,
// in the order of Layer.Params.
func layerTensors(spec LayerSpec, in int) []tensorShape {
	out, cols := spec.Out, in
	var ts []tensorShape
	if spec.Recurrent {
		cols = out
		if spec.Input == InputWeights {
			ts = append(ts, tensorShape{".w_in", out, in})
		}
	}
	ts = append(ts, tensorShape{".w", out, cols})
	if spec.Rule != nil {
		ts = append(ts, tensorShape{".alpha", out, cols})
	}
	ts = append(ts, tensorShape{".b", out, 1})
	mr, mod := spec.Rule.(ModRule)
	rate := ".eta"
	if mod && mr.Mode == ModRetro {
		rate = ".eta_e"
	}
	switch spec.LearnRate {
	case RateLayer:
		ts = append(ts, tensorShape{rate, 1, 1})
	case RateCell:
		ts = append(ts, tensorShape{rate, out, 1})
	}
	if mod && mr.modulated() {
		ts = append(ts, tensorShape{".mod_w", 1, out}, tensorShape{".mod_b", 1, 1})
		if mr.Fanout {
			ts = append(ts, tensorShape{".fanout", out, 1}, tensorShape{".fanout_b", out, 1})
		}
	}
	return ts
}

type optimizerYAML[D any] struct {
	Type     string       `yaml:"type"`
	Settings settings     `yaml:"settings"`
	Updates  int          `yaml:"updates"`
	State    map[string]D `yaml:"state,omitempty"`
}

type checkpointYAML[D any] struct {
	Format    string            `yaml:"format"`
	Inputs    int               `yaml:"inputs"`
	Engine    string            `yaml:"engine"`
	Layers    []yaml.Node       `yaml:"layers"`
	Optimizer *optimizerYAML[D] `yaml:"optimizer,omitempty"`
	Meta      meta              `yaml:"meta,omitempty"`
}

// SaveCheckpoint writes the network, the optimizer's state (opt may be nil)
// and metadata as YAML.
func SaveCheckpoint(w io.Writer, n *Network, opt Optimizer, meta map[string]any) error {
	var arrays [][]float64
	ref := func(v []float64) string {
		arrays = append(arrays, v)
		return floatsToken + strconv.Itoa(len(arrays)-1)
	}
	ck := checkpointYAML[string]{Format: CheckpointFormat, Inputs: n.In, Engine: n.engine.String(), Meta: meta}
	for _, l := range n.Layers {
		ly := layerYAML{Name: quoted(l.Name), Out: l.Out, Activation: l.Act.String()}
		if l.Rule != nil {
			ly.Rule, ly.Settings = l.Rule.Name(), RuleSettings(l.Rule)
		}
		if l.Recurrent() {
			ly.Recurrent, ly.Input, ly.LearnRate, ly.Precision = true, l.Input.String(), l.LearnRate.String(), l.Precision.String()
		} else if l.LearnRate != RateFixed {
			ly.LearnRate = l.LearnRate.String()
		}
		for _, p := range l.Params() {
			var node yaml.Node
			t := tensorYAML[string]{Name: p.Name, Kind: p.Kind.String(), Rows: p.Rows, Cols: p.Cols, Frozen: p.Frozen, Sign: p.Sign, Data: ref(p.Data)}
			if err := node.Encode(t); err != nil {
				return opErrorf("save checkpoint", "%s: %w", p.Name, err)
			}
			ly.Tensors = append(ly.Tensors, node)
		}
		var node yaml.Node
		if err := node.Encode(ly); err != nil {
			return opErrorf("save checkpoint", "layer %s: %w", l.Name, err)
		}
		ck.Layers = append(ck.Layers, node)
	}
	if opt != nil {
		state, updates := opt.State()
		oy := &optimizerYAML[string]{Type: opt.Name(), Settings: opt.Settings(), Updates: updates, State: map[string]string{}}
		for _, k := range slices.Sorted(maps.Keys(state)) { // the order the encoder writes them in
			oy.State[k] = ref(state[k])
		}
		ck.Optimizer = oy
	}
	var doc bytes.Buffer
	enc := yaml.NewEncoder(&doc)
	enc.SetIndent(2)
	if err := enc.Encode(&ck); err != nil {
		return &OpError{Op: "save checkpoint", Err: err}
	}
	if err := enc.Close(); err != nil {
		return &OpError{Op: "save checkpoint", Err: err}
	}
	return writeWithArrays(w, doc.Bytes(), arrays)
}

// SaveCheckpointFile writes a checkpoint atomically (a temporary file in the
// same directory, then rename), so an interrupted save never leaves a
// half-written file.
func SaveCheckpointFile(path string, n *Network, opt Optimizer, meta map[string]any) error {
	return atomicfile.WriteFunc(path, func(w io.Writer) error { return SaveCheckpoint(w, n, opt, meta) })
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
	data, arrays := extractArrays(data)
	var ck checkpointYAML[floatsIn]
	var root yaml.Node
	err = yaml.NewDecoder(bytes.NewReader(data)).Decode(&root)
	if err == nil {
		err = decodeStrict(&root, &ck)
	}
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, ckErr(0, "empty file")
		}
		if msg := notCheckpoint(data); msg != "" {
			return nil, ckErr(0, "%s", msg)
		}
		return nil, ckErr(0, "%s", yamlMessage(err))
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
	tensors := make([][]tensorYAML[[]float64], len(ck.Layers))
	prev := ck.Inputs
	if prev <= 0 || prev > MaxElements {
		return nil, ckErr(0, "inputs must be in [1, %d], got %d", MaxElements, prev)
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
		spec := LayerSpec{Name: string(ly.Name), Out: ly.Out, Act: act, Recurrent: ly.Recurrent}
		if ly.Rule != "" {
			if spec.Rule, err = NewRule(ly.Rule, ly.Settings); err != nil {
				return nil, ckErr(node.Line, "layer %s: %v", ly.Name, err)
			}
		}
		if err := ly.parseRecurrent(&spec); err != nil {
			return nil, ckErr(node.Line, "layer %s: %v", ly.Name, err)
		}
		name := string(ly.Name)
		if name == "" {
			name = fmt.Sprintf("l%d", li)
		}
		want := layerTensors(spec, prev)
		if len(ly.Tensors) != len(want) {
			return nil, ckErr(node.Line, "layer %s has %d tensors, want %d", name, len(ly.Tensors), len(want))
		}
		for ti, tnode := range ly.Tensors {
			var in tensorYAML[floatsIn]
			if err := decodeStrict(&tnode, &in); err != nil {
				return nil, ckErr(tnode.Line, "tensor: %v", err)
			}
			data, err := in.Data.resolve(arrays)
			if err != nil {
				return nil, ckErr(tnode.Line, "tensor %s: %v", in.Name, err)
			}
			t := tensorYAML[[]float64]{Name: in.Name, Kind: in.Kind, Rows: in.Rows, Cols: in.Cols, Frozen: in.Frozen, Sign: in.Sign, Data: data}
			w := want[ti]
			if w.rows <= 0 || w.cols <= 0 || w.rows > MaxElements/w.cols {
				// Before comparing with rows*cols, which could overflow
				// (to a size the data matches).
				return nil, ckErr(tnode.Line, "tensor %s: shape %dx%d is not positive or too large (at most %d values)", name+w.suffix, w.rows, w.cols, MaxElements)
			}
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
		for k, in := range oy.State {
			v, err := in.resolve(arrays)
			if err != nil {
				return nil, ckErr(0, "optimizer state %q: %v", k, err)
			}
			if k == "batch" { // the number of episodes in an unfinished batch
				state[k] = v
				continue
			}
			name := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(k, "/m"), "/v"), "/batch")
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
	if err := checkFields(node, reflect.TypeOf(v).Elem()); err != nil {
		return err
	}
	if err := node.Decode(v); err != nil {
		return errors.New(yamlMessage(err))
	}
	return nil
}

// checkFields checks the keys of a map, and those of the maps in it that
// decode into structs, against struct type t's fields: yaml.Node.Decode
// has no KnownFields (re-encoding the node to decode it strictly took
// half of a load's time). It refuses a fraction for an int field, which
// yaml.v3 truncates (inputs: 1.5 would load as 1).
func checkFields(node *yaml.Node, t reflect.Type) error {
	if node.Kind == yaml.DocumentNode && len(node.Content) == 1 {
		node = node.Content[0]
	}
	if node.Kind != yaml.MappingNode {
		return nil // Decode says what it is
	}
	fields := yamlFields(t)
	for i := 0; i+1 < len(node.Content); i += 2 {
		k, v := node.Content[i], node.Content[i+1]
		fi := slices.Index(fields, k.Value)
		if fi < 0 {
			return fmt.Errorf("line %d: field %s not found (known: %s)", k.Line, k.Value, strings.Join(fields, ", "))
		}
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		ft := t.Field(fi).Type
		if ft.Kind() == reflect.Pointer {
			ft = ft.Elem()
		}
		switch {
		case ft.Kind() == reflect.Int && v.Kind == yaml.ScalarNode && v.ShortTag() == "!!float":
			if x, err := strconv.ParseFloat(v.Value, 64); err == nil && x != math.Trunc(x) {
				return fmt.Errorf("line %d: %s is %s, want a whole number", v.Line, k.Value, v.Value)
			}
		case ft.Kind() == reflect.Struct && ft != reflect.TypeFor[yaml.Node]():
			if err := checkFields(v, ft); err != nil {
				return err
			}
		}
	}
	return nil
}

var (
	yamlTypeRE  = regexp.MustCompile("cannot unmarshal !!(\\w+)( `[^`]*`)? into (\\S+)")
	yamlFieldRE = regexp.MustCompile(`field (\S+) not found in type (\S+)`)
)

// yamlMessage is a decoding error of yaml.v3 in the checkpoint's terms:
// its type errors name Go types (bohp.checkpointYAML[...], float64), one
// line each (the first is kept).
func yamlMessage(err error) string {
	s := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(s, "unmarshal errors:\n  "); ok {
		all := strings.Split(rest, "\n  ")
		if s = all[0]; len(all) > 1 {
			s += fmt.Sprintf(" (and %d more)", len(all)-1)
		}
	}
	s = yamlFieldRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := yamlFieldRE.FindStringSubmatch(m)
		return fmt.Sprintf("field %s not found (known: %s)", sub[1], strings.Join(yamlFields(yamlStruct(sub[2])), ", "))
	})
	return yamlTypeRE.ReplaceAllStringFunc(s, func(m string) string {
		sub := yamlTypeRE.FindStringSubmatch(m)
		got := map[string]string{"seq": "a list", "map": "a map", "str": "a string", "int": "an int", "float": "a number", "bool": "a bool", "null": "null"}[sub[1]]
		if val := strings.Trim(sub[2], " `"); val != "" { // yaml.v3 shortens it to "bohp-fl..."
			got = "`" + val + "`"
			if v := strings.TrimSuffix(val, "..."); strings.HasPrefix(floatsToken, v) || strings.HasPrefix(v, floatsToken) {
				got = "a list of numbers" // a line the loader took out
			}
		}
		return got + " is not " + yamlWant(sub[3])
	})
}

// notCheckpoint says why a YAML map that failed to decode is another file
// than a checkpoint (a run's summary.yaml, say), rather than listing the
// fields a checkpoint does not have: its format is another, or it has none
// of a checkpoint's fields. "" when it may be a damaged checkpoint.
func notCheckpoint(data []byte) string {
	var m map[string]any
	if yaml.Unmarshal(data, &m) != nil || m == nil {
		return ""
	}
	if f, ok := m["format"]; ok && f != CheckpointFormat {
		return fmt.Sprintf("not a checkpoint: format is %v, want %s (a file written by network.save)", f, CheckpointFormat)
	}
	for _, k := range []string{"format", "inputs", "engine", "layers"} {
		if _, ok := m[k]; ok {
			return ""
		}
	}
	return "not a checkpoint: it has none of the fields format, inputs, engine, layers (a file written by network.save has them)"
}

// yamlStruct is the checkpoint's struct type yaml.v3 names goType.
func yamlStruct(goType string) reflect.Type {
	switch {
	case strings.HasPrefix(goType, "bohp.optimizerYAML"):
		return reflect.TypeFor[optimizerYAML[floatsIn]]()
	case strings.HasPrefix(goType, "bohp.layerYAML"):
		return reflect.TypeFor[layerYAML]()
	case strings.HasPrefix(goType, "bohp.tensorYAML"):
		return reflect.TypeFor[tensorYAML[floatsIn]]()
	}
	return reflect.TypeFor[checkpointYAML[floatsIn]]()
}

// yamlWant says what a value of goType is in a checkpoint.
func yamlWant(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case goType == "float64":
		return "a number"
	case strings.HasPrefix(goType, "int"):
		return "an int"
	case goType == "bool":
		return "true or false"
	case goType == "string", goType == "bohp.quoted":
		return "a string"
	case goType == "[]yaml.Node":
		return "a list of maps"
	case strings.HasPrefix(goType, "[]"):
		return "a list"
	case strings.HasPrefix(goType, "bohp.checkpointYAML"):
		return "a checkpoint: a map of " + strings.Join(yamlFields(yamlStruct(goType)), ", ")
	case strings.Contains(goType, "YAML"):
		return "a map of " + strings.Join(yamlFields(yamlStruct(goType)), ", ")
	}
	return "a map" // map[string]..., bohp.settings, bohp.meta
}

// yamlFields lists the YAML keys of a struct type's fields.
func yamlFields(t reflect.Type) []string {
	var names []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		names = append(names, name)
	}
	return names
}

// NewOptimizer builds an optimizer by name from its settings; missing
// settings take the defaults, unknown ones are errors. Every optimizer
// also takes clip_norm (0) and batch (1), see GradOptions.
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
	var gopts *GradOptions
	switch name {
	case "rmsprop":
		o := NewRMSprop(get("eta", 0.01), get("maxdw", 0), Penalty{L1: get("l1", 0), L2: get("l2", 0)})
		o.Decay, o.Eps = get("decay", o.Decay), get("eps", o.Eps)
		opt, gopts = o, &o.GradOptions
	case "sgd":
		o := &SGD{LR: get("lr", 0.01), Penalty: Penalty{L1: get("l1", 0), L2: get("l2", 0)}}
		opt, gopts = o, &o.GradOptions
	case "adam":
		o := NewAdam(get("lr", 0.001), Penalty{L1: get("l1", 0), L2: get("l2", 0)})
		o.Beta1, o.Beta2, o.Eps = get("beta1", o.Beta1), get("beta2", o.Beta2), get("eps", o.Eps)
		opt, gopts = o, &o.GradOptions
	default:
		return nil, fmt.Errorf("unknown optimizer %q (known: rmsprop, sgd, adam)", name)
	}
	if err := gopts.setOptions(name, get); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(settings)) { // of several bad ones, the same named in every run
		v := settings[k]
		found := false
		for _, n := range known {
			found = found || n == k
		}
		if !found {
			return nil, opErrorf(name, "unknown setting %q (known: %s)", k, strings.Join(known, ", "))
		}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, opErrorf(name, "setting %s is %v", k, v)
		}
		if r, ok := settingRanges[k]; ok && !r.holds(v) {
			return nil, opErrorf(name, "setting %s must be %s, got %v", k, r.text, v)
		}
	}
	return opt, nil
}

// settingRange is the values an optimizer setting accepts. Outside them the
// updates go NaN (beta1 or beta2 = 1, a negative decay, eps = 0 where a
// gradient is 0) or silently wrong (a negative rate or penalty ascends).
type settingRange struct {
	holds func(float64) bool
	text  string
}

var (
	nonNegative   = settingRange{func(v float64) bool { return v >= 0 }, ">= 0"}
	settingRanges = map[string]settingRange{
		"eta": nonNegative, "lr": nonNegative, "maxdw": nonNegative, "l1": nonNegative, "l2": nonNegative,
		"eps":   {func(v float64) bool { return v > 0 }, "> 0"},
		"decay": {func(v float64) bool { return v > 0 && v <= 1 }, "in (0, 1]"},
		"beta1": {func(v float64) bool { return v >= 0 && v < 1 }, "in [0, 1)"},
		"beta2": {func(v float64) bool { return v >= 0 && v < 1 }, "in [0, 1)"},
	}
)
