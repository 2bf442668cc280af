package vec

import (
	"sort"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// method is one script-visible method of an object type T: its
// documentation and its implementation, which receives the qualified name
// ("vec.add") for error messages.
type method[T any] struct {
	Name string
	Args string
	Doc  string
	Fn   func(self T, fn string, args []tengo.Object) (tengo.Object, error)
}

// methodSet is the immutable method table of one type, shared by all
// objects of the type. Objects cache their bound methods (see lookup).
type methodSet[T any] struct {
	typeName  string
	list      []method[T]
	index     map[string]int
	qualified []string
	names     string // sorted, comma separated, for the unknown-member error
}

func newMethodSet[T any](typeName string, list []method[T]) *methodSet[T] {
	ms := &methodSet[T]{typeName: typeName, list: list, index: make(map[string]int, len(list))}
	var names []string
	for i, m := range list {
		if _, dup := ms.index[m.Name]; dup {
			panic("vec: duplicate method " + typeName + "." + m.Name)
		}
		ms.index[m.Name] = i
		ms.qualified = append(ms.qualified, typeName+"."+m.Name)
		names = append(names, m.Name)
	}
	sort.Strings(names)
	ms.names = strings.Join(names, ", ")
	return ms
}

// lookup returns self's bound method named by key. The bound function is
// made on the first lookup of that method on that object and cached in
// *bound, so repeated lookups (a method call in a loop) do not allocate.
func (ms *methodSet[T]) lookup(self T, bound *[]*tengo.UserFunction, key *tengo.String) (tengo.Object, error) {
	i, ok := ms.index[key.Value]
	if !ok {
		return nil, lib.Errorf(ms.typeName, "no method or field %q (methods: %s)", key.Value, ms.names)
	}
	if *bound == nil {
		*bound = make([]*tengo.UserFunction, len(ms.list))
	}
	if f := (*bound)[i]; f != nil {
		return f, nil
	}
	fn := ms.list[i].Fn
	q := ms.qualified[i]
	f := &tengo.UserFunction{Name: q, Value: func(args ...tengo.Object) (tengo.Object, error) {
		return fn(self, q, args)
	}}
	(*bound)[i] = f
	return f, nil
}

// docs returns the documentation entries of the methods, in table order.
func (ms *methodSet[T]) docs() []lib.Method {
	out := make([]lib.Method, len(ms.list))
	for i, m := range ms.list {
		out[i] = lib.Method{Name: m.Name, Args: m.Args, Doc: m.Doc}
	}
	return out
}
