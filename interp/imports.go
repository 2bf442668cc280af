package interp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// Prepare readies a source for compiling: it registers the text under
// name, rewrites it (see rewrite.go) and prepares the files it imports,
// relative to dir ("": the working directory), each read through env's
// file sandbox (env nil: no checks). It returns the text to compile and
// the module getter to compile it with: modules, plus the imported files
// by absolute path, the guards, and modules written in Tengo rewritten
// too. Tengo's own file imports must stay off (Sources.Compile). Errors
// are *ScriptError at the position in the original text.
func (s *Sources) Prepare(name string, text []byte, dir string, env *lib.Env, modules tengo.ModuleGetter) ([]byte, tengo.ModuleGetter, error) {
	s.Add(name, text)
	if s.guards == nil {
		s.guards = guardModules()
	}
	im := &importer{sources: s, env: env, base: modules, guards: s.guards, files: map[string][]byte{}}
	out, err := im.prepare(name, text, dir, s.Defined)
	if err != nil {
		return nil, nil, err
	}
	return out, im, nil
}

// importer is the module getter of one compile.
type importer struct {
	sources *Sources
	env     *lib.Env
	base    tengo.ModuleGetter
	guards  map[string]tengo.Object
	files   map[string][]byte // rewritten texts: imported files by absolute path, modules in Tengo by name
	failed  map[string]error  // the errors of file imports, by the name that replaces theirs
}

// objectModule is an importable Tengo object (a guard): import(name)
// compiles to the object itself.
type objectModule struct{ o tengo.Object }

func (m objectModule) Import(string) (any, error) { return m.o, nil }

// Get returns the module name for the compiler.
func (im *importer) Get(name string) tengo.Importable {
	if g, ok := im.guards[name]; ok {
		return objectModule{g}
	}
	if err, ok := im.failed[name]; ok {
		return failedModule{err}
	}
	if text, ok := im.files[name]; ok {
		return &tengo.SourceModule{Src: text}
	}
	m := im.base.Get(name)
	if sm, ok := m.(*tengo.SourceModule); ok {
		// A module written in Tengo: rewritten as a script is (and named
		// by its name in positions, as Tengo does).
		text, err := im.prepare(name, sm.Src, "", nil)
		if err != nil {
			return failedModule{err}
		}
		im.files[name] = text
		return &tengo.SourceModule{Src: text}
	}
	return m
}

// failedModule is a module that could not be prepared.
type failedModule struct{ err error }

func (m failedModule) Import(string) (any, error) { return nil, m.err }

func (im *importer) isModule(name string) bool {
	_, guard := im.guards[name]
	return guard || im.base.Get(name) != nil
}

// prepare parses and rewrites one text, registering it under name;
// defined tells the variables defined before it (see Sources.Defined).
func (im *importer) prepare(name string, text []byte, dir string, defined func(string) bool) ([]byte, error) {
	s := im.sources
	fset := parser.NewFileSet()
	srcFile := fset.AddFile(name, -1, len(text))
	file, err := parser.NewParser(srcFile, text, nil).ParseFile()
	if err != nil {
		s.register(name, text, nil)
		return nil, s.CompileError(err)
	}
	out, m, err := rewriteFile(text, file, func(module string, at int) (string, error) {
		if module == "" || im.isModule(module) {
			return "", nil // Tengo's error for "", or a module
		}
		path, err := im.importFile(module, dir)
		if err != nil {
			var se *ScriptError
			if !errors.As(err, &se) { // else in the imported file
				se = s.at(CompileError, []parser.SourceFilePos{srcFile.Position(srcFile.FileSetPos(at))}, "compile error: "+err.Error(), err)
			}
			// Reported when Tengo compiles the import, as Tengo reports
			// it: after any error before it.
			path = fmt.Sprintf("\x00import error %d", len(im.failed))
			if im.failed == nil {
				im.failed = map[string]error{}
			}
			im.failed[path] = se
		}
		return path, nil
	}, defined)
	if err != nil {
		return nil, err
	}
	s.register(name, text, m)
	return out, nil
}

// importFile prepares the file that import(module) names in a file of
// directory dir, as Tengo resolves it (module.tengo relative to dir), and
// returns its absolute path, the name it is compiled under.
func (im *importer) importFile(module, dir string) (string, error) {
	name := module
	if !strings.HasSuffix(name, tengo.SourceFileExtDefault) {
		name += tengo.SourceFileExtDefault
	}
	path, err := filepath.Abs(filepath.Join(dir, name))
	if err != nil {
		return "", fmt.Errorf("module file path error: %v", err)
	}
	if _, done := im.files[path]; done {
		return path, nil // imported already, or being prepared (a cycle, which Tengo reports)
	}
	// The sandbox first: a file outside is refused whether it exists or not.
	if im.env != nil {
		if _, err := im.env.ReadPath("import", path); err != nil {
			return "", err
		}
	}
	if _, err := os.Stat(path); errors.Is(err, fs.ErrNotExist) {
		return "", fmt.Errorf("module file path error: module '%s' not found at: %s", module, path)
	}
	text, err := os.ReadFile(path)
	if err == nil {
		err = CheckText(text)
	}
	if err != nil {
		return "", fmt.Errorf("module file read error: %v", err)
	}
	im.files[path] = nil
	im.sources.imported[path] = true
	out, err := im.prepare(path, text, filepath.Dir(path), nil)
	if err != nil {
		delete(im.files, path)
		return "", err
	}
	im.files[path] = out
	return path, nil
}

// RemoveDuplicates is bc.RemoveDuplicates (it merges equal constants),
// which panics on constants of other types than Tengo's own: the guards,
// user and builtin functions, are swapped for placeholder module maps,
// which it merges by name, then swapped back.
func RemoveDuplicates(bc *tengo.Bytecode) {
	const nameKey = "__module_name__" // what Tengo merges module maps by
	held := map[string]tengo.Object{}
	for i, c := range bc.Constants {
		switch c.(type) {
		case *tengo.UserFunction, *tengo.BuiltinFunction:
			name := fmt.Sprintf("\x00%p", c)
			held[name] = c
			bc.Constants[i] = &tengo.ImmutableMap{Value: map[string]tengo.Object{nameKey: &tengo.String{Value: name}}}
		}
	}
	bc.RemoveDuplicates()
	if len(held) == 0 {
		return
	}
	for i, c := range bc.Constants {
		if m, ok := c.(*tengo.ImmutableMap); ok && len(m.Value) == 1 {
			if name, ok := m.Value[nameKey].(*tengo.String); ok && held[name.Value] != nil {
				bc.Constants[i] = held[name.Value]
			}
		}
	}
}
