// Package stdlib is the catalogue of bohpsh's Tengo modules. Each module is a
// small package under stdlib/ described by a *lib.Module; this package lists
// them and builds a fresh tengo.ModuleMap for every run, so that no state is
// shared between runs.
package stdlib

import (
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Modules returns every bohpsh module, in documentation order.
func Modules() []*lib.Module {
	return []*lib.Module{
		// Each module package adds itself here.
	}
}

// NewModuleMap builds the importable modules of one run.
func NewModuleMap(env *lib.Env) *tengo.ModuleMap {
	mm := tengo.NewModuleMap()
	for _, m := range Modules() {
		mm.AddBuiltinModule(m.Name, m.Build(env))
	}
	return mm
}
