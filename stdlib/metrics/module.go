package metrics

import "github.com/bohpsh/bohpsh/stdlib/lib"

// Module is the "metrics" module.
var Module = &lib.Module{Name: "metrics", Doc: "record per-episode values (metrics.csv, summary.yaml, figures) and say which episodes are final", Funcs: []lib.Func{
	lib.Fn("record", "(name string, episode int, value number|bool)", "records the value of metric name at episode (at most one value per metric and episode; a bool counts as 1 or 0); a name is refused if empty, if it holds a control character, or if its figure file (name.png, with / \\ : as _) is another metric's, also in another case (a/b and a_b, Loss and loss)", record),
	lib.Fn("record_map", "(episode int, values map)", "records several metrics {name: value} at episode, e.g. metrics.record_map(ep, {\"error\": e, accuracy: a}) (a name that is a Tengo keyword, such as error, is quoted)", recordMap),
	lib.Fn("final_last", "(count int)", "the last count recorded episodes of each metric are final (default: 1)", finalLast),
	lib.Fn("final_from", "(episode int)", "episodes >= episode are final", finalFrom),
	lib.Fn("final", "(name string) -> float", "this run's final value of metric name: the mean over its final episodes so far (NaN if none)", final),
	lib.Fn("values", "(name string) -> array", "the recorded values of metric name, by episode", values),
	lib.Fn("episodes", "(name string) -> array", "the episodes at which metric name was recorded, increasing", episodes),
	lib.Fn("names", "() -> array", "the recorded metric names, in the order of their first record", names),
	lib.Fn("progress", "(done int, total int?)", "sets the run's progress (progress bar, episodes_per_second): episodes done and planned (done <= total; total 0 or left out: unchanged); by default done is the number of recorded episodes of the longest metric, and planned the int parameter \"episodes\" if declared", progress),
}}
