package cli_test

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/bohpsh/bohpsh/cli"
	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the test binary act as the bohpsh command inside scripts
// (testscript re-executes it under the name "bohpsh"), so the CLI cases
// below run the real command: flags, exit codes, files on disk, signals.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"bohpsh": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)) },
		// bohpsh whose standard output panics when written: a stand-in
		// for a bug, to check how internal errors are reported.
		"bohpsh-buggy-stdout": func() { os.Exit(cli.Main(os.Args[1:], os.Stdin, panicWriter{}, os.Stderr)) },
	})
}

// TestCLIScripts runs testdata/script/*.txtar: each is a shell-like script
// of bohpsh invocations with their expected output and files (see
// github.com/rogpeppe/go-internal/testscript). Besides testscript's
// commands they have:
//
//	waitfile PATH...        wait (up to a minute) until the files exist
//	cptree SRC DST          copy a directory tree
//	sametree A B            the trees hold the same files (the control
//	                        directories .bohpsh left out)
//	mounttmpfs DIR SIZE [ro]  mount a tmpfs of SIZE (e.g. 256k) on DIR,
//	                        unmounted when the script ends
//	remount DIR OPTIONS     remount the tmpfs on DIR with OPTIONS (ro, size=1m)
//	status N CMD [ARGS...]  run CMD as exec does, and fail unless it exits
//	                        with status N (exec and ! exec tell 0 from
//	                        non-zero only)
//	glob1 VAR PATTERN       set $VAR to the one path matching PATTERN
//	                        (fail unless exactly one does)
//
// the shipped scripts' folder in $SCRIPTS, and the condition [mount]: tmpfs
// can be mounted (root; CI runs as root).
func TestCLIScripts(t *testing.T) {
	scripts, err := filepath.Abs("../scripts")
	if err != nil {
		t.Fatal(err)
	}
	testscript.Run(t, testscript.Params{
		Dir: "testdata/script",
		Setup: func(env *testscript.Env) error {
			env.Setenv("SCRIPTS", scripts) // the shipped scripts
			return nil
		},
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			"status":     cmdStatus,
			"waitfile":   cmdWaitfile,
			"cptree":     cmdCptree,
			"sametree":   cmdSametree,
			"mounttmpfs": cmdMounttmpfs,
			"remount":    cmdRemount,
			"glob1":      cmdGlob1,
		},
		Condition: func(cond string) (bool, error) {
			if cond == "mount" {
				return canMount(), nil
			}
			return false, nil
		},
	})
}

func cmdWaitfile(ts *testscript.TestScript, neg bool, args []string) {
	deadline := time.Now().Add(time.Minute)
	for _, a := range args {
		for {
			if _, err := os.Stat(ts.MkAbs(a)); err == nil {
				break
			}
			if time.Now().After(deadline) {
				ts.Fatalf("%s did not appear within a minute", a)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
}

func cmdCptree(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: cptree SRC DST")
	}
	src, dst := ts.MkAbs(args[0]), ts.MkAbs(args[1])
	ts.Check(filepath.WalkDir(src, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if e.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	}))
}

// files lists a tree's files and their contents, without .bohpsh.
func files(ts *testscript.TestScript, dir string) map[string][]byte {
	out := map[string][]byte{}
	ts.Check(filepath.WalkDir(dir, func(path string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if e.IsDir() && e.Name() == ".bohpsh" {
			return filepath.SkipDir
		}
		if !e.IsDir() {
			b, err := os.ReadFile(path)
			out[rel] = b
			return err
		}
		return nil
	}))
	return out
}

func cmdSametree(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: sametree A B")
	}
	a, b := files(ts, ts.MkAbs(args[0])), files(ts, ts.MkAbs(args[1]))
	var diffs []string
	for name, content := range a {
		if other, ok := b[name]; !ok {
			diffs = append(diffs, "only in "+args[0]+": "+name)
		} else if !bytes.Equal(content, other) {
			diffs = append(diffs, "differs: "+name)
		}
	}
	for name := range b {
		if _, ok := a[name]; !ok {
			diffs = append(diffs, "only in "+args[1]+": "+name)
		}
	}
	switch {
	case len(diffs) > 0 && !neg:
		ts.Fatalf("trees differ:\n%v", diffs)
	case len(diffs) == 0 && neg:
		ts.Fatalf("trees are the same")
	}
}

func cmdMounttmpfs(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || len(args) > 3 || len(args) == 3 && args[2] != "ro" {
		ts.Fatalf("usage: mounttmpfs DIR SIZE [ro]")
	}
	dir := ts.MkAbs(args[0])
	opts := "size=" + args[1]
	if len(args) == 3 {
		opts += ",ro"
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", opts, "tmpfs", dir).CombinedOutput()
	if err != nil {
		ts.Fatalf("mount: %v: %s", err, out)
	}
	ts.Defer(func() { exec.Command("umount", "-l", dir).Run() })
}

func cmdRemount(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: remount DIR OPTIONS")
	}
	if out, err := exec.Command("mount", "-o", "remount,"+args[1], ts.MkAbs(args[0])).CombinedOutput(); err != nil {
		ts.Fatalf("mount: %v: %s", err, out)
	}
}

func cmdStatus(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) < 2 || neg {
		ts.Fatalf("usage: status N CMD [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	ts.Check(err)
	code := 0
	if err := ts.Exec(args[1], args[2:]...); err != nil {
		var exit *exec.ExitError
		if !errors.As(err, &exit) {
			ts.Fatalf("%s: %v", args[1], err)
		}
		code = exit.ExitCode()
	}
	if code != want {
		ts.Fatalf("%s exited with status %d, want %d", args[1], code, want)
	}
}

func cmdGlob1(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 || neg {
		ts.Fatalf("usage: glob1 VAR PATTERN")
	}
	m, err := filepath.Glob(ts.MkAbs(args[1]))
	ts.Check(err)
	if len(m) != 1 {
		ts.Fatalf("%s matches %d paths: %v", args[1], len(m), m)
	}
	rel, err := filepath.Rel(ts.MkAbs("."), m[0])
	ts.Check(err)
	ts.Setenv(args[0], rel)
}

var (
	mountOnce sync.Once
	mountOK   bool
)

// canMount reports whether a tmpfs can be mounted here.
func canMount() bool {
	mountOnce.Do(func() {
		if os.Geteuid() != 0 {
			return
		}
		dir, err := os.MkdirTemp("", "bohpsh-mount")
		if err != nil {
			return
		}
		defer os.Remove(dir)
		if exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).Run() == nil {
			mountOK = exec.Command("umount", dir).Run() == nil
		}
	})
	return mountOK
}

type panicWriter struct{}

func (panicWriter) Write([]byte) (int, error) {
	panic("the writer is broken (a test's stand-in for a bug)")
}
