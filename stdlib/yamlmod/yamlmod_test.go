package yamlmod_test

import (
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

func TestWriteIsAtomicAndRelativeToOutDir(t *testing.T) {
	dir := t.TempDir()
	err := scripttest.RunCode(t.Context(), "w.tengo", `yaml := import("yaml"); yaml.write("a/b.yaml", {x: [1, 2]})`,
		scripttest.Options{}, io.Discard, dir)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(dir, "a", "b.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != "x:\n    - 1\n    - 2\n" {
		t.Errorf("got %q", got)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "a"))
	if len(entries) != 1 {
		t.Errorf("temporary files left: %v", entries)
	}
}

func TestErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("a: 1\nb: [1, 2\nc: 3\n"), 0o644)
	cases := map[string]string{
		`yaml.decode("a: 1\nb: : 2\n")`:     "yaml.decode: malformed YAML: line 2: mapping values are not allowed in this context",
		`yaml.decode("a: 1\na: 2\n")`:       `yaml.decode: malformed YAML: line 2: mapping key "a" already defined at line 1`,
		`yaml.decode("a:\n\t- 1\n")`:        "yaml.decode: malformed YAML: line 2: found character that cannot start any token",
		`yaml.decode(1)`:                    "yaml.decode: argument text must be a string, got int 1",
		`yaml.decode("{1.0: a, \"1\": b}")`: `yaml.decode: two keys of a mapping are the same string "1"`,
		// a null key became the string "<nil>"
		`yaml.decode("null: 1\nb: 2\na: 3")`:                             `x.tengo:2:1: yaml.decode: a mapping key is null (null, ~ or nothing before the colon), beside the keys a, b: map keys are strings; quote it ("null") or name it`,
		`yaml.decode("x: {~: 1, y: 2}")`:                                 `yaml.decode: a mapping key is null (null, ~ or nothing before the colon), beside the key y: map`,
		`yaml.decode("x: {~: 1}")`:                                       `yaml.decode: a mapping key is null (null, ~ or nothing before the colon): map keys are strings`,
		`yaml.decode("? \n: 1")`:                                         `yaml.decode: a mapping key is null`,
		`yaml.decode("? [1, 2]\n: 3")`:                                   "yaml.decode: malformed YAML: a list or a map as a mapping key (map keys are strings)",
		`yaml.encode()`:                                                  "yaml.encode: wrong number of arguments: want 1, got 0",
		`yaml.encode({a: [1, bytes(2)]})`:                                "yaml.encode: cannot encode a bytes at .a[1] as YAML",
		`yaml.encode(func() {})`:                                         "yaml.encode: cannot encode a compiled-function as YAML",
		`m := {}; m.self = m; yaml.encode(m)`:                            "cannot assign: the value contains the map assigned into (a value cannot contain itself)",
		`a := [0]; for i := 0; i < 600; i++ { a = [a] }; yaml.encode(a)`: "yaml.encode: nesting deeper than 512",
		// the file sandbox
		`yaml.read("` + bad + `")`:           "yaml.read: cannot read " + bad + ": scripts read only under their own folder (.) and the working directory; run with --allow-os to read other files",
		`yaml.write("/proc/nope/x.yaml", 1)`: "yaml.write: cannot write /proc/nope/x.yaml: scripts write only under their run's directory",
		`yaml.write("../x.yaml", 1)`:         "yaml.write: cannot write ../x.yaml: scripts write only under their run's directory",
	}
	scripttest.WantErrors(t, `yaml := import("yaml")`, cases)
	// With --allow-os, anywhere.
	scripttest.WantErrorsOpts(t, scripttest.Options{AllowOS: true}, `yaml := import("yaml")`, map[string]string{
		`yaml.read("` + bad + `")`:           "yaml.read: " + bad + ": malformed YAML: at or after line 2: did not find expected ',' or ']'",
		`yaml.read("/nonexistent/x.yaml")`:   "yaml.read: open /nonexistent/x.yaml: no such file or directory",
		`yaml.write("/proc/nope/x.yaml", 1)`: "yaml.write: mkdir /proc/nope",
		`yaml.write("../x.yaml", 1)`:         "yaml.write: cannot write ../x.yaml: a relative path must stay inside the run's directory",
	})
}
