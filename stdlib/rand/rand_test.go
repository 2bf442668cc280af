package rand_test

import (
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/bohp"
	"github.com/bohpsh/bohpsh/interp/scripttest"
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/bohpsh/bohpsh/stdlib/rand"
	"github.com/bohpsh/bohpsh/stdlib/vec"
	"github.com/d5/tengo/v2"
)

// runSeed runs src with the rand, vec and assert modules for a run seeded seed.
func runSeed(t testing.TB, seed int64, src string) (*tengo.Compiled, *lib.Env, error) {
	t.Helper()
	env := &lib.Env{Seed: seed}
	mm := tengo.NewModuleMap()
	mm.AddBuiltinModule("rand", rand.Module.Build(env))
	mm.AddBuiltinModule("vec", vec.Module.Build(env))
	mm.AddBuiltinModule("assert", scripttest.Assert.Build(env))
	s := tengo.NewScript([]byte(src))
	s.SetImports(mm)
	c, err := s.Run()
	return c, env, err
}

func mustRun(t testing.TB, seed int64, src string) *tengo.Compiled {
	t.Helper()
	c, _, err := runSeed(t, seed, src)
	if err != nil {
		t.Fatalf("script failed: %v\n%s", err, src)
	}
	return c
}

// drawAll draws one of everything; its result is a string of all values.
const drawAll = `
rand := import("rand")
vec := import("vec")
out := []
out = append(out, rand.float(), rand.uniform(-2, 3), rand.normal(), rand.normal(1, 0.5), rand.intn(1000), rand.int(-5, 5))
out = append(out, rand.signs(5).to_array(), rand.normals(4).to_array(), rand.normals(3, 10, 2).to_array())
out = append(out, rand.uniforms(3).to_array(), rand.uniforms(3, 5, 6).to_array(), rand.shuffle(vec.range(0, 5)).to_array())
out = append(out, rand.perm(8), rand.shuffle([1, 2, 3, 4, 5, 6]), rand.choice(["a", "b", "c", "d"]))
s := string(out)
`

func TestDeterminism(t *testing.T) {
	a := mustRun(t, 42, drawAll).Get("s").String()
	b := mustRun(t, 42, drawAll).Get("s").String()
	c := mustRun(t, 43, drawAll).Get("s").String()
	if a != b {
		t.Errorf("same seed, different draws:\n%s\n%s", a, b)
	}
	if a == c {
		t.Errorf("seeds 42 and 43 drew the same values: %s", a)
	}
}

// TestUsesRunRNG checks that the module draws from env.RNG, exactly.
func TestUsesRunRNG(t *testing.T) {
	c, env, err := runSeed(t, 7, `
rand := import("rand")
a := rand.float()
b := rand.normal()
n := rand.intn(10)
`)
	if err != nil {
		t.Fatal(err)
	}
	r := bohp.NewRNG(7)
	if got, want := c.Get("a").Float(), r.Float64(); got != want {
		t.Errorf("rand.float() = %v, want %v (run RNG)", got, want)
	}
	if got, want := c.Get("b").Float(), r.Normal(); got != want {
		t.Errorf("rand.normal() = %v, want %v", got, want)
	}
	if got, want := c.Get("n").Int(), r.Intn(10); got != want {
		t.Errorf("rand.intn(10) = %v, want %v", got, want)
	}
	// The env's generator has advanced exactly as far as r.
	if env.RNG().Uint64() != r.Uint64() {
		t.Errorf("module did not draw from env.RNG()")
	}
}

