package yamlmod

import "github.com/bohpsh/bohpsh/stdlib/lib"

// Module is the "yaml" module.
var Module = &lib.Module{Name: "yaml", Doc: "YAML text to and from Tengo values; read and write YAML files", Funcs: []lib.Func{
	lib.Fn("decode", "(text string) -> value", "parses YAML text (the first document) into Tengo values", decode),
	lib.Fn("encode", "(value) -> string", "renders a value (map, array, number, bool, string, undefined; a vec as a list, a mat as a list of rows) as YAML text", encode),
	lib.Fn("read", "(path string) -> value", "reads and parses a YAML file (a relative path: in the run's own directory when the run wrote it, else the main script's folder, else the working directory; see the file sandbox)", read),
	lib.Fn("write", "(path string, value)", "writes a value as YAML, atomically (a relative path: in the run's own directory, seed-<S>/ of the output directory, parent directories created; see the file sandbox)", write),
}}
