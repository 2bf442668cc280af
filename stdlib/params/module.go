package params

import "github.com/bohpsh/bohpsh/stdlib/lib"

// Module is the "params" module.
var Module = &lib.Module{Name: "params", Doc: "script parameters with defaults, overridden from the command line (-p key=value, --sweep)", Funcs: []lib.Func{
	lib.Fn("declare", "(defaults map, docs map?) -> immutable map", "declares parameters {name: default} (int, float, bool, string) with optional one-line docs {name: doc}; returns their resolved values", declare),
	lib.Fn("get", "(name string) -> value", "the resolved value of a declared parameter", get),
	lib.Fn("check", "(ok bool, message string)", "fails the run with message (a usage error: exit status 2) unless ok, for checks that defaults cannot express: params.check(p.frozen <= p.episodes, format(\"frozen = %d must not exceed episodes = %d\", p.frozen, p.episodes))", check),
	lib.Fn("overridden", "(name string) -> bool", "whether a declared parameter was set from the command line", overridden),
}}
