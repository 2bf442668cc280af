// Package tengostd presents the pure parts of Tengo's standard library
// (math, text, times, json, enum, base64, hex; os only with --allow-os) as
// documented bohpsh modules, plus a "fmt" module whose print functions write
// to the run's output instead of the process's standard output.
//
// The functions are Tengo's own (github.com/d5/tengo/v2/stdlib, the version
// in go.mod); their one-line docs are extracted from Tengo's documentation by
// gendocs.go (go generate). The changes: times has no sleep;
// fmt.print/println/printf write to the run's output (suppressed by
// --quiet); and what Tengo writes in Go's random map order comes out with
// sorted keys, so that a run's bytes do not vary (json.encode; maps and
// arrays that the text functions read as text, see sorted.go). Tengo's rand module is not offered:
// bohpsh's own rand module replaces it (per-run seeded state).
package tengostd

//go:generate go run gendocs.go

import (
	"io"
	"os"
	"sort"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	tstd "github.com/d5/tengo/v2/stdlib"
)

type memberDoc struct{ args, doc string }

// moduleDocs are the one-line docs of the modules, in documentation order.
var moduleDocs = []struct{ name, doc string }{
	{"fmt", "formatted printing to the run's output (Tengo's fmt, redirected; silent with --quiet)"},
	{"math", "Tengo's math module: constants and functions of Go's math package"},
	{"text", "Tengo's text module: strings, regular expressions, conversions"},
	{"times", "Tengo's times module: time and duration functions (without sleep)"},
	{"json", "Tengo's json module: JSON encoding (map keys sorted) and decoding"},
	{"enum", "Tengo's enum module: all, any, chunk, each, filter, find, map over arrays and maps"},
	{"base64", "Tengo's base64 module"},
	{"hex", "Tengo's hex module"},
	{"os", "Tengo's os module: files, environment, processes; only available with --allow-os"},
}

// Modules returns the documented Tengo standard modules, in documentation
// order. NewModuleMap in package stdlib adds them to every run (enum is a
// source module, see lib.Module.Source; Blocked stands in for os).
func Modules() []*lib.Module { return modules }

var modules = build()

func build() []*lib.Module {
	var out []*lib.Module
	for _, md := range moduleDocs {
		m := &lib.Module{Name: md.name, Doc: md.doc}
		switch md.name {
		case "fmt":
			m.Funcs = fmtFuncs()
		case "enum":
			m.Funcs = enumFuncs()
			m.Source = tstd.SourceModules["enum"]
		default:
			fromTengo(m, tstd.BuiltinModules[md.name])
		}
		out = append(out, m)
	}
	return out
}

func fromTengo(m *lib.Module, attrs map[string]tengo.Object) {
	names := make([]string, 0, len(attrs))
	for n := range attrs {
		names = append(names, n)
	}
	sort.Strings(names)
	docs := tengoDocs[m.Name]
	for _, n := range names {
		obj := attrs[n]
		d := docs[n]
		if uf, ok := obj.(*tengo.UserFunction); ok {
			f := lib.Func{Name: n, Args: d.args, Doc: d.doc}
			if f.Args == "" {
				f.Args = "(...)"
			}
			if f.Doc == "" {
				f.Doc = "see Tengo's documentation of module " + m.Name
			}
			fn := uf.Value
			call := func(_ *lib.Env, _ string, args []tengo.Object) (tengo.Object, error) { return fn(sortedArgs(args)...) }
			if r, ok := replaced[m.Name+"."+n]; ok {
				call, f.Doc = r.call, r.doc
			}
			f.Call = func(env *lib.Env, name string, args []tengo.Object) (tengo.Object, error) {
				// Tengo's functions convert their arguments with String(),
				// which walks arrays and maps recursively, as json.encode
				// does.
				if err := lib.CheckArgs(name, args); err != nil {
					return nil, err
				}
				return call(env, name, args)
			}
			if m.Name == "times" && n == "sleep" {
				continue // runs are computations: no sleeping (and a sleep would hold a run's slot)
			}
			m.Funcs = append(m.Funcs, f)
			continue
		}
		doc := d.doc
		if doc == "" {
			doc = "constant " + obj.String()
		}
		o := obj
		m.Values = append(m.Values, lib.Value{Name: n, Doc: doc, Value: func() tengo.Object { return o }})
	}
}

