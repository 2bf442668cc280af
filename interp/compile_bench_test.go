package interp_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/bohpsh/bohpsh/interp"
)

// BenchmarkCompileScripts measures compiling each shipped script as a run
// does (the rewrite, its imports, Tengo's compiler), without running it:
// what the safety rewrite adds to every run's start.
func BenchmarkCompileScripts(b *testing.B) {
	files, err := filepath.Glob("../scripts/*.tengo")
	if err != nil || len(files) == 0 {
		b.Fatal("no scripts", err)
	}
	for _, file := range files {
		text, err := os.ReadFile(file)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(filepath.Base(file), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				env, modules := interp.NewEnv(interp.EnvConfig{})
				if _, err := interp.Compile(&interp.Source{Name: file, Text: text, Dir: "../scripts"}, env, modules); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