func TestGenerators(t *testing.T) {
	c := mustRun(t, 1, `
rand := import("rand")
g := rand.new(5)
h := rand.new(5)
k := rand.new(6)
a := [g.float(), g.normal(), g.intn(100)]
b := [h.float(), h.normal(), h.intn(100)]
d := [k.float(), k.normal(), k.intn(100)]
x := rand.float()                 // the run's stream is untouched by g, h, k
gc := copy(g)
e1 := g.normals(3).to_array()
e2 := gc.normals(3).to_array()               // a copy continues the same stream
g.seed(5)
again := [g.float(), g.normal(), g.intn(100)]
str := string(g)
same := g == g
diff := g == h
`)
	if a, b := c.Get("a").String(), c.Get("b").String(); a != b {
		t.Errorf("rand.new(5) twice: %s vs %s", a, b)
	}
	if a, d := c.Get("a").String(), c.Get("d").String(); a == d {
		t.Errorf("rand.new(5) and rand.new(6) agree: %s", a)
	}
	if a, again := c.Get("a").String(), c.Get("again").String(); a != again {
		t.Errorf("g.seed(5) did not restart: %s vs %s", a, again)
	}
	if e1, e2 := c.Get("e1").String(), c.Get("e2").String(); e1 != e2 {
		t.Errorf("copy diverged: %s vs %s", e1, e2)
	}
	if got, want := c.Get("x").Float(), bohp.NewRNG(1).Float64(); got != want {
		t.Errorf("run stream disturbed by generators: %v, want %v", got, want)
	}
	if got := c.Get("str").String(); got != "rng(seed 5)" {
		t.Errorf("string(g) = %q", got)
	}
	if !c.Get("same").Bool() || c.Get("diff").Bool() {
		t.Errorf("generator equality is not identity")
	}
}

func TestRangesAndStatistics(t *testing.T) {
	c := mustRun(t, 3, `
rand := import("rand")
vec := import("vec")
N := 20000
u := rand.uniforms(N, -1, 3)
n := rand.normals(N, 2, 0.5)
s := rand.signs(N)
ints := []
counts := [0, 0, 0, 0]
for i := 0; i < 4000; i++ {
	k := rand.int(-2, 2)
	ints = append(ints, k)
	counts[k + 2] += 1
}
floats := []
for i := 0; i < 1000; i++ { floats = append(floats, rand.float()) }
p := rand.perm(50)
sh := rand.shuffle(vec.range(0, 50))
ch := rand.choice(vec.from([7]))
`)
	u := c.Get("u").Object().(*vec.Vec).Data
	n := c.Get("n").Object().(*vec.Vec).Data
	s := c.Get("s").Object().(*vec.Vec).Data
	meanStd := func(x []float64) (float64, float64) {
		m := 0.0
		for _, e := range x {
			m += e
		}
		m /= float64(len(x))
		v := 0.0
		for _, e := range x {
			v += (e - m) * (e - m)
		}
		return m, math.Sqrt(v / float64(len(x)))
	}
	for _, x := range u {
		if x < -1 || x >= 3 {
			t.Fatalf("uniform out of range: %v", x)
		}
	}
	if m, sd := meanStd(u); math.Abs(m-1) > 0.05 || math.Abs(sd-4/math.Sqrt(12)) > 0.05 {
		t.Errorf("uniforms(-1, 3): mean %v sd %v", m, sd)
	}
	if m, sd := meanStd(n); math.Abs(m-2) > 0.02 || math.Abs(sd-0.5) > 0.02 {
		t.Errorf("normals(2, 0.5): mean %v sd %v", m, sd)
	}
	plus := 0
	for _, x := range s {
		if x != 1 && x != -1 {
			t.Fatalf("sign %v", x)
		}
		if x == 1 {
			plus++
		}
	}
	if math.Abs(float64(plus)/float64(len(s))-0.5) > 0.02 {
		t.Errorf("signs: %d of %d positive", plus, len(s))
	}
	for i, k := range c.Get("counts").Array() {
		if k.(int64) < 850 || k.(int64) > 1150 {
			t.Errorf("int(-2, 2) drew %d a count of %v in 4000", i-2, k)
		}
	}
	for _, x := range c.Get("floats").Array() {
		if f := x.(float64); f < 0 || f >= 1 {
			t.Fatalf("float() = %v", f)
		}
	}
	perm := c.Get("p").Array()
	seen := make([]bool, 50)
	for _, x := range perm {
		seen[x.(int64)] = true
	}
	for i, ok := range seen {
		if !ok {
			t.Errorf("perm(50) misses %d", i)
		}
	}
	sh := append([]float64(nil), c.Get("sh").Object().(*vec.Vec).Data...)
	if sort.Float64sAreSorted(sh) {
		t.Errorf("shuffle left 50 elements in order")
	}
	sort.Float64s(sh)
	for i, x := range sh {
		if x != float64(i) {
			t.Fatalf("shuffle changed the elements: %v", sh)
		}
	}
	if c.Get("ch").Float() != 7 {
		t.Errorf("choice of one = %v", c.Get("ch"))
	}
}

