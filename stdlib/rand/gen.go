package rand

import (
	"fmt"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Gen is a script-visible generator (type "rng") made by rand.new(seed). It
// owns its RNG; other modules may accept a *Gen to draw from a script's
// chosen stream instead of the run's.
type Gen struct {
	lib.Base
	RNG *bohp.RNG

	seed    int64 // the last seed, for String
	hasSeed bool  // whether seed is known (false for NewGen of a used RNG)
	methods lib.Bound
}

// genMethods are the draws on the generator's own stream, and seed.
var genMethods = lib.NewMethodSet("rng", genDefs()...)

func genDefs() []lib.MethodDef[*Gen] {
	var defs []lib.MethodDef[*Gen]
	for _, d := range draws {
		defs = append(defs, lib.Def(d.name, d.args, d.doc, func(g *Gen, fn string, args []tengo.Object) (tengo.Object, error) {
			return d.f(g.RNG, fn, args)
		}))
	}
	return append(defs, lib.Def("seed", "(seed int) -> rng", "restarts this generator's stream from seed; returns the generator", genSeed))
}

func genSeed(g *Gen, fn string, args []tengo.Object) (tengo.Object, error) {
	var seed int
	if err := lib.UnpackArgs(fn, args, "seed", &seed); err != nil {
		return nil, err
	}
	g.RNG.Seed(int64(seed))
	g.seed, g.hasSeed = int64(seed), true
	return g, nil
}

// NewGen wraps r as a script-visible generator.
func NewGen(r *bohp.RNG) *Gen { return &Gen{RNG: r} }

func newSeededGen(seed int64) *Gen {
	return &Gen{RNG: bohp.NewRNG(seed), seed: seed, hasSeed: true}
}

// TypeName is "rng".
func (g *Gen) TypeName() string { return "rng" }

// String names the generator's last seed when known.
func (g *Gen) String() string {
	if !g.hasSeed {
		return "rng"
	}
	return fmt.Sprintf("rng(seed %d)", g.seed)
}

// Copy returns an independent generator in the same state: it draws the
// same numbers as g would from here on.
func (g *Gen) Copy() tengo.Object {
	r := *g.RNG
	return &Gen{RNG: &r, seed: g.seed, hasSeed: g.hasSeed}
}

// Equals is identity: two generators are the same only if they are one object.
func (g *Gen) Equals(another tengo.Object) bool { return g == another }

// IndexGet returns a bound method.
func (g *Gen) IndexGet(index tengo.Object) (tengo.Object, error) {
	return genMethods.Get(g, &g.methods, index)
}
