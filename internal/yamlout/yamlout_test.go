package yamlout

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// pyyamlFloat is PyYAML's (YAML 1.1) implicit float pattern: a plain
// scalar is a float only if it matches. (The Python test in interp runs
// PyYAML itself.)
var pyyamlFloat = regexp.MustCompile(`^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$`)

func TestFloatForms(t *testing.T) {
	cases := []struct {
		f    float64
		want string
	}{
		{1e-05, "1.0e-05"},
		{3, "3.0"},
		{-3, "-3.0"},
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{0.1, "0.1"},
		{0.30000000000000004, "0.30000000000000004"}, // 0.1 + 0.2 at run time
		{-2.5, "-2.5"},
		{100000, "100000.0"},
		{1e21, "1.0e+21"},
		{123456789, "1.23456789e+08"},
		{5e-324, "5.0e-324"},
		{-5e-324, "-5.0e-324"},
		{math.MaxFloat64, "1.7976931348623157e+308"},
		{2.5e-7, "2.5e-07"},
		{math.NaN(), ".nan"},
		{math.Inf(1), ".inf"},
		{math.Inf(-1), "-.inf"},
	}
	for _, c := range cases {
		if got := Float(c.f); got != c.want {
			t.Errorf("Float(%v) = %q, want %q", c.f, got, c.want)
		}
	}
}

// readBack decodes a YAML document of one scalar with yaml.v3.
func readBack(t *testing.T, text string) any {
	t.Helper()
	var v any
	if err := yaml.Unmarshal([]byte(text), &v); err != nil {
		t.Fatalf("%q: %v", text, err)
	}
	return v
}

// TestFloatRoundTrip: for special values and random bit patterns, Float's
// text reads back bit-exact as a float with yaml.v3, is a YAML 1.1 float,
// and is the shortest form.
func TestFloatRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	values := []float64{0, math.Copysign(0, -1), 1, 3, -7, 1e-05, 5e-324, math.MaxFloat64, -math.MaxFloat64,
		math.SmallestNonzeroFloat64 * 3, 2.2250738585072014e-308, 1e16, 1e15 + 0.5, 9007199254740993}
	for range 20000 {
		values = append(values, math.Float64frombits(r.Uint64()))
	}
	for range 2000 {
		values = append(values, float64(r.IntN(2000000)-1000000)) // integral-valued
	}
	for _, f := range values {
		if math.IsNaN(f) {
			continue
		}
		s := Float(f)
		got, ok := readBack(t, s).(float64)
		if !ok || math.Float64bits(got) != math.Float64bits(f) {
			t.Fatalf("Float(%v) = %q reads back as %#v with yaml.v3", f, s, readBack(t, s))
		}
		if !pyyamlFloat.MatchString(s) {
			t.Fatalf("Float(%v) = %q is not a YAML 1.1 float", f, s)
		}
		// YAML 1.1's reading: drop underscores, parse (the sign is applied apart).
		if v, err := strconv.ParseFloat(strings.ReplaceAll(s, "_", ""), 64); err != nil || math.Float64bits(v) != math.Float64bits(f) {
			t.Fatalf("Float(%v) = %q parses as %v, %v", f, s, v, err)
		}
		// Only ".0" is added to the shortest form.
		if short := strings.TrimSuffix(strings.Replace(s, ".0e", "e", 1), ".0"); short != strconv.FormatFloat(f, 'g', -1, 64) {
			t.Fatalf("Float(%v) = %q is not the shortest form", f, s)
		}
	}
	for _, s := range []string{Float(math.NaN()), Float(math.Inf(1)), Float(math.Inf(-1))} {
		got, ok := readBack(t, s).(float64)
		if !ok || !(math.IsNaN(got) || math.IsInf(got, 0)) || !pyyamlFloat.MatchString(s) {
			t.Errorf("%q reads back as %#v", s, got)
		}
	}
}

