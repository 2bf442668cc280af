package bohp

import (
	"fmt"
	"strings"
)

// SpecDiff is one way in which a network differs from a spec (for example
// a loaded checkpoint from the network a script describes).
type SpecDiff struct {
	Layer string // the network's layer name; "" for the network as a whole
	Field string // "inputs", "layers", "name", "size", "activation", "recurrent", "input", "learn_rate", "precision", "rule" or a rule setting's name
	Have  any    // the network's value
	Want  any    // the spec's value
}

// Describe renders the difference naming both sides, e.g. with "the
// checkpoint" and "the script": "layer h: retention 0.98 in the checkpoint,
// 0.9 in the script".
func (d SpecDiff) Describe(have, want string) string {
	prefix := ""
	if d.Layer != "" {
		prefix = "layer " + d.Layer + ": "
	}
	return fmt.Sprintf("%s%s %v in %s, %v in %s", prefix, d.Field, d.Have, have, d.Want, want)
}

// SpecDiffs is the list of differences found by DiffSpec.
type SpecDiffs []SpecDiff

// Describe renders every difference (see SpecDiff.Describe), joined by "; ".
func (ds SpecDiffs) Describe(have, want string) string {
	parts := make([]string, len(ds))
	for i, d := range ds {
		parts[i] = d.Describe(have, want)
	}
	return strings.Join(parts, "; ")
}

// DiffSpec compares the network with the architecture NewNetwork(in, _,
// specs...) would build: input size, number of layers, and each layer's
// name (when the spec names it), size, activation, recurrence and a
// recurrent layer's options, the trained rate, rule and rule settings.
// Initialisation options (InitAbs) and the engine are not compared. It
// returns nil when they agree.
func (n *Network) DiffSpec(in int, specs []LayerSpec) SpecDiffs {
	var ds SpecDiffs
	if n.In != in {
		ds = append(ds, SpecDiff{Field: "inputs", Have: n.In, Want: in})
	}
	if len(n.Layers) != len(specs) {
		return append(ds, SpecDiff{Field: "layers", Have: len(n.Layers), Want: len(specs)})
	}
	for i, l := range n.Layers {
		ds = append(ds, l.diffSpec(specs[i])...)
	}
	return ds
}

func (l *Layer) diffSpec(s LayerSpec) SpecDiffs {
	var ds SpecDiffs
	add := func(field string, have, want any) {
		ds = append(ds, SpecDiff{Layer: l.Name, Field: field, Have: have, Want: want})
	}
	if s.Name != "" && s.Name != l.Name {
		add("name", l.Name, s.Name)
	}
	if l.Out != s.Out {
		add("size", l.Out, s.Out)
	}
	if l.Act != s.Act {
		add("activation", l.Act, s.Act)
	}
	if l.Recurrent() != s.Recurrent {
		add("recurrent", l.Recurrent(), s.Recurrent)
	} else if l.Recurrent() {
		if l.Input != s.Input {
			add("input", l.Input, s.Input)
		}
	}
	if l.LearnRate != s.LearnRate && l.Recurrent() == s.Recurrent {
		add("learn_rate", l.LearnRate, s.LearnRate)
	}
	if l.Recurrent() && s.Recurrent && l.Precision != s.Precision {
		add("precision", l.Precision, s.Precision)
	}
	switch {
	case l.Rule == nil && s.Rule == nil:
	case l.Rule == nil || s.Rule == nil || l.Rule.Name() != s.Rule.Name():
		add("rule", ruleName(l.Rule), ruleName(s.Rule))
	default:
		have, want := RuleSettings(l.Rule), RuleSettings(s.Rule)
		k, _ := LookupRule(l.Rule.Name())
		for _, st := range k.Settings {
			switch h, w := have[st.Name], want[st.Name]; {
			case h == w:
			case st.Flag:
				add(st.Name, h == 1, w == 1)
			default:
				add(st.Name, h, w)
			}
		}
	}
	return ds
}

// ruleName names a layer's rule, "none" for a non-plastic layer.
func ruleName(r Rule) string {
	if r == nil {
		return "none"
	}
	return r.Name()
}
