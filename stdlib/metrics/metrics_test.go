package metrics_test

import (
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }

func TestErrors(t *testing.T) {
	cases := map[string]string{
		`metrics.record("a", 1)`:                                     "metrics.record: wrong number of arguments: want 3, got 2",
		`metrics.record(1, 1, 1)`:                                    "metrics.record: argument name must be a string, got int 1",
		`metrics.record("a", 1.5, 1)`:                                "metrics.record: argument episode must be an int, got float 1.5",
		`metrics.record("a", -1, 1)`:                                 "metrics.record: episode must be >= 0, got -1",
		`metrics.record("a", 1, "x")`:                                `metrics.record: value of a must be a number or bool, got string "x"`,
		`metrics.record("a", 1, 1); metrics.record("a", 1, 2)`:       `metrics.record: metric "a" already has a value for episode 1`,
		`metrics.record("", 1, 1)`:                                   "metrics.record: empty metric name",
		`metrics.record("a\nb", 1, 1)`:                               `metrics.record: metric name "a\nb" holds a control character (U+000A at byte 1)`,
		`metrics.record("a\x7f", 1, 1)`:                              `metrics.record: metric name "a\x7f" holds a control character (U+007F at byte 1)`,
		`metrics.record("\xff", 1, 1)`:                               `metrics.record: metric name "\xff" is not valid UTF-8`,
		`metrics.record("a/b", 0, 1); metrics.record("a_b", 1, 1)`:   `metrics.record: metric names "a/b" and "a_b" would share one figure file, a_b.png: rename one of them`,
		`metrics.record("a_b", 0, 1); metrics.record("a:b", 1, 1)`:   `metrics.record: metric names "a_b" and "a:b" would share one figure file, a_b.png: rename one`,
		`metrics.record(".", 0, 1); metrics.record("metric", 1, 1)`:  `metric names "." and "metric" would share one figure file, metric.png`,
		`metrics.record("Loss", 0, 1); metrics.record("loss", 1, 1)`: `metric names "Loss" and "loss" would share one figure file, Loss.png (file names that differ only in case are one file on macOS and Windows)`,
		`metrics.record_map(1, {"a/b": 1, "a\\b": 2})`:               `metrics.record_map: metric names "a/b" and "a\\b" would share one figure file, a_b.png`,
		`metrics.record_map(1, {a: "x"})`:                            `metrics.record_map: value of a must be a number or bool, got string "x"`,
		`metrics.record_map(1, [1])`:                                 "metrics.record_map: argument values must be a map, got array [1]",
		`metrics.final_last(0)`:                                      "metrics.final_last: count must be >= 1, got 0",
		`metrics.final("nope")`:                                      `metrics.final: no metric "nope" recorded`,
		`metrics.progress(-1)`:                                       "metrics.progress: done and total must be >= 0",
		`metrics.progress(10, 5)`:                                    "x.tengo:2:1: metrics.progress: done = 10 is more than total = 5: done counts the episodes run so far, total those planned in all",
	}
	scripttest.WantErrors(t, `metrics := import("metrics")`, cases)
}
