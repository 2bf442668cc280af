package cli

import (
	"strings"
	"testing"
)

// FuzzFlags: any -p, --sweep or --max-memory value is accepted or a usage
// error, never a panic; an accepted -p key=value is split at its first '='.
func FuzzFlags(f *testing.F) {
	for _, s := range []string{"episodes=10", "eta=0.5", "=1", "k=", "a=b=c", " k = v ", "seed=3", "x"} {
		f.Add(s, "retention=0.9,0.5", "8GiB")
	}
	f.Fuzz(func(t *testing.T, p, sweep, mem string) {
		if fl, err := parseFlags([]string{"-p", p, "x.tengo"}); err == nil {
			k, v, _ := strings.Cut(p, "=")
			if got, ok := fl.run.Overrides[strings.TrimSpace(k)]; ok && got != v {
				t.Fatalf("-p %q: %q = %q", p, strings.TrimSpace(k), got)
			}
		}
		if fl, err := parseFlags([]string{"--sweep", sweep, "x.tengo"}); err == nil && (fl.run.Sweep == nil || len(fl.run.Sweep.Values) == 0) {
			t.Fatalf("--sweep %q accepted without values", sweep)
		}
		if fl, err := parseFlags([]string{"--max-memory", mem, "x.tengo"}); err == nil && fl.memory.bytes < 0 {
			t.Fatalf("--max-memory %q: %d bytes", mem, fl.memory.bytes)
		}
	})
}
