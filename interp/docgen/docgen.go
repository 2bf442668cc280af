// Package docgen renders the documentation of bohpsh's Tengo modules from
// their tables (lib.Module, lib.Func, lib.Value, lib.Type, lib.Method): the
// Markdown reference docs/modules.md and the plain text shown by the REPL's
// :help. Both come from the same tables and the same signature formatting, so
// they cannot disagree with each other or with what scripts can call.
//
// docs/modules.md is regenerated with
//
//	go generate ./interp/docgen
//
// and a test fails when it is out of date.
package docgen

//go:generate go run ./cmd -o ../../docs/modules.md

import (
	"fmt"
	"sort"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
)

// Signature joins a qualified name and a documented Args string:
// ("bohp.network", "(inputs int) -> network") gives
// "bohp.network(inputs int) -> network". Args not starting with "(" are
// separated by a space; empty Args give the bare name.
func Signature(qualified, args string) string {
	args = strings.TrimSpace(args)
	switch {
	case args == "":
		return qualified
	case strings.HasPrefix(args, "("):
		return qualified + args
	default:
		return qualified + " " + args
	}
}

// FuncSignature is the signature of module function f, e.g.
// "bohp.network(inputs int, layers array) -> network".
func FuncSignature(mod *lib.Module, f lib.Func) string {
	return Signature(mod.Name+"."+f.Name, f.Args)
}

// MethodSignature is the signature of a method of type t, e.g.
// "network.step(x vec) -> vec".
func MethodSignature(t lib.Type, m lib.Method) string {
	return Signature(t.Name+"."+m.Name, m.Args)
}

// FindModule returns the module named name, or nil.
func FindModule(mods []*lib.Module, name string) *lib.Module {
	for _, m := range mods {
		if m.Name == name {
			return m
		}
	}
	return nil
}

// FindType returns the documented type whose Name (the object's TypeName)
// is name, and the module documenting it; nil when no module documents it.
func FindType(mods []*lib.Module, name string) (*lib.Type, *lib.Module) {
	for _, m := range mods {
		for i := range m.Types {
			if m.Types[i].Name == name {
				return &m.Types[i], m
			}
		}
	}
	return nil, nil
}

// MethodNames lists the documented methods of the type named typeName,
// sorted; nil when the type is not documented.
func MethodNames(mods []*lib.Module, typeName string) []string {
	t, _ := FindType(mods, typeName)
	if t == nil {
		return nil
	}
	names := make([]string, 0, len(t.Methods))
	for _, m := range t.Methods {
		names = append(names, m.Name)
	}
	sort.Strings(names)
	return names
}

// Topics lists every name :help accepts: modules, module.member, types and
// type.method, sorted.
func Topics(mods []*lib.Module) []string {
	seen := map[string]bool{}
	var out []string
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, m := range mods {
		add(m.Name)
		for _, f := range m.Funcs {
			add(m.Name + "." + f.Name)
		}
		for _, v := range m.Values {
			add(m.Name + "." + v.Name)
		}
		for _, t := range m.Types {
			add(t.Name)
			for _, me := range t.Methods {
				add(t.Name + "." + me.Name)
			}
		}
	}
	sort.Strings(out)
	return out
}

// Overview is the plain-text list of modules with their one-line docs.
func Overview(mods []*lib.Module) string {
	var b strings.Builder
	if len(mods) == 0 {
		b.WriteString("No modules are registered.\n")
		return b.String()
	}
	b.WriteString("Modules (in a script: name := import(\"name\")):\n")
	w := 0
	for _, m := range mods {
		w = max(w, len(m.Name))
	}
	for _, m := range mods {
		fmt.Fprintf(&b, "  %-*s  %s\n", w, m.Name, m.Doc)
	}
	return b.String()
}

