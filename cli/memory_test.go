package cli

import "testing"

func TestParseMemory(t *testing.T) {
	total := func() int64 { return 16 << 30 }
	for in, want := range map[string]int64{
		"8GiB": 8 << 30, "500MB": 500e6, "500mb": 500e6, "1.5g": 1.5e9, "1e9": 1e9, "1024": 1024, "64 MiB": 64 << 20,
		"50%": 8 << 30, "100%": 16 << 30, "0": 0,
	} {
		got, err := parseMemory(in, total)
		if err != nil || got != want {
			t.Errorf("%q: %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"", "lots", "-1GiB", "0%", "150%", "8 GiBs", "1e30", "NaN", "0.5", "0.0001k"} {
		if got, err := parseMemory(in, total); err == nil {
			t.Errorf("%q: %d, want an error", in, got)
		}
	}
	if n := totalMemory(); n < 1<<28 {
		t.Errorf("the machine's memory reads as %d bytes", n)
	}
}