func TestNeedsQuotes(t *testing.T) {
	quoted := []string{
		"", "~", "null", "Null", "NULL", // null
		"yes", "Yes", "YES", "no", "on", "On", "off", "OFF", "y", "n", "true", "False", // bool
		"1e5", "1E5", "1.5", "1.", ".5", "-.5", "+1.0e+5", "1_000.5", "1:30.5", // float
		".inf", "-.Inf", "+.INF", ".nan", ".NaN", // special floats
		"0", "-0", "+7", "1_000", "017", "0o17", "0x10", "0X10", "0b101", "-0b1", "1:30", "08", // int
		"2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5", // timestamp
		"<<", "=",
	}
	for _, s := range quoted {
		if !NeedsQuotes(s) {
			t.Errorf("NeedsQuotes(%q) = false", s)
		}
	}
	plain := []string{"reversal", "l0.w", "tanh", "hebb", "rmsprop", "a1", "x=1", "1e", "e5", "1.2.3.4x", "yess", "nan", "inf", "NaN", "1 000", "seed-0"}
	for _, s := range plain {
		if NeedsQuotes(s) {
			t.Errorf("NeedsQuotes(%q) = true", s)
		}
	}
	for _, s := range append(quoted, plain...) {
		out, err := yaml.Marshal(StringNode(s))
		if err != nil {
			t.Fatal(err)
		}
		if got := readBack(t, string(out)); got != s {
			t.Errorf("StringNode(%q) is written %q and reads back as %#v", s, out, got)
		}
	}
}

func TestNode(t *testing.T) {
	v := map[string]any{
		"lr":    3.0,
		"l1":    1e-05,
		"n":     int64(20),
		"u":     uint8(7),
		"ok":    true,
		"none":  nil,
		"note":  "1e5",
		"list":  []any{1, 2.5, "on"},
		"data":  []float64{1, math.Inf(-1)},
		"inner": map[string]float64{"b": 0.5, "a": 0},
	}
	n, err := Node(v)
	if err != nil {
		t.Fatal(err)
	}
	out, err := yaml.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	want := `data:
    - 1.0
    - -.inf
inner:
    a: 0.0
    b: 0.5
l1: 1.0e-05
list:
    - 1
    - 2.5
    - "on"
lr: 3.0
"n": 20
none: null
note: "1e5"
ok: true
u: 7
`
	if string(out) != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
	bin, err := yaml.Marshal(StringNode("\xff\x00"))
	if err != nil || string(bin) != "!!binary /wA=\n" || readBack(t, string(bin)) != "\xff\x00" {
		t.Errorf("not UTF-8: %q, %v", bin, err)
	}
	var ptr *int
	if n, err := Node(ptr); err != nil || n.Value != "null" {
		t.Errorf("nil pointer: %v, %v", n, err)
	}
	for _, bad := range []struct {
		v    any
		want string
	}{
		{struct{}{}, "cannot write a struct {} as YAML"},
		{map[string]any{"a": []any{1, func() {}}}, "cannot write a func() as YAML (at .a[1])"},
		{map[int]int{1: 2}, "cannot write a map[int]int as YAML"},
	} {
		if _, err := Node(bad.v); err == nil || err.Error() != bad.want {
			t.Errorf("Node(%#v): %v, want %s", bad.v, err, bad.want)
		}
	}
}

// Strings that start with a line break read back as written (yaml.v3
// writes them as a literal block that loses it; found by
// yamlmod.FuzzDecode).
func TestLineBreaksRoundTrip(t *testing.T) {
	for _, s := range []string{"\n", "\n\n", "\n\n\n", "a\n", "\na", "\n\na\nb", "\n ", "a\n\n", "a\n\nb\n"} {
		b, err := yaml.Marshal(StringNode(s))
		if err != nil {
			t.Fatal(err)
		}
		var back string
		if err := yaml.Unmarshal(b, &back); err != nil || back != s {
			t.Errorf("%q written as %q reads back as %q (%v)", s, b, back, err)
		}
	}
}
