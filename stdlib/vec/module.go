package vec

import "github.com/bohpsh/bohpsh/stdlib/lib"

// Module is the script module "vec": its two object types (methods in
// vecmethods.go, matmethods.go) and its functions (constructors.go).
var Module = &lib.Module{Name: "vec", Doc: "float vectors (vec) and row-major matrices (mat) held in Go, for per-step inputs, targets and outputs", Types: []lib.Type{
	vecMethods.Type("float vector: v[i] reads and v[i] = x writes (index in [0, len)); for i, x in v iterates; " +
		"v + w, v - w, v * w, v / w are element-wise with a vec or array of the same length or a number on the right (write v * 2: Tengo cannot dispatch 2 * v), giving a new vec; " +
		"v == w compares length and values; elements are floats, so compare them with 0.0, not 0 (in Tengo 0.0 == 0 is false)"),
	matMethods.Type("row-major float matrix: m[i] is a vec view of row i sharing memory (m[i][j] = x writes m), m[i] = w copies w into row i; " +
		"for i, row in m iterates rows (views); + - * / are element-wise with a mat of the same shape or a number on the right; " +
		"m == w compares shape and values"),
}, Funcs: []lib.Func{
	lib.Fn("zeros", "(n int) -> vec", "new vec of n zeros", zeros),
	lib.Fn("ones", "(n int) -> vec", "new vec of n ones", ones),
	lib.Fn("full", "(n int, x number) -> vec", "new vec of n copies of x", full),
	lib.Fn("from", "(a array|vec) -> vec", "new vec from an array of numbers (or a copy of a vec)", from),
	lib.Fn("onehot", "(n int, i int) -> vec", "new vec of n zeros with a 1 at index i", onehot),
	lib.Fn("concat", "(parts ...vec|array|number) -> vec", "new vec of the parts' elements in order", concat),
	lib.Fn("range", "(lo number, hi number[, step number]) -> vec", "new vec lo, lo+step, ... below hi (step defaults to 1; a negative step counts down)", rangeVec),
	lib.Fn("linspace", "(lo number, hi number, n int) -> vec", "new vec of n evenly spaced values from lo to hi inclusive", linspace),
	lib.Fn("mat", "(rows int, cols int) -> mat", "new rows x cols matrix of zeros", newMatFn),
	lib.Fn("mat_from", "(rows array) -> mat", "new mat from an array of rows (arrays of numbers or vecs, equal lengths)", matFrom),
	lib.Fn("eye", "(n int) -> mat", "new n x n identity matrix", eye),
	lib.Fn("stack", "(rows ...vec|array) -> mat", "new mat whose rows are copies of the given vecs (or one array of them)", stack),
}}
