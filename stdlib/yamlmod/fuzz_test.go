package yamlmod_test

import (
	"bytes"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/yamlmod"
)

// FuzzDecode: any text decodes to a value or an error, never a panic; a
// decoded value encodes, and after one round trip the text is stable
// (Encode(Decode(Encode(v))) == Encode(v)).
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"a: 1\nb: [1, 2.5, .nan, -.inf]\nc: {d: on, e: '1e5'}\n", "- x\n- null\n- 2001-12-14t21:59:43.10-05:00\n",
		"a: &a [1, *a]", "a: &x 1\nb: *x\n", "{", "a:\n\t- 1\n", "9223372036854775808", "!!binary aGVsbG8=", "? [1]\n: 2\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 4096 {
			return
		}
		v, err := yamlmod.Decode(data)
		if err != nil {
			return
		}
		text, err := yamlmod.Encode(v)
		if err != nil {
			t.Fatalf("%q decodes to %s, which does not encode: %v", data, v, err)
		}
		w, err := yamlmod.Decode(text)
		if err != nil {
			t.Fatalf("%q encodes as %q, which does not decode: %v", data, text, err)
		}
		again, err := yamlmod.Encode(w)
		if err != nil || !bytes.Equal(again, text) {
			t.Fatalf("%q: encoded %q, then %q (%v)", data, text, again, err)
		}
	})
}
