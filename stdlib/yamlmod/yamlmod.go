// Package yamlmod is the bohpsh module "yaml": YAML text to and from Tengo
// values (gopkg.in/yaml.v3).
//
// Conversions: YAML int → int (a larger integer → float), float → float
// (.nan, .inf included), bool, string, null → undefined, sequence → array,
// mapping → map (keys become strings; a null key is an error), timestamp →
// time. Back: int, float, bool, string, char → string, undefined → null,
// time, array and map (immutable or not; map keys are written sorted). Floats and strings are
// written so that YAML 1.1 readers (PyYAML) read the same values (see
// internal/yamlout): 3.0 and 1.0e-05 stay floats, "on" and "1e5" strings.
// Other values (bytes, errors, functions, custom objects) cannot be
// encoded: convert them first (e.g. a vector with its to_array method).
//
// Paths (see lib.Env.ReadPath and WritePath, the run's file sandbox):
// yaml.read finds a relative path in the run's own directory when the run
// wrote it there, else in the main script's folder (so a script finds its
// configuration next to it), else in the working directory; yaml.write
// writes a relative path into the run's own directory (<out>/seed-<S>/,
// written in the work area until committed, see interp; the REPL's is the
// working directory). Without --allow-os, reads stay under the script's
// folder, the working directory and the run's directory, writes under the
// run's directory. Writes are atomic (temporary file + rename) and create
// missing directories.
package yamlmod

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/bohpsh/bohpsh/internal/yamlout"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/d5/tengo/v2"
	"gopkg.in/yaml.v3"
)

// maxDepth bounds nesting, so that a map that contains itself is an error
// rather than a stack overflow.
const maxDepth = 512

func decode(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var text string
	if err := lib.UnpackArgs(fn, args, "text", &text); err != nil {
		return nil, err
	}
	v, err := Decode([]byte(text))
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	return v, nil
}

func encode(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var value tengo.Object
	if err := lib.UnpackArgs(fn, args, "value", &value); err != nil {
		return nil, err
	}
	b, err := Encode(value)
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	return &tengo.String{Value: string(b)}, nil
}

func read(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var p string
	if err := lib.UnpackArgs(fn, args, "path", &p); err != nil {
		return nil, err
	}
	data, _, err := env.ReadFile(fn, p)
	if err != nil {
		return nil, err
	}
	v, err := Decode(data)
	if err != nil {
		return nil, lib.Errorf(fn, "%s: %v", p, err)
	}
	return v, nil
}

func write(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var p string
	var value tengo.Object
	if err := lib.UnpackArgs(fn, args, "path, value", &p, &value); err != nil {
		return nil, err
	}
	b, err := Encode(value)
	if err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	full, err := env.WritePath(fn, p)
	if err != nil {
		return nil, err
	}
	if err := env.WriteFile(full, func(w io.Writer) error { _, err := w.Write(b); return err }); err != nil {
		return nil, lib.Errorf(fn, "%v", err)
	}
	return nil, nil
}

// Decode parses the first YAML document of data into Tengo values. An empty
// document is undefined. Errors carry the line yaml.v3 reports.
func Decode(data []byte) (tengo.Object, error) {
	var v any
	if err := yaml.Unmarshal(data, &v); err != nil {
		return nil, cleanErr(err)
	}
	return FromGo(v)
}

// parserProblems are the problems of yaml.v3's parser (as opposed to its
// scanner). For them, yaml.v3 v3.0.1 reports a 0-based line: that of the
// start of the enclosing block or flow collection (its "context mark"), or
// of the problem itself when the collection starts on the first line. The
// reported line is made 1-based.
var parserProblems = []string{
	"did not find expected <stream-start>",
	"did not find expected <document start>",
	"did not find expected node content",
	"did not find expected '-' indicator",
	"did not find expected key",
	"did not find expected ',' or ']'",
	"did not find expected ',' or '}'",
	"found undefined tag handle",
	"found duplicate %YAML directive",
	"found incompatible YAML document",
	"found duplicate %TAG directive",
}

var lineRE = regexp.MustCompile(`^line (\d+): `)

// cleanErr turns "yaml: line 3: ..." into "malformed YAML: line 3: ..." on
// one line.
func cleanErr(err error) error {
	s := err.Error()
	s = strings.TrimPrefix(s, "yaml: ")
	s = strings.TrimPrefix(s, "unmarshal errors:")
	s = strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", "; ")), " ")
	s = strings.TrimPrefix(s, "; ")
	if strings.HasPrefix(s, "invalid map key: ") { // yaml.v3 prints the key as Go source
		s = "a list or a map as a mapping key (map keys are strings)"
	}
	for _, p := range parserProblems {
		if strings.HasSuffix(s, p) {
			line := 0
			if m := lineRE.FindStringSubmatch(s); m != nil {
				line, _ = strconv.Atoi(m[1])
				s = s[len(m[0]):]
			}
			if strings.HasPrefix(p, "did not find expected ") && !strings.HasSuffix(p, ">") {
				// the line of the enclosing collection, or of the problem
				s = fmt.Sprintf("at or after line %d: %s", line+1, s)
			} else {
				s = fmt.Sprintf("line %d: %s", line+1, s)
			}
			break
		}
	}
	return fmt.Errorf("malformed YAML: %s", s)
}

// FromGo converts a YAML-decoded Go value (yaml.v3's) to the Tengo value
// Decode makes of it.
func FromGo(v any) (tengo.Object, error) { return fromGo(v, 0) }

