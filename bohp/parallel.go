package bohp

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// A sweep over a layer's rows is cut into chunks, a number that depends
// only on the number of rows (never on how many goroutines run them), and
// whatever is summed across rows is summed per chunk and then in chunk
// order: results are bit-identical however many workers share the sweep.

// chunker is a sweep whose chunks may run in any order and concurrently.
type chunker interface {
	runChunk(c int)
}

// chunkRun runs one sweep's chunks on the calling goroutine and on helpers
// of the package's pool; it is reused from sweep to sweep (no allocation).
type chunkRun struct {
	job  chunker
	n    int
	next atomic.Int64
	wg   sync.WaitGroup
}

// helperPool is the goroutines that help with sweeps, started on first use,
// one per CPU but the caller's; they live as long as the program.
var helperPool struct {
	once  sync.Once
	tasks chan *chunkRun
}

func helpers() chan *chunkRun {
	helperPool.once.Do(func() {
		n := max(runtime.GOMAXPROCS(0)-1, 1)
		helperPool.tasks = make(chan *chunkRun, 4*n)
		for range n {
			go func() {
				for r := range helperPool.tasks {
					r.work()
					r.wg.Done()
				}
			}()
		}
	})
	return helperPool.tasks
}

func (r *chunkRun) work() {
	for {
		c := int(r.next.Add(1) - 1)
		if c >= r.n {
			return
		}
		r.job.runChunk(c)
	}
}

// run runs job's chunks 0..n-1 with up to workers goroutines (the caller
// included) and returns when all are done.
func (r *chunkRun) run(job chunker, n, workers int) {
	r.job, r.n = job, n
	r.next.Store(0)
	if h := min(workers, n) - 1; h > 0 {
		tasks := helpers()
		r.wg.Add(h)
		for range h {
			tasks <- r
		}
	}
	r.work()
	r.wg.Wait()
	r.job = nil
}

// chunkCount is the number of chunks a sweep over rows is cut into: about
// 64 rows each, at most 16.
func chunkCount(rows int) int { return min(max(rows/64, 1), 16) }

// chunkRows is the half-open range of rows of chunk c of n.
func chunkRows(rows, n, c int) (lo, hi int) { return c * rows / n, (c + 1) * rows / n }
