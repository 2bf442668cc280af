package bohp

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// Rule is a plasticity rule as the registry knows it: its name and its
// settings. Elementwise rules (ElementRule) are all the engines need to
// know of them; the neuromodulated rules (ModRule, modulated.go) are layer
// kinds the BPTT engine knows.
type Rule interface {
	// Name is the name of the rule's registry entry ("hebb", "oja").
	Name() string
	// Settings returns the rule's constants in the order of its registry
	// entry's Settings.
	Settings() []float64
}

// ElementRule is a local plasticity rule: the new trace of the connection
// from input k to cell i is a function of its old trace h, the presynaptic
// input x = x_k and the postsynaptic output y = y_i of the same step.
//
// Update returns the new trace and its partial derivatives with respect to
// h, x and y; both gradient engines use only these, so a new elementwise
// rule (instar, outstar, ...) is a new type implementing ElementRule plus
// its entry in the rule registry (RuleKinds), with no change to layers,
// engines or callers.
type ElementRule interface {
	Rule
	// Update returns rule(h, x, y) and its partials d/dh, d/dx, d/dy.
	Update(h, x, y float64) (next, dh, dx, dy float64)
}

// Hebb is the paper's rule: H <- g H + (1-g) x y, with g the trace retention
// (the paper's code calls it ALPHATRACE).
type Hebb struct{ Retention float64 }

// Name implements Rule.
func (Hebb) Name() string { return "hebb" }

// Update implements Rule.
func (r Hebb) Update(h, x, y float64) (float64, float64, float64, float64) {
	g := r.Retention
	return g*h + (1-g)*x*y, g, (1 - g) * y, (1 - g) * x
}

// Settings implements Rule.
func (r Hebb) Settings() []float64 { return []float64{r.Retention} }

// Oja is Oja's rule: H <- H + rate * y * (x - y H), which keeps traces bounded.
type Oja struct{ Rate float64 }

// Name implements Rule.
func (Oja) Name() string { return "oja" }

// Update implements Rule.
func (r Oja) Update(h, x, y float64) (float64, float64, float64, float64) {
	e := r.Rate
	return h + e*y*(x-y*h), 1 - e*y*y, e * y, e * (x - 2*y*h)
}

// Settings implements Rule.
func (r Oja) Settings() []float64 { return []float64{r.Rate} }

// Setting is one constant of a plasticity rule with its valid range: a
// value must be finite and within [Min, Max] (either bound may be
// infinite; Min excluded when AboveMin), or 0 or 1 for a Flag.
type Setting struct {
	Name     string // the key in layer specs, scripts and checkpoints
	Doc      string // one line, for the generated docs
	Min, Max float64
	AboveMin bool // the value must be greater than Min
	Flag     bool // a switch: 0 (false) or 1 (true); scripts give a bool
	Optional bool // may be left out: it is then 0 (false)
}

// Range describes the valid values, e.g. "in [0, 1]" or "a finite number".
func (s Setting) Range() string {
	if s.Flag {
		return "true or false (1 or 0)"
	}
	lo, hi := !math.IsInf(s.Min, 0), !math.IsInf(s.Max, 0)
	op := ">="
	if s.AboveMin {
		op = ">"
	}
	switch {
	case lo && hi && s.AboveMin:
		return fmt.Sprintf("in (%v, %v]", s.Min, s.Max)
	case lo && hi:
		return fmt.Sprintf("in [%v, %v]", s.Min, s.Max)
	case lo:
		return fmt.Sprintf("a finite number %s %v", op, s.Min)
	case hi:
		return fmt.Sprintf("a finite number <= %v", s.Max)
	}
	return "a finite number"
}

// Check reports whether v is a valid value of the setting.
func (s Setting) Check(v float64) error {
	bad := !(v >= s.Min && v <= s.Max) || math.IsInf(v, 0) || s.AboveMin && v == s.Min
	if s.Flag {
		bad = v != 0 && v != 1
	}
	if bad {
		return fmt.Errorf("%s must be %s, got %v", s.Name, s.Range(), v)
	}
	return nil
}

// RuleKind is the registry entry of a plasticity rule: the one place that
// names it and its settings. Construction (NewRule, NewNetwork, the
// script's layer options), checkpoints (a layer's rule and rule_settings)
// and the generated docs all read it.
//
// Coming rules fit as entries: a trained rate (η of the 2018 networks, η_E
// of an eligibility trace) is a setting whose value initialises a KindRule
// tensor of the layer, per layer or per cell; a neuromodulated rule adds its
// constants (the clip bound c) as settings and its state (eligibility
// traces, the modulator) in a layer kind the engines know.
type RuleKind struct {
	Name string
	Doc  string // one line: the update it performs
	// Trace names the plastic state the rule updates, as recordings and
	// figures label it (<layer>.<Trace>): "hebb", a Hebbian trace (H, or
	// clipped_hebb's bounded P); "modulated_hebb", a Hebbian trace whose
	// increments the layer's modulation M(t) gates (P of modulated and
	// retroactive; retroactive's eligibility trace is a state of its own).
	Trace    string
	Settings []Setting // every one is required unless Optional
	build    func(values []float64) Rule
}

