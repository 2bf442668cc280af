package bohp

import (
	"testing"
	"time"
)

// The runner measures both ways of running a sweep, then keeps to the
// faster one, trying the other one sweep in probeEvery.
func TestSweepStatsChoosesFaster(t *testing.T) {
	for _, helpersFaster := range []bool{true, false} {
		var s sweepStats
		alone, helped := time.Millisecond, 3*time.Millisecond/2
		if helpersFaster {
			alone, helped = helped, alone
		}
		counts := [2]int{}
		for range 10 * probeEvery {
			h := s.helped()
			d := alone
			if h {
				d, counts[1] = helped, counts[1]+1
			} else {
				counts[0]++
			}
			s.record(h, d)
		}
		slow, fast := counts[1], counts[0]
		if helpersFaster {
			slow, fast = fast, slow
		}
		if slow > 10+1 || fast < 9*probeEvery {
			t.Errorf("helpers faster %v: %d sweeps the slow way, %d the fast way; want one in %d the slow way", helpersFaster, slow, fast, probeEvery)
		}
	}
}
