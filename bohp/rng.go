package bohp

import "math"

// RNG is a seeded random number generator owned by one run (xoshiro256**,
// seeded through SplitMix64). It never touches Go's global source, and its
// output depends only on the seed: integer arithmetic plus a portable log
// (no assembly, no fused multiply-add), so the same seed gives the same
// numbers on every machine and architecture.
//
// An RNG is not safe for concurrent use; give each run its own.
type RNG struct {
	s        [4]uint64
	spare    float64
	hasSpare bool
}

// NewRNG returns a generator seeded with seed.
func NewRNG(seed int64) *RNG {
	r := &RNG{}
	r.Seed(seed)
	return r
}

// Seed resets the generator to the stream of seed.
func (r *RNG) Seed(seed int64) {
	x := uint64(seed)
	for i := range r.s {
		x += 0x9e3779b97f4a7c15
		z := x
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
		z = (z ^ (z >> 27)) * 0x94d049bb133111eb
		r.s[i] = z ^ (z >> 31)
	}
	r.hasSpare = false
	r.spare = 0
}

func rotl(x uint64, k uint) uint64 { return (x << k) | (x >> (64 - k)) }

// Uint64 returns 64 uniformly random bits.
func (r *RNG) Uint64() uint64 {
	s := &r.s
	result := rotl(s[1]*5, 7) * 9
	t := s[1] << 17
	s[2] ^= s[0]
	s[3] ^= s[1]
	s[1] ^= s[2]
	s[0] ^= s[3]
	s[2] ^= t
	s[3] = rotl(s[3], 45)
	return result
}

// Float64 returns a uniform number in [0, 1) with 53 random bits.
func (r *RNG) Float64() float64 { return float64(r.Uint64()>>11) * (1.0 / (1 << 53)) }

// Uniform returns a uniform number in [lo, hi).
func (r *RNG) Uniform(lo, hi float64) float64 { return lo + float64((hi-lo)*r.Float64()) }

// Intn returns a uniform integer in [0, n); n must be positive.
func (r *RNG) Intn(n int) int {
	if n <= 0 {
		panic("bohp: RNG.Intn: n must be positive")
	}
	// Rejection sampling removes modulo bias.
	un := uint64(n)
	limit := math.MaxUint64 - math.MaxUint64%un
	for {
		v := r.Uint64()
		if v < limit {
			return int(v % un)
		}
	}
}

// Normal returns a standard Gaussian number (Marsaglia's polar method).
func (r *RNG) Normal() float64 {
	if r.hasSpare {
		r.hasSpare = false
		return r.spare
	}
	for {
		u := float64(2*r.Float64()) - 1
		v := float64(2*r.Float64()) - 1
		s := float64(u*u) + float64(v*v)
		if s > 0 && s < 1 {
			f := math.Sqrt(float64(-2*portableLog(s)) / s)
			r.spare = float64(v * f)
			r.hasSpare = true
			return float64(u * f)
		}
	}
}

// FillNormal fills dst with mean + std * N(0,1).
func (r *RNG) FillNormal(dst []float64, mean, std float64) {
	for i := range dst {
		dst[i] = mean + float64(std*r.Normal())
	}
}

// FillUniform fills dst with uniform numbers in [lo, hi).
func (r *RNG) FillUniform(dst []float64, lo, hi float64) {
	for i := range dst {
		dst[i] = r.Uniform(lo, hi)
	}
}

// FillSigns fills dst with -1 or +1, each with probability 1/2.
func (r *RNG) FillSigns(dst []float64) {
	for i := range dst {
		if r.Uint64()>>63 == 1 {
			dst[i] = 1
		} else {
			dst[i] = -1
		}
	}
}

// Perm fills dst with a uniform random permutation of 0..len(dst)-1.
func (r *RNG) Perm(dst []int) {
	for i := range dst {
		dst[i] = i
	}
	for i := len(dst) - 1; i > 0; i-- {
		j := r.Intn(i + 1)
		dst[i], dst[j] = dst[j], dst[i]
	}
}

// State returns the generator's full state, for checkpoints.
func (r *RNG) State() [4]uint64 { return r.s }

// SetState restores a state returned by State (the Gaussian spare is dropped).
func (r *RNG) SetState(s [4]uint64) { r.s = s; r.hasSpare = false }

// portableLog is the natural logarithm of x > 0, written in plain Go (the
// algorithm of Go's math.Log, from FreeBSD's e_log.c) with every product
// rounded explicitly, so no platform's assembly or FMA changes a bit.
func portableLog(x float64) float64 {
	const (
		ln2Hi = 6.93147180369123816490e-01
		ln2Lo = 1.90821492927058770002e-10
		L1    = 6.666666666666735130e-01
		L2    = 3.999999999940941908e-01
		L3    = 2.857142874366239149e-01
		L4    = 2.222219843214978396e-01
		L5    = 1.818357216161805012e-01
		L6    = 1.531383769920937332e-01
		L7    = 1.479819860511658591e-01
	)
	f1, ki := math.Frexp(x)
	if f1 < math.Sqrt2/2 {
		f1 *= 2
		ki--
	}
	f := f1 - 1
	k := float64(ki)
	s := f / float64(2+f)
	s2 := float64(s * s)
	s4 := float64(s2 * s2)
	t1 := float64(s2 * float64(L1+float64(s4*float64(L3+float64(s4*float64(L5+float64(s4*L7)))))))
	t2 := float64(s4 * float64(L2+float64(s4*float64(L4+float64(s4*L6)))))
	R := t1 + t2
	hfsq := float64(float64(0.5*f) * f)
	return float64(k*ln2Hi) - ((hfsq - (float64(s*float64(hfsq+R)) + float64(k*ln2Lo))) - f)
}
