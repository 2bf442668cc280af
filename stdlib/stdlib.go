// Package stdlib is the catalogue of bohpsh's Tengo modules. Each module is a
// small package under stdlib/ described by a *lib.Module; this package lists
// them and builds a fresh tengo.ModuleMap for every run, so that no state is
// shared between runs.
//
// Modules() is the one source of the modules' documentation (the REPL's
// :help, docs/modules.md): bohpsh's own modules first (tasks is written in
// Tengo: a source module, compiled into the importing script), then the pure parts
// of Tengo's standard library (package tengostd), including "fmt", whose
// print functions write to the run's output (lib.Env.Out) rather than to the
// process's standard output. Tengo's own rand module is not offered (bohpsh's
// rand, seeded per run, replaces it); its os module is importable only with
// --allow-os (lib.Env.AllowOS): otherwise every os function fails with an
// error that says so.
package stdlib

import (
	"github.com/bohpsh/bohpsh/stdlib/bohpmod"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/metrics"
	"github.com/bohpsh/bohpsh/stdlib/params"
	"github.com/bohpsh/bohpsh/stdlib/rand"
	"github.com/bohpsh/bohpsh/stdlib/tasks"
	"github.com/bohpsh/bohpsh/stdlib/tengostd"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/bohpsh/bohpsh/stdlib/yamlmod"
	"github.com/d5/tengo/v2"
)

// Modules returns every bohpsh module, in documentation order.
func Modules() []*lib.Module {
	mods := []*lib.Module{
		// Each module package adds itself here.
		bohpmod.Module,
		params.Module,
		metrics.Module,
		yamlmod.Module,
		vec.Module,
		rand.Module,
		tasks.Module,
	}
	return append(mods, tengostd.Modules()...)
}

// NewModuleMap builds the importable modules of one run.
func NewModuleMap(env *lib.Env) *tengo.ModuleMap {
	mm := tengo.NewModuleMap()
	for _, m := range Modules() {
		switch {
		case m.Name == "os" && !env.AllowOS:
			mm.AddBuiltinModule(m.Name, tengostd.Blocked(m, "--allow-os"))
		case m.Source != "":
			mm.AddSourceModule(m.Name, []byte(m.Source))
		default:
			mm.AddBuiltinModule(m.Name, m.Build(env))
		}
	}
	return mm
}
