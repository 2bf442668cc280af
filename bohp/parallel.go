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

// chunkRun runs sweeps' chunks on the calling goroutine and on helpers of
// the package's pool, and is reused from sweep to sweep (no allocation).
// Chunks are claimed one at a time with a compare-and-swap on state, which
// holds the sweep's generation, its number of chunks and the next chunk; the
// caller waits only for chunks a helper has claimed, never for a helper
// that has not started (on a busy machine it may start late, find the sweep
// done, and return).
type chunkRun struct {
	state atomic.Uint64 // generation<<32 | chunks<<16 | next chunk
	done  atomic.Int32  // chunks finished in this generation
	gen   uint32        // the caller's generation counter
	job   chunker
}

type helperTask struct {
	r   *chunkRun
	gen uint32
}

// helperPool is the goroutines that help with sweeps, started on first use,
// one per CPU but the caller's; they live as long as the program.
var helperPool struct {
	once  sync.Once
	tasks chan helperTask
}

func helpers() chan helperTask {
	helperPool.once.Do(func() {
		n := max(runtime.GOMAXPROCS(0)-1, 1)
		helperPool.tasks = make(chan helperTask, 4*n)
		for range n {
			go func() {
				for t := range helperPool.tasks {
					t.r.work(t.gen)
				}
			}()
		}
	})
	return helperPool.tasks
}

// maxChunks is the most chunks a sweep may have (state holds 16 bits).
const maxChunks = 1 << 15

// work runs chunks of sweep gen until none is left.
func (r *chunkRun) work(gen uint32) {
	for {
		s := r.state.Load()
		n, c := s>>16&0xffff, s&0xffff
		if uint32(s>>32) != gen || c >= n {
			return
		}
		if !r.state.CompareAndSwap(s, s+1) {
			continue
		}
		r.job.runChunk(int(c))
		r.done.Add(1)
	}
}

// run runs job's chunks 0..n-1 (n <= maxChunks) with up to workers
// goroutines (the caller included) and returns when all are done.
func (r *chunkRun) run(job chunker, n, workers int) {
	r.gen++
	r.job = job
	r.done.Store(0)
	r.state.Store(uint64(r.gen)<<32 | uint64(n)<<16)
	if h := min(workers, n) - 1; h > 0 {
		tasks := helpers()
		for range h {
			select {
			case tasks <- helperTask{r, r.gen}:
			default: // the helpers are busy: the caller works alone
			}
		}
	}
	r.work(r.gen)
	for int(r.done.Load()) < n {
		runtime.Gosched()
	}
	r.job = nil
}

// chunkCount is the number of chunks a sweep over rows is cut into: about
// 64 rows each, at most 16.
func chunkCount(rows int) int { return min(max(rows/64, 1), 16) }

// chunkRows is the half-open range of rows of chunk c of n.
func chunkRows(rows, n, c int) (lo, hi int) { return c * rows / n, (c + 1) * rows / n }
