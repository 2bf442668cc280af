package repl

import (
	"reflect"
	"strings"
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// vmPosition returns "\n\tat FILE:LINE:COL" for the instruction a VM was
// executing when it panicked, then one such line per calling frame, as
// tengo.VM.Run writes them for runtime errors (Tengo's VM does not recover
// Go panics such as integer division by zero, so it computes no position
// for them). It reads the unexported fields of tengo v2.17.0's VM (ip,
// framesIndex, frames[i].fn, frames[i].ip); if the layout differs it
// returns "".
func vmPosition(vm *tengo.VM, fset *parser.SourceFileSet) (pos string) {
	defer func() {
		if recover() != nil {
			pos = ""
		}
	}()
	v := reflect.ValueOf(vm).Elem()
	ipField, fiField, frames := v.FieldByName("ip"), v.FieldByName("framesIndex"), v.FieldByName("frames")
	if ipField.Kind() != reflect.Int || fiField.Kind() != reflect.Int || frames.Kind() != reflect.Array {
		return ""
	}
	fnType := reflect.TypeOf((*tengo.CompiledFunction)(nil))
	fnAt := func(i int) *tengo.CompiledFunction {
		f := frames.Index(i).FieldByName("fn")
		if f.Type() != fnType {
			return nil
		}
		return *(**tengo.CompiledFunction)(unsafe.Pointer(f.UnsafeAddr()))
	}
	n := int(fiField.Int())
	if n < 1 || n > frames.Len() {
		return ""
	}
	var b strings.Builder
	add := func(fn *tengo.CompiledFunction, ip int) bool {
		if fn == nil {
			return false
		}
		p := fset.Position(fn.SourcePos(ip - 1))
		if !p.IsValid() {
			return false
		}
		b.WriteString("\n\tat ")
		b.WriteString(p.String())
		return true
	}
	// The current frame's ip lives in vm.ip; callers' in frames[i].ip.
	if !add(fnAt(n-1), int(ipField.Int())) {
		return ""
	}
	for i := n - 2; i >= 0; i-- {
		if !add(fnAt(i), int(frames.Index(i).FieldByName("ip").Int())) {
			break
		}
	}
	return b.String()
}
