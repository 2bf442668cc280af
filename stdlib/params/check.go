package params

import (
	"errors"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// check fails the run with the script's own message: Tengo has no way to
// raise an error, and a script (or the tasks module) that checks its
// parameters needs one. The failure is a usage error (exit status 2): the
// parameters given do not fit together.
func check(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var ok bool
	var message string
	if err := lib.UnpackArgs(fn, args, "ok, message", &ok, &message); err != nil {
		return nil, err
	}
	if !ok {
		if message == "" { // a failure must still say something
			return nil, &lib.UsageError{Err: lib.Errorf(fn, "a check failed (its message is empty)")}
		}
		return nil, &lib.UsageError{Err: errors.New(message)}
	}
	return tengo.UndefinedValue, nil
}

// fail fails the run with the script's own message as a runtime error of
// this run (exit status 1): for a check of what the run computed (an
// episode's result, a label its data gave), which another seed's run may
// pass. Unlike a usage error it stops no other run.
func fail(_ *lib.Env, fn string, args []tengo.Object) (tengo.Object, error) {
	var message string
	if err := lib.UnpackArgs(fn, args, "message", &message); err != nil {
		return nil, err
	}
	if message == "" { // a failure must still say something
		return nil, lib.Errorf(fn, "the run failed (the message is empty)")
	}
	return nil, errors.New(message)
}