// ruleKinds is the registry; the first entry is the default rule.
var ruleKinds = append([]RuleKind{
	{Name: "hebb", Doc: "the paper's Hebbian trace H <- g H + (1-g) x y", Trace: "hebb",
		Settings: []Setting{{Name: "retention", Doc: "the Hebbian trace retention g", Min: 0, Max: 1}},
		build:    func(v []float64) Rule { return Hebb{Retention: v[0]} }},
	{Name: "oja", Doc: "Oja's rule H <- H + rate y (x - y H), which keeps traces bounded", Trace: "hebb",
		Settings: []Setting{{Name: "rate", Doc: "Oja's rate", Min: math.Inf(-1), Max: math.Inf(1)}},
		build:    func(v []float64) Rule { return Oja{Rate: v[0]} }},
}, modKinds()...)

// RuleKinds returns a copy of the registered plasticity rules; the first
// is the default of a plastic layer.
func RuleKinds() []RuleKind {
	out := slices.Clone(ruleKinds)
	for i := range out {
		out[i].Settings = slices.Clone(out[i].Settings)
	}
	return out
}

// TraceName is the name of the plastic state rule r updates
// (RuleKind.Trace); "hebb" for a rule outside the registry.
func TraceName(r Rule) string {
	if k, err := LookupRule(r.Name()); err == nil {
		return k.Trace
	}
	return "hebb"
}

// LookupRule returns the registry entry of the rule named name.
func LookupRule(name string) (RuleKind, error) {
	for _, k := range ruleKinds {
		if k.Name == name {
			return k, nil
		}
	}
	names := make([]string, len(ruleKinds))
	for i, k := range ruleKinds {
		names[i] = k.Name
	}
	return RuleKind{}, fmt.Errorf("unknown plasticity rule %q (known: %s)", name, strings.Join(names, ", "))
}

// SettingNames lists the settings of every registered rule, each once, in
// registry order.
func SettingNames() []string {
	var names []string
	for _, k := range ruleKinds {
		for _, s := range k.Settings {
			if !slices.Contains(names, s.Name) {
				names = append(names, s.Name)
			}
		}
	}
	return names
}

// settingNames lists the kind's setting names.
func (k RuleKind) settingNames() []string {
	names := make([]string, len(k.Settings))
	for i, s := range k.Settings {
		names[i] = s.Name
	}
	return names
}

// check validates values given in Settings order.
func (k RuleKind) check(values []float64) error {
	if len(values) != len(k.Settings) {
		return fmt.Errorf("rule %s has %d settings (%s), got %d values", k.Name, len(k.Settings), strings.Join(k.settingNames(), ", "), len(values))
	}
	for i, s := range k.Settings {
		if err := s.Check(values[i]); err != nil {
			return fmt.Errorf("rule %s: %w", k.Name, err)
		}
	}
	return nil
}

// NewRule builds a rule from its registry name and settings: every setting
// of the rule is required (an Optional one is 0 when left out) and must be
// in its range; others are errors.
func NewRule(name string, settings map[string]float64) (Rule, error) {
	k, err := LookupRule(name)
	if err != nil {
		return nil, err
	}
	values := make([]float64, len(k.Settings))
	for i, s := range k.Settings {
		v, ok := settings[s.Name]
		if !ok && !s.Optional {
			return nil, fmt.Errorf("rule %q needs setting %q", name, s.Name)
		}
		values[i] = v
	}
	known := k.settingNames()
	for _, key := range slices.Sorted(maps.Keys(settings)) {
		if !slices.Contains(known, key) {
			return nil, fmt.Errorf("rule %q: unknown setting %q (known: %s)", name, key, strings.Join(known, ", "))
		}
	}
	if err := k.check(values); err != nil {
		return nil, err
	}
	return k.build(values), nil
}

// checkRule reports whether r is a registered rule with valid settings, so
// that every network can be saved and loaded back.
func checkRule(r Rule) error {
	k, err := LookupRule(r.Name())
	if err != nil {
		return err
	}
	return k.check(r.Settings())
}

// RuleSettings returns a rule's settings by name (as checkpoints store
// them); nil when the rule is not registered.
func RuleSettings(r Rule) map[string]float64 {
	k, err := LookupRule(r.Name())
	if err != nil {
		return nil
	}
	values := r.Settings()
	if len(values) != len(k.Settings) {
		return nil
	}
	m := make(map[string]float64, len(k.Settings))
	for i, s := range k.Settings {
		m[s.Name] = values[i]
	}
	return m
}
