package interp

import "testing"

func TestSeedsText(t *testing.T) {
	runs := func(seeds ...int64) *Result {
		res := &Result{}
		for _, s := range seeds {
			res.Runs = append(res.Runs, &Run{Seed: s})
		}
		return res
	}
	for _, c := range []struct {
		res  *Result
		want string
	}{
		{runs(3), "seed 3"},
		{runs(0, 1, 2, 0, 1, 2), "3 seeds (0-2)"}, // a sweep runs each seed once per value
		{runs(9, 1, 5), "3 seeds (1, 5, 9)"},
	} {
		if got := seedsText(c.res); got != c.want {
			t.Errorf("seedsText: %q, want %q", got, c.want)
		}
	}
}
