package params

import "github.com/bohpsh/bohpsh/stdlib/lib"

// Module is the "params" module.
var Module = &lib.Module{Name: "params", Doc: "script parameters with defaults, overridden from the command line (-p key=value, --sweep)", Funcs: []lib.Func{
	lib.Fn("declare", "(defaults map, docs map?, constraints map?) -> immutable map", "declares parameters {name: default} (int, float, bool, string) with optional one-line docs {name: doc} and the values each accepts {name: \">= 1\" | \"in [0, episodes]\" | \"one of bptt, forward\" | ... and ...} (a number must also be finite unless a bound is inf: \"in [0, inf]\"; a value from the command line that breaks one is a usage error); returns their resolved values", declare),
	lib.Fn("get", "(name string) -> value", "the resolved value of a declared parameter", get),
	lib.Fn("check", "(ok bool, message string)", "fails the run with message (a usage error: exit status 2) unless ok, for checks that declare's constraints cannot express: params.check(p.k <= 1 << p.n, format(\"%d distinct patterns of %d cells do not exist\", p.k, p.n))", check),
	lib.Fn("fail", "(message string)", "fails this run with message (a runtime error: exit status 1; the other runs go on), for a check of what the run computed, which another seed may pass: if !is_float(err) { params.fail(format(\"episode %d: no error\", ep)) }", fail),
	lib.Fn("overridden", "(name string) -> bool", "whether a declared parameter was set from the command line", overridden),
}}
