package lib_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// paramName is one name of a parameter list: an identifier, "?" when
// optional, "..." when it takes the rest.
var paramName = regexp.MustCompile(`^[a-z][a-z0-9_]*(\?|\.\.\.)?$`)

// TestUnpackCalls reads every call of UnpackArgs and UnpackOptions in the
// module's Go files and checks its parameter list against its variables:
// as many names as variables, well formed, the optional ones last, "..."
// only at the end. (UnpackArgs checks the count itself only when a call
// leaves arguments out, so that a full call costs no scan of the list.)
func TestUnpackCalls(t *testing.T) {
	checked := 0
	fset := token.NewFileSet()
	err := filepath.WalkDir("../..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "../.." && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasPrefix(path, "../../stdlib/lib/") {
			return nil // lib's own tests call them wrongly on purpose
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			call, ok := n.(*ast.CallExpr)
			if !ok {
				return true
			}
			first := map[string]int{"UnpackArgs": 2, "UnpackOptions": 3}[calleeName(call)]
			if first == 0 || len(call.Args) <= first || call.Ellipsis.IsValid() {
				return true
			}
			lit, ok := call.Args[first].(*ast.BasicLit)
			if !ok || lit.Kind != token.STRING {
				return true // a list built at run time: UnpackOptions checks it
			}
			params, _ := strconv.Unquote(lit.Value)
			if problem := checkParams(params, len(call.Args)-first-1); problem != "" {
				t.Errorf("%s: %s", fset.Position(call.Pos()), problem)
			}
			checked++
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("checked %d calls", checked)
	if checked < 50 {
		t.Errorf("checked %d calls; the walk misses the modules", checked)
	}
}

func calleeName(call *ast.CallExpr) string {
	switch f := call.Fun.(type) {
	case *ast.Ident:
		return f.Name
	case *ast.SelectorExpr:
		if x, ok := f.X.(*ast.Ident); ok && x.Name == "lib" {
			return f.Sel.Name
		}
	}
	return ""
}

// checkParams describes what is wrong with a parameter list for vars
// variables, or returns "".
func checkParams(params string, vars int) string {
	var names []string
	if params != "" {
		names = strings.Split(params, ", ")
	}
	if len(names) != vars {
		return strconv.Quote(params) + ": " + strconv.Itoa(len(names)) + " names for " + strconv.Itoa(vars) + " variables"
	}
	optional := false
	for i, name := range names {
		switch {
		case !paramName.MatchString(name):
			return strconv.Quote(params) + ": bad name " + strconv.Quote(name)
		case strings.HasSuffix(name, "...") && i != len(names)-1:
			return strconv.Quote(params) + ": " + name + " is not last"
		case strings.HasSuffix(name, "?"):
			optional = true
		case optional && !strings.HasSuffix(name, "..."):
			return strconv.Quote(params) + ": required " + name + " after an optional name"
		}
	}
	return ""
}

func TestCheckParams(t *testing.T) {
	for _, c := range []struct {
		params string
		vars   int
		want   string
	}{
		{"a, b?, c?", 3, ""},
		{"format, args...", 2, ""},
		{"", 0, ""},
		{"a, b", 3, `"a, b": 2 names for 3 variables`},
		{"a,b, c", 2, `"a,b, c": bad name "a,b"`},
		{"a?, b", 2, `"a?, b": required b after an optional name`},
		{"a..., b", 2, `"a..., b": a... is not last`},
	} {
		if got := checkParams(c.params, c.vars); got != c.want {
			t.Errorf("checkParams(%q, %d) = %q, want %q", c.params, c.vars, got, c.want)
		}
	}
}