func TestShuffleKeepsInput(t *testing.T) {
	c := mustRun(t, 9, `
rand := import("rand")
vec := import("vec")
a := [1, 2, 3, 4, 5, 6, 7, 8]
b := rand.shuffle(a)
v := vec.range(0, 8)
w := rand.shuffle(v)
e := rand.shuffle([])
`)
	if got := c.Get("a").String(); got != "[1, 2, 3, 4, 5, 6, 7, 8]" {
		t.Errorf("shuffle changed its input: %s", got)
	}
	if got := c.Get("v").String(); got != "vec[0, 1, 2, 3, 4, 5, 6, 7]" {
		t.Errorf("shuffle changed its vec input: %s", got)
	}
	if len(c.Get("b").Array()) != 8 || len(c.Get("e").Array()) != 0 {
		t.Errorf("shuffle lengths: %v %v", c.Get("b"), c.Get("e"))
	}
}

func TestErrors(t *testing.T) {
	cases := []struct {
		src  string
		want string
	}{
		{"rand.intn(0)", "rand.intn: argument n must be positive, got 0"},
		{"rand.intn(-3)", "rand.intn: argument n must be positive, got -3"},
		{`rand.intn("a")`, `rand.intn: argument n must be an int, got string "a"`},
		{"rand.intn(1.5)", "rand.intn: argument n must be an int, got float 1.5"},
		{"rand.int(3, 3)", "rand.int: need lo < hi (hi is excluded), got lo = 3, hi = 3"},
		{"rand.int(-9223372036854775807, 9223372036854775807)", "rand.int: range"},
		{"rand.uniform(2, 1)", "rand.uniform: need finite lo <= hi, got lo = 2, hi = 1"},
		{"rand.uniform(1)", "rand.uniform: wrong number of arguments: want 2, got 1"},
		{"rand.normal(0, -1)", "rand.normal: need a finite mean and a finite std >= 0"},
		{"rand.float(1)", "rand.float: wrong number of arguments: want 0, got 1"},
		{"rand.signs(-1)", "rand.signs: argument n must not be negative, got -1"},
		{"rand.normals(-1)", "rand.normals: argument n must not be negative"},
		{"rand.normals(3, 1)", "rand.normals: give both mean and std, or neither"},
		{"rand.uniforms(3, 1)", "rand.uniforms: give both lo and hi, or neither"},
		{"rand.uniforms(1 << 40)", "rand.uniforms: argument n = 1099511627776 is too large"},
		{"rand.perm(-2)", "rand.perm: argument n must not be negative"},
		{"rand.shuffle(3)", "rand.shuffle: argument a must be an array or a vec, got int 3"},
		{"rand.choice([])", "rand.choice: empty array"},
		{`rand.choice("abc")`, "rand.choice: argument a must be an array or a vec, got string"},
		{`rand.new("x")`, "rand.new: argument seed must be an int"},
		{"rand.categorical([0.5, 0.4])", "rand.categorical: probabilities sum to 0.9, not 1 (p = array [0.5, 0.4])"},
		{"rand.categorical([1.5, -0.5])", "rand.categorical: probability 0 is 1.5, not in [0, 1] (p = array [1.5, -0.5])"},
		{"rand.categorical([])", "rand.categorical: no probabilities (p = array [])"},
		{`rand.categorical("ab")`, "rand.categorical: argument p must be a vec or an array of numbers, got string"},
		{"rand.new(1).categorical([0.0/0.0, 1])", "rng.categorical: probability 0 is NaN, not in [0, 1]"},
		{"rand.new(1).intn(0)", "rng.intn: argument n must be positive, got 0"},
		{"rand.new(1).nosuch()", `rng: no method or field "nosuch"`},
		{"rand.new(1).seed()", "rng.seed: wrong number of arguments"},
	}
	for _, tc := range cases {
		_, _, err := runSeed(t, 1, "rand := import(\"rand\")\nx := "+tc.src)
		if err == nil {
			t.Errorf("%s: no error, want %q", tc.src, tc.want)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q, want %q", tc.src, err, tc.want)
		}
	}
}

