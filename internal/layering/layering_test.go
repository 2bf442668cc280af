// Package layering holds the test that keeps bohpsh's imports pointing down:
//
//	cmd/bohpsh          the command: flags and wiring only
//	cli, repl           the command-line front end and the REPL
//	interp/...          compiling and running scripts, outputs, errors
//	stdlib/...          the Tengo modules, adapters from script values to bohp
//	bohp                the engine, plain Go
//	internal/...        leaf utilities (atomic files, figures, statistics)
//
// A package may import packages of its own layer or of a lower one, never
// of a higher one. Test files follow the same rule, with one exception:
// external test packages may import interp and interp/scripttest, which run
// their testdata/*.tengo scripts with every module (as starlark-go's tests
// do).
package layering

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/bohpsh/bohpsh"

// layer returns the rank of a package of this module (higher imports lower).
func layer(pkg string) (int, bool) {
	rel := strings.TrimPrefix(strings.TrimPrefix(pkg, module), "/")
	first, _, _ := strings.Cut(rel, "/")
	switch first {
	case "internal":
		return 0, true
	case "bohp":
		return 1, true
	case "stdlib":
		return 2, true
	case "interp":
		return 3, true
	case "repl", "cli":
		return 4, true
	case "cmd":
		return 5, true
	case "scripts":
		return 6, true // tests of the shipped scripts
	}
	return 0, false
}

// testMayImport are the packages external tests of lower layers may use to
// run scripts.
var testMayImport = map[string]bool{
	module + "/interp":            true,
	module + "/interp/scripttest": true,
}

// moduleRoot is the folder of go.mod, two levels up from this package.
const moduleRoot = "../.."

func TestImportsPointDown(t *testing.T) {
	files := 0
	err := filepath.WalkDir(moduleRoot, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != moduleRoot && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		files++
		rel, _ := filepath.Rel(moduleRoot, filepath.Dir(path))
		pkg := module + "/" + filepath.ToSlash(rel)
		from, ok := layer(pkg)
		if !ok {
			t.Errorf("%s is in no layer: add its folder to layer()", path)
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		externalTest := strings.HasSuffix(f.Name.Name, "_test")
		for _, spec := range f.Imports {
			imp, _ := strconv.Unquote(spec.Path.Value)
			if !strings.HasPrefix(imp, module+"/") {
				continue
			}
			to, ok := layer(imp)
			switch {
			case !ok:
				t.Errorf("%s imports %s, which is in no layer", path, imp)
			case to > from && !(externalTest && testMayImport[imp]):
				t.Errorf("%s imports %s: an import running up (layer %d -> %d)", path, imp, from, to)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 50 {
		t.Fatalf("found only %d Go files under %s", files, moduleRoot)
	}
}