// Help is the plain text for one :help topic: a module ("bohp"), a module
// member ("bohp.network"), a type ("network") or a method ("network.step").
// ok is false when no table documents name.
func Help(mods []*lib.Module, name string) (text string, ok bool) {
	name = strings.TrimSpace(name)
	if m := FindModule(mods, name); m != nil {
		return ModuleText(m), true
	}
	if t, m := FindType(mods, name); t != nil {
		return TypeText(*t, m), true
	}
	i := strings.LastIndexByte(name, '.')
	if i <= 0 || i == len(name)-1 {
		return "", false
	}
	owner, member := name[:i], name[i+1:]
	if m := FindModule(mods, owner); m != nil {
		for _, f := range m.Funcs {
			if f.Name == member {
				return FuncSignature(m, f) + "\n    " + f.Doc + "\n", true
			}
		}
		for _, v := range m.Values {
			if v.Name == member {
				return m.Name + "." + v.Name + " (value)\n    " + v.Doc + "\n", true
			}
		}
	}
	if t, _ := FindType(mods, owner); t != nil {
		for _, me := range t.Methods {
			if me.Name == member {
				return MethodSignature(*t, me) + "\n    " + me.Doc + "\n", true
			}
		}
	}
	return "", false
}

// BareName is the plain-text help of every module function, value and
// method whose own name is name ("score_grad" finds network.score_grad;
// "len" finds vec.len and mat.len), one entry each; ok is false when
// there is none.
func BareName(mods []*lib.Module, name string) (text string, ok bool) {
	var b strings.Builder
	for _, m := range mods {
		for _, f := range m.Funcs {
			if f.Name == name {
				fmt.Fprintf(&b, "%s\n    %s\n", FuncSignature(m, f), f.Doc)
			}
		}
		for _, v := range m.Values {
			if v.Name == name {
				fmt.Fprintf(&b, "%s.%s (value)\n    %s\n", m.Name, v.Name, v.Doc)
			}
		}
		for _, t := range m.Types {
			for _, me := range t.Methods {
				if me.Name == name {
					fmt.Fprintf(&b, "%s\n    %s\n", MethodSignature(t, me), me.Doc)
				}
			}
		}
	}
	return b.String(), b.Len() > 0
}

// ModuleText is the plain-text help of a module: its doc, functions,
// values and types with their methods.
func ModuleText(m *lib.Module) string {
	var b strings.Builder
	fmt.Fprintf(&b, "module %s: %s\n", m.Name, m.Doc)
	fmt.Fprintf(&b, "    %s := import(%q)\n", m.Name, m.Name)
	if m.Source != "" {
		fmt.Fprintf(&b, "    %s\n", writtenInTengo)
	}
	textList(&b, "\nfunctions:\n", funcEntries(m))
	textList(&b, "\nvalues:\n", valueEntries(m))
	for _, t := range m.Types {
		b.WriteString("\n")
		b.WriteString(TypeText(t, nil))
	}
	return b.String()
}

// TypeText is the plain-text help of an object type and its methods; m,
// when not nil, is named as the documenting module.
func TypeText(t lib.Type, m *lib.Module) string {
	var b strings.Builder
	fmt.Fprintf(&b, "type %s: %s\n", t.Name, t.Doc)
	if m != nil {
		fmt.Fprintf(&b, "    (module %s)\n", m.Name)
	}
	textList(&b, "methods:\n", methodEntries(t))
	return b.String()
}

// entry is a documented name as the docs list it (a signature, or a
// value's qualified name) with its doc line.
type entry struct{ name, doc string }

func funcEntries(m *lib.Module) []entry {
	es := make([]entry, len(m.Funcs))
	for i, f := range m.Funcs {
		es[i] = entry{FuncSignature(m, f), f.Doc}
	}
	return es
}

func valueEntries(m *lib.Module) []entry {
	es := make([]entry, len(m.Values))
	for i, v := range m.Values {
		es[i] = entry{m.Name + "." + v.Name, v.Doc}
	}
	return es
}

func methodEntries(t lib.Type) []entry {
	es := make([]entry, len(t.Methods))
	for i, me := range t.Methods {
		es[i] = entry{MethodSignature(t, me), me.Doc}
	}
	return es
}

