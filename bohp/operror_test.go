package bohp

import (
	"fmt"
	"testing"
)

// OpDetail drops the operation's name from an error, also when the error
// is wrapped, and leaves other errors as they are.
func TestOpDetail(t *testing.T) {
	op := opErrorf("save checkpoint", "layer %s: %v", "h", "bad")
	for _, c := range []struct {
		err  error
		want string
	}{
		{op, "layer h: bad"},
		{fmt.Errorf("writing n.yaml: %w", op), "writing n.yaml: layer h: bad"},
		{fmt.Errorf("plain: %v", "x"), "plain: x"},
	} {
		if got := OpDetail(c.err); got != c.want {
			t.Errorf("OpDetail(%q) = %q, want %q", c.err, got, c.want)
		}
	}
	if op.Error() != "save checkpoint: layer h: bad" {
		t.Errorf("Error() = %q", op.Error())
	}
}
