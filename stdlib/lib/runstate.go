package lib

// Params holds a run's declared parameters and its command-line overrides.
// Owned by the params module (stdlib/params) and interp; see there.
type Params struct {
	// Overrides are the -p key=value and --sweep values, as typed on the command line.
	Overrides map[string]string
}

// Metrics collects the per-episode values a run records. Owned by the
// metrics module (stdlib/metrics) and interp; see there.
type Metrics struct{}
