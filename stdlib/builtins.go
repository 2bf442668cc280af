package stdlib

import (
	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Tengo renders a map by its String(), in Go's random map order, so the
// same map would print differently from run to run. bohpsh's string() and
// format() builtins are Tengo's with maps and arrays rendered by
// lib.Format (keys sorted); everything else is unchanged. Tengo's VM reads
// its builtins from one process-wide table, so they are wrapped there,
// once, when this package (which every run's module map comes from) is
// loaded.
func init() {
	for _, b := range tengo.GetAllBuiltinFunctions() {
		orig := b.Value
		switch b.Name {
		case "string":
			b.Value = func(args ...tengo.Object) (tengo.Object, error) {
				if len(args) == 0 || len(args) > 2 || !lib.IsContainer(args[0]) {
					return orig(args...)
				}
				s := lib.Format(args[0])
				if len(s) > tengo.MaxStringLen {
					return nil, tengo.ErrStringLimit
				}
				return &tengo.String{Value: s}, nil
			}
		case "format":
			b.Value = func(args ...tengo.Object) (tengo.Object, error) {
				wrapped := make([]tengo.Object, len(args))
				for i, a := range args {
					wrapped[i] = a
					if i > 0 {
						wrapped[i] = lib.Formatted(a)
					}
				}
				return orig(wrapped...)
			}
		}
	}
}
