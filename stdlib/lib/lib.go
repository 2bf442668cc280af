// Package lib is the binding layer's toolkit, what every bohpsh Tengo module
// (stdlib/...) shares:
//
//   - the tables: a *Module is a name, a one-line doc and its Funcs (Fn
//     rows), Values and Types; an object type's methods are a MethodSet (Def
//     rows). The modules and their documentation (REPL :help,
//     docs/modules.md) are built from the same tables;
//   - argument binding: UnpackArgs checks a call's arguments (number, types,
//     optional ones) in one call, UnpackOptions an options map; errors name
//     the function, the argument and the value;
//   - the run's state: a run's *Env (seed and RNG, context, parameters,
//     metrics, output), given to every Func's Call, so that it lives in the
//     run's closures and objects, never in globals shared between runs.
//
// The binding layer converts script values to Go values and back and calls
// the engine; the engine's work (networks, episodes, rules, checkpoints) is
// done in package bohp. lib and the modules may import bohp and internal/...,
// never interp, cli or repl (internal/layering tests it).
package lib

import (
	"context"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"sort"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/d5/tengo/v2"
)

// Env is the state owned by one run (one script, one seed, one sweep value).
type Env struct {
	Ctx       context.Context // cancelled on Ctrl-C or timeout; long native calls poll it
	Seed      int64           // the run's seed (--seed S, S+1, ... for --seeds N)
	Params    *Params         // declared parameters and command-line overrides
	Metrics   *Metrics        // per-episode values recorded by the script
	Out       io.Writer       // where print goes (the run's output)
	OutDir    string          // the run's own directory, where it writes ("" when none)
	OutName   string          // how messages name OutDir: where its files end up once committed ("": OutDir)
	OutRoot   string          // the output directory given (--out DIR): the run may read under it, e.g. earlier results
	ScriptDir string          // directory of the main script, for relative paths
	AllowOS   bool            // whether Tengo's os module may be imported
	Quiet     bool            // suppress print output
	NoFigures bool            // draw no figures (--no-figures)
	Workers   int             // goroutines an episode may use (fewer runs than cores); 0 means 1
	Reads     []string        // the files the run read, absolute, each once (see NoteRead)
	// Unsynced, when set, takes the files the run writes into OutDir: they
	// are written without sync, and synced all at once when the run ends,
	// before its record (a run in a work area, see interp); else each
	// file is synced when written. See UnsyncedFor.
	Unsynced *atomicfile.Group

	rng *bohp.RNG
}

// RNG returns the run's random generator, seeded with Seed on first use.
// Every module that draws random numbers for the run (rand, bohp's
// initialisation) shares it, so a run is one deterministic stream.
func (e *Env) RNG() *bohp.RNG {
	if e.rng == nil {
		e.rng = bohp.NewRNG(e.Seed)
	}
	return e.rng
}

// NoteRead records that the run reads the file path (yaml.read, bohp.load):
// a run that read files of the results its outputs replace (a checkpoint
// of the previous run in the same output directory) has those results kept
// rather than removed (see package interp).
func (e *Env) NoteRead(path string) {
	if abs, err := filepath.Abs(path); err == nil && !slices.Contains(e.Reads, abs) {
		e.Reads = append(e.Reads, abs)
	}
}

// Context is the run's context, or context.Background() when it has none.
func (e *Env) Context() context.Context {
	if e == nil || e.Ctx == nil {
		return context.Background()
	}
	return e.Ctx
}

// Cancelled reports the context's error, if any, wrapped with the function name.
func (e *Env) Cancelled(fn string) error {
	if e == nil || e.Ctx == nil {
		return nil
	}
	if err := e.Ctx.Err(); err != nil {
		return fmt.Errorf("%s: interrupted (%v)", fn, err)
	}
	return nil
}

// Func is one script-visible function of a module.
type Func struct {
	Name string // member name, e.g. "network"
	Args string // signature shown in docs, e.g. "(inputs int, layers array) -> network"
	Doc  string // one line of meaning
	// Call implements the function in the run of env; fn is its qualified
	// name ("bohp.network"), for error messages.
	Call func(env *Env, fn string, args []tengo.Object) (tengo.Object, error)
}

// Value is one script-visible constant of a module.
type Value struct {
	Name  string
	Doc   string
	Value func() tengo.Object
}

// Method is one documented method of a custom object type.
type Method struct {
	Name string
	Args string
	Doc  string
}

// Type documents a custom object type and its methods.
type Type struct {
	Name    string // TypeName() of the object
	Doc     string
	Methods []Method
}

// Module is one importable module with its documentation.
type Module struct {
	Name   string
	Doc    string
	Funcs  []Func
	Values []Value
	Types  []Type
	// Source, when set, is the module's Tengo source: it is compiled into
	// the importing script (Tengo's source modules), and Funcs and Values
	// only document it (their Call and Value are not used).
	Source string
}

// Build makes the Tengo value of a module written in Go for one run (see
// Source for a module written in Tengo). An env made without Params or
// Metrics (a test's &Env{}) is given empty ones, so that no module's
// function meets a nil one.
func (m *Module) Build(env *Env) map[string]tengo.Object {
	if env.Params == nil {
		env.Params = &Params{}
	}
	if env.Metrics == nil {
		env.Metrics = NewMetrics()
	}
	out := make(map[string]tengo.Object, len(m.Funcs)+len(m.Values))
	for _, f := range m.Funcs {
		q := m.Name + "." + f.Name
		call := f.Call
		out[f.Name] = &tengo.UserFunction{Name: q, Value: func(args ...tengo.Object) (tengo.Object, error) {
			return call(env, q, args)
		}}
	}
	for _, v := range m.Values {
		out[v.Name] = v.Value()
	}
	return out
}

// Members lists the module's member names, sorted.
func (m *Module) Members() []string {
	var names []string
	for _, f := range m.Funcs {
		names = append(names, f.Name)
	}
	for _, v := range m.Values {
		names = append(names, v.Name)
	}
	sort.Strings(names)
	return names
}

// Fn makes a Func, one row of a module's table: name, signature shown in
// docs, one line of meaning, implementation.
func Fn(name, args, doc string, call func(env *Env, fn string, args []tengo.Object) (tengo.Object, error)) Func {
	return Func{Name: name, Args: args, Doc: doc, Call: call}
}
