// Package stats holds the order statistics bohpsh reports: type-7
// quantiles and per-episode median and interquartile bands across seeds.
package stats

import (
	"math"
	"slices"
)

// Quantile returns the q-quantile (0 <= q <= 1) of sorted, which must be
// sorted in increasing order and hold no NaN. The definition is linear
// interpolation between order statistics (Hyndman & Fan type 7, the default
// of R and NumPy): with n values and h = (n-1)q, the result is
// sorted[floor(h)] + (h-floor(h)) * (sorted[floor(h)+1] - sorted[floor(h)]).
// So Quantile(s, 0) is the minimum, Quantile(s, 1) the maximum and
// Quantile(s, 0.5) the usual median. It returns NaN for an empty slice or a
// q outside [0, 1] (or NaN).
func Quantile(sorted []float64, q float64) float64 {
	n := len(sorted)
	if n == 0 || !(q >= 0 && q <= 1) {
		return math.NaN()
	}
	h := float64(n-1) * q
	lo := int(math.Floor(h))
	if lo >= n-1 {
		return sorted[n-1]
	}
	frac := h - float64(lo)
	if frac == 0 {
		return sorted[lo]
	}
	return sorted[lo] + frac*(sorted[lo+1]-sorted[lo])
}

// Bands returns, for every episode, the median and the 25th and 75th
// percentiles (Quantile, type 7) of the values of the seeds, with
// perSeed[seed][episode]. Seeds may have different lengths (an interrupted
// run): the result has the length of the longest seed, and episode e is
// summarised over the seeds that have it. NaN and ±Inf values are skipped;
// an episode with no finite value at all gets NaN in all three results.
// With a single seed the three curves coincide.
func Bands(perSeed [][]float64) (median, q25, q75 []float64) {
	n := 0
	for _, s := range perSeed {
		n = max(n, len(s))
	}
	median = make([]float64, n)
	q25 = make([]float64, n)
	q75 = make([]float64, n)
	buf := make([]float64, 0, len(perSeed))
	for e := range n {
		buf = buf[:0]
		for _, s := range perSeed {
			if e < len(s) && IsFinite(s[e]) {
				buf = append(buf, s[e])
			}
		}
		if len(buf) == 0 {
			median[e], q25[e], q75[e] = math.NaN(), math.NaN(), math.NaN()
			continue
		}
		slices.Sort(buf)
		median[e] = Quantile(buf, 0.5)
		q25[e] = Quantile(buf, 0.25)
		q75[e] = Quantile(buf, 0.75)
	}
	return median, q25, q75
}

func IsFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
