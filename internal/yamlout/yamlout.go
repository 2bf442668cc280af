// Package yamlout writes YAML scalars that read back as the same values
// with a YAML 1.2 parser (gopkg.in/yaml.v3, which bohpsh reads with) and a
// YAML 1.1 one (PyYAML, which Python users read bohpsh's outputs with):
//
//	Float(f)        a float64 in the shortest form that reads back bit-exact
//	FloatNode(f)    a float scalar node
//	IntNode(i)      an int scalar node
//	BoolNode(b)     a bool scalar node
//	StringNode(s)   a string scalar node, quoted when it would read as another type
//	Node(v)         a Go value (nil, bool, numbers, strings, times, slices,
//	                maps with string keys) as a node tree, map keys sorted
//
// Where the two parsers differ: YAML 1.1 reads a float only with a dot in
// the mantissa and a sign in the exponent (1e-05 is the string "1e-05",
// 1.0e-05 a float), and reads yes, on, off, 017, 1:30, 1_000 and = as
// booleans, numbers or special values; YAML 1.2 reads 1e5 as a float.
package yamlout

import (
	"bytes"
	"fmt"
	"math"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Float formats f so that both YAML 1.1 and 1.2 parsers read it as a float
// equal to f bit for bit (-0 included): the shortest decimal that
// round-trips, with a dot in the mantissa (3.0, 1.0e-05), the exponent's
// sign (1.0e+21), and .nan, .inf and -.inf for the special values.
func Float(f float64) string { return string(AppendFloat(nil, f)) }

// AppendFloat appends Float(f) to b without allocating (when b has room).
func AppendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, ".nan"...)
	case math.IsInf(f, 1):
		return append(b, ".inf"...)
	case math.IsInf(f, -1):
		return append(b, "-.inf"...)
	}
	// 'g' writes the exponent with its sign and at least two digits.
	start := len(b)
	b = strconv.AppendFloat(b, f, 'g', -1, 64)
	num := b[start:]
	e := bytes.IndexByte(num, 'e')
	mant := num
	if e >= 0 {
		mant = num[:e]
	}
	if bytes.IndexByte(mant, '.') >= 0 {
		return b
	}
	if e < 0 {
		return append(b, ".0"...)
	}
	// Insert ".0" before the exponent.
	b = append(b, 0, 0)
	num = b[start:]
	copy(num[e+2:], num[e:len(num)-2])
	num[e], num[e+1] = '.', '0'
	return b
}

// FloatNode is a float scalar (see Float). It has no explicit tag: its text
// reads as a float anyway, and the encoder need not check that it does
// (that check cost 8% of the time and 12% more allocations of writing a
// checkpoint).
func FloatNode(f float64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Value: Float(f)}
}

// IntNode is an int scalar.
func IntNode(i int64) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatInt(i, 10)}
}

// BoolNode is a bool scalar (true, false: the same in YAML 1.1 and 1.2).
func BoolNode(b bool) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!bool", Value: strconv.FormatBool(b)}
}

// StringNode is a string scalar, double-quoted when a YAML 1.1 or 1.2
// parser would read it unquoted as something other than this string. A
// string that is not UTF-8 is written as yaml.v3 does: !!binary, base64.
func StringNode(s string) *yaml.Node {
	if !utf8.ValidString(s) {
		return &yaml.Node{Kind: yaml.ScalarNode, Value: s}
	}
	n := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
	// yaml.v3 writes a string that starts with a line break as a literal
	// block ("|4-", "|4+") that reads back without it.
	if NeedsQuotes(s) || strings.HasPrefix(s, "\n") {
		n.Style = yaml.DoubleQuotedStyle
	}
	return n
}

// yaml11Special matches the plain scalars that YAML 1.1 resolves to a type
// other than string (the union of the yaml.org/type regular expressions and
// PyYAML's resolver, which differ a little): bool, int, float, null,
// timestamp, merge (<<) and value (=).
var yaml11Special = regexp.MustCompile(`^(?:` + strings.Join([]string{
	`y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF`,
	`[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+`,
	`[-+]?(?:[0-9][0-9_]*)?\.[0-9._]*(?:[eE][-+][0-9]+)?|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*`,
	`[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)`,
	`~|null|Null|NULL|`,
	`[0-9]{4}-[0-9]{2}-[0-9]{2}`,
	`[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?`,
	`<<|=`,
}, "|") + `)$`)

// NeedsQuotes reports whether s, written as a plain scalar, would read as
// something other than the string s in YAML 1.2 (yaml.v3) or YAML 1.1.
func NeedsQuotes(s string) bool {
	plain := yaml.Node{Kind: yaml.ScalarNode, Value: s}
	return plain.ShortTag() != "!!str" || yaml11Special.MatchString(s)
}

// Node converts a Go value to a YAML node tree with the scalars above:
// nil, bool, signed and unsigned integers, float32 and float64, string,
// time.Time, []byte (as yaml.v3 writes it), slices and arrays, maps with
// string keys (written in sorted key order), pointers and interfaces to
// those. Other values (structs, functions, channels) are an error naming
// their type and where they are.
func Node(v any) (*yaml.Node, error) {
	return node(reflect.ValueOf(v), "")
}

func node(v reflect.Value, at string) (*yaml.Node, error) {
	if !v.IsValid() {
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!null", Value: "null"}, nil
	}
	switch x := v.Interface().(type) {
	case time.Time, []byte:
		var n yaml.Node
		if err := n.Encode(x); err != nil {
			return nil, err
		}
		return &n, nil
	}
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if v.IsNil() {
			return node(reflect.Value{}, at)
		}
		return node(v.Elem(), at)
	case reflect.Bool:
		return BoolNode(v.Bool()), nil
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return IntNode(v.Int()), nil
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!int", Value: strconv.FormatUint(v.Uint(), 10)}, nil
	case reflect.Float32, reflect.Float64:
		return FloatNode(v.Float()), nil
	case reflect.String:
		return StringNode(v.String()), nil
	case reflect.Slice, reflect.Array:
		seq := &yaml.Node{Kind: yaml.SequenceNode, Tag: "!!seq"}
		for i := range v.Len() {
			e, err := node(v.Index(i), fmt.Sprintf("%s[%d]", at, i))
			if err != nil {
				return nil, err
			}
			seq.Content = append(seq.Content, e)
		}
		return seq, nil
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String {
			break
		}
		m := &yaml.Node{Kind: yaml.MappingNode, Tag: "!!map"}
		keys := v.MapKeys()
		slices.SortFunc(keys, func(a, b reflect.Value) int { return strings.Compare(a.String(), b.String()) })
		for _, k := range keys {
			e, err := node(v.MapIndex(k), at+"."+k.String())
			if err != nil {
				return nil, err
			}
			m.Content = append(m.Content, StringNode(k.String()), e)
		}
		return m, nil
	}
	if at == "" {
		return nil, fmt.Errorf("cannot write a %s as YAML", v.Type())
	}
	return nil, fmt.Errorf("cannot write a %s as YAML (at %s)", v.Type(), at)
}
