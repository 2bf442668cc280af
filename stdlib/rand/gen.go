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
	methods lib.Methods
}

// NewGen wraps r as a script-visible generator, binding its methods once.
func NewGen(r *bohp.RNG) *Gen {
	g := &Gen{RNG: r}
	fns := make(map[string]lib.MethodFunc, len(draws)+1)
	for _, d := range draws {
		d := d
		q := "rng." + d.name
		fns[d.name] = func(args ...tengo.Object) (tengo.Object, error) { return d.f(g.RNG, q, args) }
	}
	fns["seed"] = func(args ...tengo.Object) (tengo.Object, error) {
		const fn = "rng.seed"
		if err := lib.NArgs(fn, args, 1, 1); err != nil {
			return nil, err
		}
		s, err := seedArg(fn, args[0])
		if err != nil {
			return nil, err
		}
		g.RNG.Seed(s)
		g.seed, g.hasSeed = s, true
		return g, nil
	}
	g.methods = lib.Bind("rng", fns)
	return g
}

func newSeededGen(seed int64) *Gen {
	g := NewGen(bohp.NewRNG(seed))
	g.seed, g.hasSeed = seed, true
	return g
}

func genMethodDocs() []lib.Method {
	out := make([]lib.Method, 0, len(draws)+1)
	for _, d := range draws {
		out = append(out, lib.Method{Name: d.name, Args: d.args, Doc: d.doc})
	}
	return append(out, lib.Method{Name: "seed", Args: "(seed int) -> rng", Doc: "restarts this generator's stream from seed; returns the generator"})
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
	c := NewGen(&r)
	c.seed, c.hasSeed = g.seed, g.hasSeed
	return c
}

// Equals is identity: two generators are the same only if they are one object.
func (g *Gen) Equals(another tengo.Object) bool { return g == another }

// IndexGet returns a bound method.
func (g *Gen) IndexGet(index tengo.Object) (tengo.Object, error) {
	return g.methods.Get("rng", index)
}