// replaced are the functions of Tengo's modules that bohpsh replaces (see
// sorted.go).
var replaced = map[string]struct {
	doc  string
	call func(*lib.Env, string, []tengo.Object) (tengo.Object, error)
}{
	"json.encode": {"returns the JSON string (bytes) of the object, map keys in sorted order (Tengo's encoding otherwise: no HTML escaping); a value JSON cannot hold (a function, a network) is an error", jsonEncode},
}

func enumFuncs() []lib.Func {
	docs := tengoDocs["enum"]
	names := make([]string, 0, len(docs))
	for n := range docs {
		names = append(names, n)
	}
	sort.Strings(names)
	var fs []lib.Func
	for _, n := range names {
		d := docs[n]
		fs = append(fs, lib.Func{Name: n, Args: d.args, Doc: d.doc}) // documents the source module
	}
	return fs
}

// Blocked returns a stand-in for module m whose every function fails with
// an error saying that the module needs flag (e.g. os without --allow-os).
// Importing it works, so the error comes with the position of the call.
func Blocked(m *lib.Module, flag string) map[string]tengo.Object {
	out := map[string]tengo.Object{}
	for _, f := range m.Funcs {
		name := m.Name + "." + f.Name
		out[f.Name] = &tengo.UserFunction{Name: name, Value: func(...tengo.Object) (tengo.Object, error) {
			return nil, lib.Errorf(name, "the %s module is disabled; run with %s to enable it", m.Name, flag)
		}}
	}
	for _, v := range m.Values {
		out[v.Name] = v.Value()
	}
	return out
}

// out returns where a run's prints go.
func out(env *lib.Env) io.Writer {
	if env.Quiet {
		return io.Discard
	}
	if env.Out == nil {
		return os.Stdout
	}
	return env.Out
}

func printArgs(args []tengo.Object) string {
	var b strings.Builder
	for _, a := range args {
		if s, ok := a.(*tengo.String); ok {
			b.WriteString(s.Value)
		} else {
			b.WriteString(lib.Format(a))
		}
	}
	return b.String()
}

func fmtFuncs() []lib.Func {
	return []lib.Func{
		{Name: "print", Args: "(args...)", Doc: "prints the values (strings unquoted, no separators) to the run's output", Call: printer(func(_ string, args []tengo.Object) (string, error) {
			return printArgs(args), nil
		})},
		{Name: "println", Args: "(args...)", Doc: "prints the values (strings unquoted, no separators) and a newline to the run's output", Call: printer(func(_ string, args []tengo.Object) (string, error) {
			return printArgs(args) + "\n", nil
		})},
		{Name: "printf", Args: "(format string, args...)", Doc: "prints formatted text (Tengo's format verbs, like Go's) to the run's output; no newline added", Call: printer(format)},
		{Name: "sprintf", Args: "(format string, args...) -> string", Doc: "returns formatted text (like the builtin format)", Call: func(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
			if err := lib.CheckArgs(fn, args); err != nil {
				return nil, err
			}
			s, err := format(fn, args)
			if err != nil {
				return nil, err
			}
			return &tengo.String{Value: s}, nil
		}},
	}
}

// printer makes a print function: text renders the arguments, which go to
// the run's output.
func printer(text func(fn string, args []tengo.Object) (string, error)) func(*lib.Env, string, []tengo.Object) (tengo.Object, error) {
	return func(env *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
		if err := lib.CheckArgs(fn, args); err != nil {
			return nil, err
		}
		s, err := text(fn, args)
		if err != nil {
			return nil, err
		}
		if _, err := io.WriteString(out(env), s); err != nil {
			return nil, lib.Errorf(fn, "%v", err)
		}
		return nil, nil
	}
}

func format(fn string, args []tengo.Object) (string, error) {
	var f string
	var rest []tengo.Object
	if err := lib.UnpackArgs(fn, args, "format, args...", &f, &rest); err != nil {
		return "", err
	}
	if len(rest) == 0 {
		return f, nil
	}
	for i, a := range rest {
		rest[i] = lib.Formatted(a)
	}
	s, err := tengo.Format(f, rest...)
	if err != nil {
		return "", lib.Errorf(fn, "%v", err)
	}
	return s, nil
}