// textList writes heading and the entries as :help shows them; nothing
// when there are none.
func textList(b *strings.Builder, heading string, es []entry) {
	if len(es) == 0 {
		return
	}
	b.WriteString(heading)
	for _, e := range es {
		fmt.Fprintf(b, "  %s\n      %s\n", e.name, e.doc)
	}
}

// markdownTable writes heading and the entries as a table whose first
// column is named column; nothing when there are none.
func markdownTable(b *strings.Builder, heading, column string, es []entry) {
	if len(es) == 0 {
		return
	}
	fmt.Fprintf(b, "%s| %s | Description |\n|---|---|\n", heading, column)
	for _, e := range es {
		fmt.Fprintf(b, "| %s | %s |\n", code(e.name), cell(e.doc))
	}
}

// writtenInTengo marks a source module (lib.Module.Source) in the docs.
const writtenInTengo = "(written in Tengo: its source, embedded in bohpsh, is compiled into the script that imports it)"

// Header is the first line of docs/modules.md, naming how it is made.
const Header = "<!-- Generated from the module tables in stdlib/ by `go generate ./interp/docgen`; DO NOT EDIT. -->"

// Markdown renders the reference of the given modules: per module its doc,
// its functions (signature and doc line), values, and types with their
// methods.
func Markdown(mods []*lib.Module) string {
	var b strings.Builder
	b.WriteString(Header + "\n\n")
	b.WriteString("# bohpsh modules\n\n")
	b.WriteString("Every function and method a bohpsh script can call, generated from the\n")
	b.WriteString("same tables as the REPL's `:help`. Import a module in a script with\n")
	b.WriteString("`name := import(\"name\")`; in the REPL, `:help NAME` shows one entry\n")
	b.WriteString("(`:help bohp`, `:help bohp.network`, `:help network.step`).\n\n")
	if len(mods) == 0 {
		b.WriteString("No modules are registered.\n")
		return b.String()
	}
	b.WriteString("| Module | Description |\n|---|---|\n")
	for _, m := range mods {
		fmt.Fprintf(&b, "| [`%s`](#%s) | %s |\n", m.Name, anchor(m.Name), cell(m.Doc))
	}
	for _, m := range mods {
		fmt.Fprintf(&b, "\n## %s\n\n", m.Name)
		fmt.Fprintf(&b, "%s\n\n", m.Doc)
		fmt.Fprintf(&b, "```\n%s := import(%q)\n```\n", m.Name, m.Name)
		if m.Source != "" {
			fmt.Fprintf(&b, "\n%s\n", writtenInTengo)
		}
		markdownTable(&b, "\n### Functions\n\n", "Function", funcEntries(m))
		markdownTable(&b, "\n### Values\n\n", "Value", valueEntries(m))
		if len(m.Types) > 0 {
			b.WriteString("\n### Types\n")
			for _, t := range m.Types {
				fmt.Fprintf(&b, "\n#### type `%s`\n\n%s\n", t.Name, t.Doc)
				markdownTable(&b, "\n", "Method", methodEntries(t))
			}
		}
	}
	return b.String()
}

// anchor is GitHub's heading anchor for a simple module name.
func anchor(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '_', r == '-':
			b.WriteRune(r)
		case r == ' ':
			b.WriteByte('-')
		}
	}
	return b.String()
}

// cell makes text safe inside a Markdown table cell.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	return strings.ReplaceAll(s, "|", `\|`)
}

// code renders s as inline code inside a table cell. Pipes are escaped (GFM
// tables split on them even inside code spans); a backtick in s lengthens
// the fence.
func code(s string) string {
	s = cell(s)
	fence := "`"
	for strings.Contains(s, fence) {
		fence += "`"
	}
	if strings.HasPrefix(s, "`") || strings.HasSuffix(s, "`") {
		return fence + " " + s + " " + fence
	}
	return fence + s + fence
}
