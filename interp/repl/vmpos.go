package repl

import (
	"reflect"
	"unsafe"

	"github.com/d5/tengo/v2"
	"github.com/d5/tengo/v2/parser"
)

// vmPosition returns "\n\tat FILE:LINE:COL" for the instruction a VM was
// executing when it panicked (Tengo's VM does not recover Go panics such as
// integer division by zero, so its own error positions are not computed).
// It reads the VM's unexported instruction pointer and current function;
// should Tengo's layout change, it returns "".
func vmPosition(vm *tengo.VM, fset *parser.SourceFileSet) (pos string) {
	defer func() {
		if recover() != nil {
			pos = ""
		}
	}()
	v := reflect.ValueOf(vm).Elem()
	ipField := v.FieldByName("ip")
	frame := v.FieldByName("curFrame")
	if !ipField.IsValid() || ipField.Kind() != reflect.Int || !frame.IsValid() || frame.Kind() != reflect.Pointer || frame.IsNil() {
		return ""
	}
	fnField := frame.Elem().FieldByName("fn")
	if !fnField.IsValid() || fnField.Type() != reflect.TypeOf((*tengo.CompiledFunction)(nil)) {
		return ""
	}
	fn := *(**tengo.CompiledFunction)(unsafe.Pointer(fnField.UnsafeAddr()))
	if fn == nil {
		return ""
	}
	p := fset.Position(fn.SourcePos(int(ipField.Int()) - 1))
	if !p.IsValid() {
		return ""
	}
	return "\n\tat " + p.String()
}
