package interp

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// SeedParam is the parameter a run reserves: a script that declares it
// (params.declare({seed: 0})) gets the run's seed, which only Config.Seed
// and Config.Seeds set (-p seed=S is another spelling of --seed S, see
// Config.ResolveReserved). This file is the one place that gives it its
// meaning.
const SeedParam = "seed"

// seedDoc is the comment of the seed in params.yaml when the script gives
// none.
const seedDoc = "the run's seed (--seed, --seeds)"

// EnvConfig describes one run's environment.
type EnvConfig struct {
	Ctx       context.Context   // cancelled on Ctrl-C or timeout (nil: never)
	Seed      int64             // the run's seed
	Overrides map[string]string // -p and --sweep values
	Out       io.Writer         // the script's prints
	OutDir    string            // the run's own files ("": none)
	OutName   string            // OutDir's place once committed, for messages ("": OutDir)
	OutRoot   string            // --out DIR, which the run may read ("": none)
	ScriptDir string            // the main script's directory
	AllowOS   bool              // allow Tengo's os module
	Quiet     bool              // suppress the script's prints
	NoFigures bool              // scripts draw no figures (network.record's)
	Workers   int               // goroutines an episode may use (0 means 1)
	Extra     []*lib.Module     // modules added after the standard ones
}

// NewEnv builds the environment of one run (its seed, parameters with the
// reserved seed, metrics, output) and the module map its script is
// compiled with: the standard modules (stdlib.NewModuleMap), then c.Extra.
// Every run is made here: the script runner's, the REPL session's (anew on
// :reset) and the script tests'.
func NewEnv(c EnvConfig) (*lib.Env, *tengo.ModuleMap) {
	if c.Ctx == nil {
		c.Ctx = context.Background()
	}
	env := &lib.Env{
		Ctx:  c.Ctx,
		Seed: c.Seed,
		Params: &lib.Params{Overrides: c.Overrides, Reserved: []lib.ReservedParam{{
			Name: SeedParam, Value: &tengo.Int{Value: c.Seed}, What: "the run's seed", SetWith: "--seed (or --seeds)",
		}}},
		Metrics:   lib.NewMetrics(),
		Out:       c.Out,
		OutDir:    c.OutDir,
		OutName:   c.OutName,
		OutRoot:   c.OutRoot,
		ScriptDir: c.ScriptDir,
		AllowOS:   c.AllowOS,
		Quiet:     c.Quiet,
		NoFigures: c.NoFigures,
		Workers:   c.Workers,
	}
	modules := stdlib.NewModuleMap(env)
	for _, m := range c.Extra {
		modules.AddBuiltinModule(m.Name, m.Build(env))
	}
	return env, modules
}

// ResolveReserved takes the seed out of c.Overrides, where -p seed=S puts
// it, into c.Seed; seedGiven says whether c.Seed was given as well (--seed),
// which must then agree. The seed cannot be swept (c.Seeds runs several).
// c.Overrides is changed in place. Errors are *lib.UsageError.
func (c *Config) ResolveReserved(seedGiven bool) error {
	usage := func(format string, a ...any) error { return &lib.UsageError{Err: fmt.Errorf(format, a...)} }
	if c.Sweep != nil && c.Sweep.Key == SeedParam {
		return usage("--sweep %s=...: use --seed and --seeds to run several seeds", SeedParam)
	}
	v, ok := c.Overrides[SeedParam]
	if !ok {
		return nil
	}
	s, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil {
		return usage("-p %s=%s: the seed must be an integer", SeedParam, v)
	}
	if seedGiven && s != c.Seed {
		return usage("-p %s=%d and --seed %d disagree", SeedParam, s, c.Seed)
	}
	c.Seed = s
	delete(c.Overrides, SeedParam)
	return nil
}
