package params

import (
	"math"
	"strconv"
	"testing"

	"github.com/d5/tengo/v2"
)

// FuzzParse: a -p value typed by any default never panics, and what it
// accepts is the value it reads (an int or float written back reads the
// same; a string is kept as typed).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "-5", "0x10", "1_000", "1e3", "0.5", "NaN", "+Inf", "true", "0", "yes", "", " 7 ", "9223372036854775808", "bptt"} {
		f.Add(s)
	}
	defaults := []tengo.Object{&tengo.Int{Value: 5000}, &tengo.Float{Value: 0.01}, tengo.FalseValue, &tengo.String{Value: "x"}}
	f.Fuzz(func(t *testing.T, raw string) {
		for _, def := range defaults {
			v, err := Parse(def, raw)
			if err != nil {
				continue
			}
			if v.TypeName() != def.TypeName() {
				t.Fatalf("Parse(%s, %q) gave a %s", def.TypeName(), raw, v.TypeName())
			}
			switch x := v.(type) {
			case *tengo.Int:
				if w, err := Parse(def, strconv.FormatInt(x.Value, 10)); err != nil || !w.Equals(v) {
					t.Fatalf("%q reads as %d, which reads back as %v (%v)", raw, x.Value, w, err)
				}
			case *tengo.Float:
				w, err := Parse(def, strconv.FormatFloat(x.Value, 'g', -1, 64))
				if err != nil || w.(*tengo.Float).Value != x.Value && !math.IsNaN(x.Value) {
					t.Fatalf("%q reads as %v, which reads back as %v (%v)", raw, x.Value, w, err)
				}
			case *tengo.String:
				if x.Value != raw {
					t.Fatalf("string %q read as %q", raw, x.Value)
				}
			}
		}
	})
}

// FuzzConstraints: any constraint text parses to conditions or an error,
// never a panic; what parses prints as text that parses the same.
func FuzzConstraints(f *testing.F) {
	for _, s := range []string{">= 1", "> 0 and <= episodes", "in [0, 1]", "in (0, episodes)", "one of bptt, forward", "in [0 1]", "<", "one of", ">= nan"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		cs, err := parseConstraints(text)
		if err != nil {
			return
		}
		for _, c := range cs {
			again, err := parseConstraints(c.String())
			if err != nil || len(again) != 1 || again[0].String() != c.String() {
				t.Fatalf("%q: condition %q reads back as %v (%v)", text, c, again, err)
			}
		}
	})
}