func TestDocs(t *testing.T) {
	m := rand.Module
	built := m.Build(&lib.Env{})
	for _, f := range m.Funcs {
		if f.Doc == "" || f.Args == "" || f.Call == nil {
			t.Errorf("func %s lacks doc, args or implementation", f.Name)
		}
		if built[f.Name] == nil {
			t.Errorf("func %s not built", f.Name)
		}
	}
	if len(m.Types) != 1 || m.Types[0].Name != "rng" {
		t.Fatalf("types: %+v", m.Types)
	}
	g := rand.NewGen(bohp.NewRNG(1))
	if g.TypeName() != "rng" {
		t.Errorf("TypeName %q", g.TypeName())
	}
	documented := map[string]bool{}
	for _, me := range m.Types[0].Methods {
		documented[me.Name] = true
		if me.Doc == "" || me.Args == "" {
			t.Errorf("method rng.%s lacks doc", me.Name)
		}
		if _, err := g.IndexGet(&tengo.String{Value: me.Name}); err != nil {
			t.Errorf("documented method rng.%s: %v", me.Name, err)
		}
	}
	// Every module draw is also a generator method.
	for _, f := range m.Funcs {
		if f.Name != "new" && !documented[f.Name] {
			t.Errorf("rand.%s has no rng method", f.Name)
		}
	}
	key := &tengo.String{Value: "normal"}
	if n := testing.AllocsPerRun(100, func() { _, _ = g.IndexGet(key) }); n != 0 {
		t.Errorf("rng method lookup allocates %v times", n)
	}
}

// TestScripts runs testdata/*.tengo with three seeds.
func TestScripts(t *testing.T) {
	for _, seed := range []int64{1, 2, 12345} {
		scripttest.RunOpts(t, "testdata/*.tengo", scripttest.Options{Seed: seed})
	}
}

func BenchmarkNormal(b *testing.B) {
	env := &lib.Env{Seed: 1}
	f := rand.Module.Build(env)["normal"].(*tengo.UserFunction)
	for b.Loop() {
		_, _ = f.Value()
	}
}

// TestCallAllocations: a draw allocates its result and nothing for its
// arguments.
func TestCallAllocations(t *testing.T) {
	mod := rand.Module.Build(&lib.Env{Seed: 1})
	i4, zero, one := &tengo.Int{Value: 4}, &tengo.Float{Value: 0}, &tengo.Float{Value: 1}
	for _, c := range []struct {
		name string
		args []tengo.Object
		want float64
	}{
		{"normal", nil, 1},
		{"uniform", []tengo.Object{zero, one}, 1},
		{"signs", []tengo.Object{i4}, 2},
		{"normals", []tengo.Object{i4, zero, one}, 2},
	} {
		f := mod[c.name].(*tengo.UserFunction).Value
		if got := testing.AllocsPerRun(100, func() { _, _ = f(c.args...) }); got != c.want {
			t.Errorf("rand.%s allocates %v times, want %v", c.name, got, c.want)
		}
	}
}
