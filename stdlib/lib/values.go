package lib

import (
	"errors"
	"fmt"
	"reflect"
	"unsafe"

	"github.com/d5/tengo/v2"
)

// MaxDepth is the deepest nesting of arrays and maps that the functions
// walking values (printing, string, copy, format, ==, Tengo's text and
// json modules) accept. Tengo walks values recursively on the Go stack,
// where a value that contains itself, or one nested millions deep, is a
// fatal stack overflow: CheckAcyclic refuses them first.
const MaxDepth = 100_000

// ErrContainsItself is the error of a value that contains itself.
var ErrContainsItself = errors.New("the value contains itself (an array or map that is its own element, at some depth), which cannot be printed, compared or copied")

// CheckAcyclic returns an error when o contains itself or is nested
// deeper than MaxDepth; nil for every other value (at once for one that
// holds no other values).
func CheckAcyclic(o tengo.Object) error {
	if !HoldsValues(o) {
		return nil
	}
	type frame struct {
		key   unsafe.Pointer
		elems []tengo.Object
	}
	// Depth-first, on a stack of its own; a value is "open" while its
	// elements are walked (met again: a cycle) and "done" after (met
	// again: shared, not walked again).
	const open, done = 1, 2
	state := map[unsafe.Pointer]int8{}
	var stack []frame
	push := func(o tengo.Object) error {
		key := unsafe.Pointer(reflect.ValueOf(o).Pointer())
		switch state[key] {
		case open:
			return ErrContainsItself
		case done:
			return nil
		}
		if len(stack) >= MaxDepth {
			return fmt.Errorf("the value is nested deeper than %d arrays or maps", MaxDepth)
		}
		state[key] = open
		stack = append(stack, frame{key, elements(o)})
		return nil
	}
	if err := push(o); err != nil {
		return err
	}
	for len(stack) > 0 {
		top := &stack[len(stack)-1]
		if len(top.elems) == 0 {
			state[top.key] = done
			stack = stack[:len(stack)-1]
			continue
		}
		e := top.elems[0]
		top.elems = top.elems[1:]
		if HoldsValues(e) {
			if err := push(e); err != nil {
				return err
			}
		}
	}
	return nil
}

// HoldsValues reports whether o is a value Tengo walks into: an array, a
// map (mutable or not) or an error.
func HoldsValues(o tengo.Object) bool {
	switch o.(type) {
	case *tengo.Array, *tengo.ImmutableArray, *tengo.Map, *tengo.ImmutableMap, *tengo.Error:
		return true
	}
	return false
}

// elements lists the values inside o.
func elements(o tengo.Object) []tengo.Object {
	switch o := o.(type) {
	case *tengo.Array:
		return o.Value
	case *tengo.ImmutableArray:
		return o.Value
	case *tengo.Map:
		return mapValues(o.Value)
	case *tengo.ImmutableMap:
		return mapValues(o.Value)
	case *tengo.Error:
		return []tengo.Object{o.Value}
	}
	return nil
}

func mapValues(m map[string]tengo.Object) []tengo.Object {
	out := make([]tengo.Object, 0, len(m))
	for _, v := range m {
		out = append(out, v)
	}
	return out
}

// CheckArgs checks every argument with CheckAcyclic; the error names fn.
func CheckArgs(fn string, args []tengo.Object) error {
	for _, a := range args {
		if err := CheckAcyclic(a); err != nil {
			return Errorf(fn, "%v", err)
		}
	}
	return nil
}

// maxDescribe is the most characters of a value an error message shows.
const maxDescribe = 40

// Describe renders a value for an error message: its type and the start
// of its Tengo form (Sketch, at most maxDescribe characters), so that a
// huge value, or one that contains itself, costs nothing.
func Describe(o tengo.Object) string {
	return fmt.Sprintf("%s %s", o.TypeName(), Sketch(o, maxDescribe))
}
