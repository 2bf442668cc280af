package bohp

import (
	"fmt"
	"strings"
)

// The enums of this package number their values 0, 1, ... and keep their
// names in a table in that order (activationNames, lossNames, ...), which
// their String and Parse functions read through enumName and parseEnum.

// enumName is the name of v in names, or typ(v) for a value the table does
// not hold.
func enumName[E ~int](names []string, v E, typ string) string {
	if v >= 0 && int(v) < len(names) {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", typ, int(v))
}

// parseEnum is the value named s in names; an unknown name is an error that
// lists the known ones.
func parseEnum[E ~int](names []string, s, what string) (E, error) {
	for i, n := range names {
		if n == s {
			return E(i), nil
		}
	}
	return 0, fmt.Errorf("unknown %s %q (known: %s)", what, s, strings.Join(names, ", "))
}
