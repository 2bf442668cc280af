package lib

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"sync/atomic"
	"time"

	"github.com/d5/tengo/v2"
)

// The memory budget (--max-memory): Go's "fatal error: out of memory" and
// the system's OOM killer end a process without a word, losing every run's
// results, so the process keeps its heap under a budget:
//
//   - the functions that allocate from a size a script gives (vec's and
//     rand's constructors, bohp.network) check it first (CheckAlloc,
//     against the live heap the watchdog last read): the error names the
//     function and the sizes;
//   - Go's garbage collector is given the budget as its memory limit
//     (debug.SetMemoryLimit), and Tengo's string and bytes size limits are
//     a quarter of it;
//   - a watchdog reads the heap (runtime/metrics) every few milliseconds;
//     when the live heap stays over the budget after a collection, it stops
//     the running runs (WatchMemory), each with a *MemoryError at the line
//     it was running (the VM is aborted), so that what they recorded is
//     written.

var (
	budget    atomic.Int64 // bytes; 0: none
	live      atomic.Int64 // the live heap in bytes, read by the watchdog every tick
	watchOnce sync.Once
	watchers  sync.Map // *watcher -> struct{}: the running runs
)

// MemoryError is a run stopped, or an allocation refused, by the memory
// budget.
type MemoryError struct {
	Fn     string // the function whose allocation was refused ("": the watchdog stopped the run)
	What   string // the sizes asked for, as the function names them ("rows × cols = 20000 × 20000"), if known
	Need   int64  // the bytes it asked for
	InUse  int64  // the live heap
	Budget int64
}

func (e *MemoryError) Error() string {
	if e.Fn == "" {
		return fmt.Sprintf("out of memory: the runs hold %s, more than the memory budget of %s (--max-memory)", Bytes(e.InUse), Bytes(e.Budget))
	}
	what := ""
	if e.What != "" {
		what = e.What + ": "
	}
	return fmt.Sprintf("%s: out of memory: %s%s more (%s in use) would exceed the memory budget of %s (--max-memory)", e.Fn, what, Bytes(e.Need), Bytes(e.InUse), Bytes(e.Budget))
}

// Bytes writes a size in bytes with a binary unit, e.g. "1.5 GiB".
func Bytes(n int64) string {
	units := []string{"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"}
	v, i := float64(n), 0
	for v >= 1024 && i < len(units)-1 {
		v /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%d B", n)
	}
	return fmt.Sprintf("%.3g %s", v, units[i])
}

// SetMemoryBudget sets the process's memory budget in bytes (<= 0: none)
// and starts the watchdog.
func SetMemoryBudget(n int64) {
	if n <= 0 {
		budget.Store(0)
		debug.SetMemoryLimit(math.MaxInt64)
		return
	}
	live.Store(readLiveHeap())
	budget.Store(n)
	debug.SetMemoryLimit(n)
	if limit := int(min(n/4, math.MaxInt32)); tengo.MaxStringLen != limit { // (unchanged: no write to race with a run)
		tengo.MaxStringLen, tengo.MaxBytesLen = limit, limit
	}
	watchOnce.Do(func() { go watchdog() })
}

// MemoryBudget returns the process's memory budget in bytes (0: none).
func MemoryBudget() int64 { return budget.Load() }

// CheckAlloc returns a *MemoryError when allocating n bytes more would
// take the live heap over the budget. Overflowed sizes (n < 0) are over.
// what, if not nil, says which sizes fn was given (MemoryError.What); it is
// a function so that the description is made only for an error.
func CheckAlloc(fn string, what func() string, n int64) error {
	b := budget.Load()
	if b == 0 {
		return nil
	}
	inUse := live.Load()
	if n < 0 || n > b-inUse {
		if n < 0 {
			n = math.MaxInt64
		}
		e := &MemoryError{Fn: fn, Need: n, InUse: inUse, Budget: b}
		if what != nil {
			e.What = what()
		}
		return e
	}
	return nil
}

// MulBytes is a*b*size, or -1 when it overflows (or a or b is negative).
func MulBytes(a, b, size int64) int64 {
	if a < 0 || b < 0 {
		return -1
	}
	if a != 0 && b > math.MaxInt64/size/a {
		return -1
	}
	return a * b * size
}

type watcher struct{ cancel context.CancelCauseFunc }

// WatchMemory registers a running run: the watchdog cancels it with a
// *MemoryError as the cause when the heap goes over the budget. stop
// unregisters it.
func WatchMemory(cancel context.CancelCauseFunc) (stop func()) {
	w := &watcher{cancel}
	watchers.Store(w, struct{}{})
	return func() { watchers.Delete(w) }
}

// readLiveHeap is the heap marked live by the last collection. (Reading
// it takes some 300 ns: CheckAlloc, which vec's constructors call at every
// step, reads the watchdog's copy, which changes only with a collection.)
func readLiveHeap() int64 {
	s := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	metrics.Read(s)
	return int64(s[0].Value.Uint64())
}

// watchdog keeps live and stops the runs when the heap stays over the
// budget.
func watchdog() {
	samples := []metrics.Sample{{Name: "/gc/heap/live:bytes"}, {Name: "/memory/classes/heap/objects:bytes"}}
	var lastGC time.Time
	for now := range time.Tick(10 * time.Millisecond) {
		b := budget.Load()
		if b == 0 {
			continue
		}
		metrics.Read(samples)
		live.Store(int64(samples[0].Value.Uint64()))
		if int64(samples[1].Value.Uint64()) <= b || now.Sub(lastGC) < 100*time.Millisecond {
			continue
		}
		runtime.GC() // garbage is not over the budget
		lastGC = time.Now()
		metrics.Read(samples)
		inUse := int64(samples[0].Value.Uint64())
		live.Store(inUse)
		if inUse <= b {
			continue
		}
		err := &MemoryError{InUse: inUse, Budget: b}
		watchers.Range(func(k, _ any) bool {
			k.(*watcher).cancel(err)
			return true
		})
	}
}