func fromGo(v any, depth int) (tengo.Object, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d", maxDepth)
	}
	switch x := v.(type) {
	case nil:
		return tengo.UndefinedValue, nil
	case bool:
		return lib.FromBool(x), nil
	case int:
		return &tengo.Int{Value: int64(x)}, nil
	case int64:
		return &tengo.Int{Value: x}, nil
	case uint64:
		if x <= math.MaxInt64 {
			return &tengo.Int{Value: int64(x)}, nil
		}
		return &tengo.Float{Value: float64(x)}, nil
	case float64:
		return &tengo.Float{Value: x}, nil
	case string:
		return &tengo.String{Value: x}, nil
	case time.Time:
		return &tengo.Time{Value: x}, nil
	case []any:
		out := make([]tengo.Object, len(x))
		for i, e := range x {
			o, err := fromGo(e, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = o
		}
		return &tengo.Array{Value: out}, nil
	case map[string]any:
		return mapFromGo(x, depth)
	case map[any]any:
		return mapFromGo(x, depth)
	}
	// Big integers and other rare scalars: keep their text.
	return &tengo.String{Value: fmt.Sprint(v)}, nil
}

// mapFromGo converts a YAML mapping; keys become strings. Keys that differ
// in YAML but not as strings (1.0 and "1", 0x10 and 16) are an error: one
// value would replace the other, whichever Go's map order gave last.
func mapFromGo[K comparable](m map[K]any, depth int) (tengo.Object, error) {
	out := make(map[string]tengo.Object, len(m))
	var same []string
	for k, e := range m {
		o, err := fromGo(e, depth+1)
		if err != nil {
			return nil, err
		}
		if any(k) == nil { // fmt.Sprint made it "<nil>"
			return nil, fmt.Errorf("a mapping key is null (null, ~ or nothing before the colon)%s: map keys are strings; quote it (\"null\") or name it", besideKeys(m))
		}
		key := fmt.Sprint(k)
		if _, dup := out[key]; dup {
			same = append(same, key)
		}
		out[key] = o
	}
	if len(same) > 0 {
		return nil, fmt.Errorf("two keys of a mapping are the same string %q (map keys are strings: write them so, e.g. \"1\" for 1 and 1.0)", slices.Min(same))
	}
	return &tengo.Map{Value: out}, nil
}

// besideKeys lists a mapping's other keys, up to 5, to find it by:
// ", beside the keys a, b", or "" when it has none.
func besideKeys[K comparable](m map[K]any) string {
	var keys []string
	for k := range m {
		if any(k) != nil {
			keys = append(keys, fmt.Sprint(k))
		}
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	if len(keys) > 5 {
		keys = append(keys[:5], "...")
	}
	if len(keys) == 1 {
		return ", beside the key " + keys[0]
	}
	return ", beside the keys " + strings.Join(keys, ", ")
}

// Encode renders a Tengo value as YAML that YAML 1.1 (PyYAML) and 1.2
// parsers read back alike: floats as floats (1.0e-05, 3.0, .nan), strings
// that look like other types quoted ("on", "1e5").
func Encode(o tengo.Object) ([]byte, error) {
	v, err := ToGo(o)
	if err != nil {
		return nil, err
	}
	n, err := yamlout.Node(v)
	if err != nil {
		return nil, err
	}
	return yaml.Marshal(n)
}

// unencodable is a value that has no YAML form; path locates it in the
// encoded value, built on the way out of the recursion.
type unencodable struct {
	typ  string
	path string
}

func (e *unencodable) Error() string {
	at := ""
	if e.path != "" {
		at = " at " + e.path
	}
	return fmt.Sprintf("cannot encode a %s%s as YAML (convert it to a number, string, array or map first)", e.typ, at)
}

// ToGo converts a Tengo value to the Go value Encode writes (int64,
// float64, bool, string, time.Time, nil, []any, map[string]any, a vec as
// []float64, a mat as [][]float64); other values are an error naming their
// type and where they are.
func ToGo(o tengo.Object) (any, error) { return toGo(o, 0) }

func toGo(o tengo.Object, depth int) (any, error) {
	if depth > maxDepth {
		return nil, fmt.Errorf("nesting deeper than %d (does a map or array contain itself?)", maxDepth)
	}
	switch x := o.(type) {
	case *tengo.Undefined:
		return nil, nil
	case *tengo.Int:
		return x.Value, nil
	case *tengo.Float:
		return x.Value, nil
	case *tengo.Bool:
		return !x.IsFalsy(), nil
	case *tengo.String:
		return x.Value, nil
	case *tengo.Char:
		return string(x.Value), nil
	case *tengo.Time:
		return x.Value, nil
	case *tengo.Array:
		return arrayToGo(x.Value, depth)
	case *tengo.ImmutableArray:
		return arrayToGo(x.Value, depth)
	case *tengo.Map:
		return mapToGo(x.Value, depth)
	case *tengo.ImmutableMap:
		return mapToGo(x.Value, depth)
	case *vec.Vec:
		return append([]float64(nil), x.Data...), nil // a list of numbers
	case *vec.Mat:
		rows := make([][]float64, x.Rows) // a list of rows
		for i := range rows {
			rows[i] = append([]float64(nil), x.Data[i*x.Cols:(i+1)*x.Cols]...)
		}
		return rows, nil
	}
	return nil, &unencodable{typ: o.TypeName()}
}

func arrayToGo(a []tengo.Object, depth int) (any, error) {
	out := make([]any, len(a))
	for i, e := range a {
		v, err := toGo(e, depth+1)
		if err != nil {
			if u, ok := err.(*unencodable); ok {
				u.path = fmt.Sprintf("[%d]", i) + u.path
			}
			return nil, err
		}
		out[i] = v
	}
	return out, nil
}

func mapToGo(m map[string]tengo.Object, depth int) (any, error) {
	out := make(map[string]any, len(m))
	for k, e := range m {
		v, err := toGo(e, depth+1)
		if err != nil {
			if u, ok := err.(*unencodable); ok {
				u.path = "." + k + u.path
			}
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}
