package stdlib_test

import (
	"testing"

	"github.com/bohpsh/bohpsh/interp/scripttest"
)

func TestScripts(t *testing.T) { scripttest.Run(t, "testdata/*.tengo") }
