package tengostd

import (
	"bytes"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	tstd "github.com/d5/tengo/v2/stdlib"
)

func TestEveryTengoMemberIsDocumented(t *testing.T) {
	for _, m := range Modules() {
		if m.Doc == "" {
			t.Errorf("module %s has no doc", m.Name)
		}
		members := map[string]bool{}
		for _, f := range m.Funcs {
			members[f.Name] = true
			if f.Args == "" || f.Doc == "" || (f.Call == nil && m.Source == "") {
				t.Errorf("%s.%s: args %q doc %q", m.Name, f.Name, f.Args, f.Doc)
			}
		}
		for _, v := range m.Values {
			members[v.Name] = true
			if v.Doc == "" || v.Value() == nil {
				t.Errorf("%s.%s: no doc or value", m.Name, v.Name)
			}
		}
		if attrs, ok := tstd.BuiltinModules[m.Name]; ok && m.Name != "fmt" {
			for name := range attrs {
				if !members[name] && !(m.Name == "times" && name == "sleep") {
					t.Errorf("%s.%s is not in the module's table", m.Name, name)
				}
			}
		}
	}
	if n := len(Modules()); n != 9 {
		t.Errorf("%d modules", n)
	}
}

func call(t *testing.T, env *lib.Env, mod, fn string, args ...tengo.Object) (tengo.Object, error) {
	t.Helper()
	for _, m := range Modules() {
		if m.Name == mod {
			return m.Build(env)[fn].(*tengo.UserFunction).Value(args...)
		}
	}
	t.Fatalf("no module %s", mod)
	return nil, nil
}

func TestFmtWritesToTheRunsOutput(t *testing.T) {
	var out bytes.Buffer
	env := &lib.Env{Out: &out}
	call(t, env, "fmt", "print", &tengo.String{Value: "a"}, &tengo.Int{Value: 1})
	call(t, env, "fmt", "println", &tengo.String{Value: "b"})
	call(t, env, "fmt", "printf", &tengo.String{Value: "%d-%s\n"}, &tengo.Int{Value: 2}, &tengo.String{Value: "c"})
	if out.String() != "a1b\n2-c\n" {
		t.Errorf("got %q", out.String())
	}
	// Maps print with their keys sorted.
	out.Reset()
	m := &tengo.Map{Value: map[string]tengo.Object{"b": &tengo.Int{Value: 1}, "a": &tengo.String{Value: "x"}, "c": &tengo.Int{Value: 3}}}
	call(t, env, "fmt", "println", m, &tengo.String{Value: " "}, &tengo.Array{Value: []tengo.Object{m}})
	call(t, env, "fmt", "printf", &tengo.String{Value: "%v\n"}, m)
	if want := "{a: \"x\", b: 1, c: 3} [{a: \"x\", b: 1, c: 3}]\n{a: \"x\", b: 1, c: 3}\n"; out.String() != want {
		t.Errorf("got %q, want %q", out.String(), want)
	}
	env.Quiet = true
	call(t, env, "fmt", "println", &tengo.String{Value: "hidden"})
	if strings.Contains(out.String(), "hidden") {
		t.Error("--quiet printed")
	}
	if _, err := call(t, env, "fmt", "printf"); err == nil || err.Error() != "fmt.printf: wrong number of arguments: want at least 1, got 0" {
		t.Errorf("printf(): %v", err)
	}
}

func TestTimesHasNoSleep(t *testing.T) {
	for _, m := range Modules() {
		if m.Name != "times" {
			continue
		}
		for _, f := range m.Funcs {
			if f.Name == "sleep" {
				t.Error("times.sleep is offered")
			}
		}
		if _, ok := m.Build(&lib.Env{})["sleep"]; ok {
			t.Error("times.sleep is built")
		}
		return
	}
	t.Fatal("no times module")
}

func TestBlocked(t *testing.T) {
	var os *lib.Module
	for _, m := range Modules() {
		if m.Name == "os" {
			os = m
		}
	}
	b := Blocked(os, "--allow-os")
	_, err := b["read_file"].(*tengo.UserFunction).Value(&tengo.String{Value: "/etc/passwd"})
	if err == nil || err.Error() != "os.read_file: the os module is disabled; run with --allow-os to enable it" {
		t.Errorf("got %v", err)
	}
}
