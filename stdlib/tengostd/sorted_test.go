package tengostd

import (
	"bytes"
	gojson "encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

func str(s string) *tengo.String { return &tengo.String{Value: s} }

// manyKeys is a map of n keys whose values nest maps and arrays.
func manyKeys(n int) *tengo.Map {
	m := map[string]tengo.Object{}
	for i := range n {
		inner := &tengo.Map{Value: map[string]tengo.Object{
			"z": &tengo.Int{Value: int64(i)}, "a": str("é\"<"), "m": &tengo.Float{Value: float64(i) / 8},
		}}
		m[fmt.Sprintf("k%02d", n-i)] = &tengo.Array{Value: []tengo.Object{inner, &tengo.ImmutableMap{Value: map[string]tengo.Object{
			"y": tengo.TrueValue, "b": tengo.UndefinedValue, "q": &tengo.ImmutableArray{Value: []tengo.Object{str("x"), inner}},
		}}}}
	}
	return &tengo.Map{Value: m}
}

// goSorted re-encodes JSON with Go's encoding/json, which writes map keys
// sorted: the reference for the order.
func goSorted(t *testing.T, b []byte) []byte {
	t.Helper()
	var v any
	dec := gojson.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		t.Fatalf("invalid JSON %s: %v", b, err)
	}
	var out bytes.Buffer
	enc := gojson.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
	return bytes.TrimSuffix(out.Bytes(), []byte("\n"))
}

func TestJSONEncodeSortsKeys(t *testing.T) {
	m := manyKeys(40)
	first, err := call(t, &lib.Env{}, "json", "encode", m)
	if err != nil {
		t.Fatal(err)
	}
	got := first.(*tengo.Bytes).Value
	if want := goSorted(t, got); !bytes.Equal(got, want) {
		t.Fatalf("keys not sorted:\n got %s\nwant %s", got, want)
	}
	for i := range 50 {
		again, _ := call(t, &lib.Env{}, "json", "encode", m)
		if !bytes.Equal(again.(*tengo.Bytes).Value, got) {
			t.Fatalf("encoding %d differs:\n%s\n%s", i, again.(*tengo.Bytes).Value, got)
		}
	}
	small := &tengo.Map{Value: map[string]tengo.Object{"b": &tengo.Array{Value: []tengo.Object{&tengo.Int{Value: 1},
		&tengo.Map{Value: map[string]tengo.Object{"d": str("x"), "c": &tengo.Bytes{Value: []byte("hi")}}}}}, "a": &tengo.Char{Value: 'A'}}}
	out, _ := call(t, &lib.Env{}, "json", "encode", small)
	if want := `{"a":65,"b":[1,{"c":"aGk=","d":"x"}]}`; string(out.(*tengo.Bytes).Value) != want {
		t.Errorf("got %s, want %s", out.(*tengo.Bytes).Value, want)
	}
	for _, leaf := range []tengo.Object{str("<a>\n"), &tengo.Float{Value: 1e-7}, &tengo.Int{Value: -3}, tengo.FalseValue, tengo.UndefinedValue} {
		out, _ := call(t, &lib.Env{}, "json", "encode", leaf)
		tengoOut, _ := call(t, &lib.Env{}, "json", "encode", &tengo.Array{Value: []tengo.Object{leaf}})
		if want := "[" + string(out.(*tengo.Bytes).Value) + "]"; string(tengoOut.(*tengo.Bytes).Value) != want {
			t.Errorf("%v: %s in an array, %s alone", leaf, tengoOut.(*tengo.Bytes).Value, out.(*tengo.Bytes).Value)
		}
	}
}

func TestJSONEncodeRefuses(t *testing.T) {
	env := &lib.Env{}
	// NaN: Tengo's error value.
	nan := &tengo.Map{Value: map[string]tengo.Object{"x": &tengo.Float{Value: math.NaN()}}}
	out, err := call(t, env, "json", "encode", nan)
	if e, ok := out.(*tengo.Error); err != nil || !ok || e.Value.String() != `"unsupported float value"` {
		t.Errorf("NaN: %v, %v", out, err)
	}
	// A value JSON cannot hold: an error, not {"f":}.
	fn := &tengo.Map{Value: map[string]tengo.Object{"f": &tengo.UserFunction{Name: "f"}}}
	if _, err := call(t, env, "json", "encode", fn); err == nil || !strings.Contains(err.Error(), "json.encode: cannot encode a user-function") {
		t.Errorf("function: %v", err)
	}
	if _, err := call(t, env, "json", "encode"); err == nil || err.Error() != "json.encode: wrong number of arguments: want 1, got 0" {
		t.Errorf("no argument: %v", err)
	}
}

func TestTextReadsMapsSorted(t *testing.T) {
	m := manyKeys(30)
	want := lib.Format(m)
	for range 50 {
		s, err := call(t, &lib.Env{}, "text", "join", &tengo.Array{Value: []tengo.Object{m, str("|"), &tengo.Array{Value: []tengo.Object{m}}}}, str(""))
		if err != nil {
			t.Fatal(err)
		}
		if s.(*tengo.String).Value != want+"|["+want+"]" {
			t.Fatalf("text.join: %s", s)
		}
		up, _ := call(t, &lib.Env{}, "text", "to_upper", m)
		if up.(*tengo.String).Value != strings.ToUpper(want) {
			t.Fatalf("text.to_upper: %s", up)
		}
		arr, _ := call(t, &lib.Env{}, "text", "to_upper", &tengo.ImmutableArray{Value: []tengo.Object{str("a"), m}})
		if arr.(*tengo.String).Value != strings.ToUpper(`["a", `+want+"]") {
			t.Fatalf("text.to_upper of an array: %s", arr)
		}
	}
	// A type error still names the argument's type.
	if _, err := call(t, &lib.Env{}, "base64", "encode", m); err == nil || !strings.Contains(err.Error(), "map") {
		t.Errorf("base64.encode(map): %v", err)
	}
}

func BenchmarkSortedArgsPlain(b *testing.B) {
	args := []tengo.Object{str("abc"), &tengo.Int{Value: 2}}
	b.ReportAllocs()
	for range b.N {
		sortedArgs(args)
	}
}
