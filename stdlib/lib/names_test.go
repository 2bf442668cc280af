package lib_test

import (
	"strings"
	"testing"

	"github.com/bohpsh/bohpsh/stdlib/lib"
)

func TestFileNames(t *testing.T) {
	for name, want := range map[string]string{
		"error": "error", "a b": "a b", "a/b": "a_b", `a\b`: "a_b", "a:b": "a_b", "a\x00b": "a_b",
		"": "metric", ".": "metric", "..": "metric", "...": "...", "/": "_",
	} {
		if got := lib.MetricFile(name); got != want {
			t.Errorf("lib.MetricFile(%q) = %q, want %q", name, got, want)
		}
	}
	same := [][2]string{{"Loss", "loss"}, {"ERROR", "error"}, {"Σ", "ς"}, {"σ", "Σ"}, {"K", "\u212a"}}
	for _, p := range same {
		if lib.FileKey(p[0]) != lib.FileKey(p[1]) {
			t.Errorf("lib.FileKey(%q) != lib.FileKey(%q)", p[0], p[1])
		}
	}
	for _, p := range [][2]string{{"a", "b"}, {"a_b", "a-b"}, {"loss", "loss2"}} {
		if lib.FileKey(p[0]) == lib.FileKey(p[1]) {
			t.Errorf("lib.FileKey(%q) == lib.FileKey(%q)", p[0], p[1])
		}
	}
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"error", "a/b", "accuracy %", "σ", "a b"} {
		if err := lib.CheckName("metric name", ok); err != nil {
			t.Errorf("CheckName(%q): %v", ok, err)
		}
	}
	for name, want := range map[string]string{
		"":       "empty metric name",
		"a\nb":   `metric name "a\nb" holds a control character (U+000A at byte 1)`,
		"\u0085": `metric name "\u0085" holds a control character (U+0085 at byte 0)`,
		"a\xffb": `metric name "a\xffb" is not valid UTF-8`,
	} {
		if err := lib.CheckName("metric name", name); err == nil || err.Error() != want {
			t.Errorf("CheckName(%q) = %v, want %s", name, err, want)
		}
	}
}

// A run's names read back from its record meet the rules a new metric
// meets (Metrics.CheckNew), in the order the run recorded them.
func TestCheckMetricNames(t *testing.T) {
	for names, want := range map[string]string{
		"a b c":     "",
		"a/b a_b":   `metric names "a/b" and "a_b" would share one figure file, a_b.png: rename one of them`,
		"x X":       `metric names "x" and "X" would share one figure file, x.png (file names that differ only in case`,
		"a x\ny":    `metric name "x\ny" holds a control character (U+000A at byte 1)`,
		"a a":       `metric name "a" is listed twice`,
		"a \xff":    `metric name "\xff" is not valid UTF-8`,
		"ok .. ...": "",
	} {
		err := lib.CheckMetricNames(strings.Split(names, " "))
		if want == "" && err != nil || want != "" && (err == nil || !strings.Contains(err.Error(), want)) {
			t.Errorf("%q: %v, want %q", names, err, want)
		}
	}
}
