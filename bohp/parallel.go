package bohp

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
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
//
// Helpers pay off only when a core is idle: on a machine busy with other
// work a helper competes with the caller for one core and the sweep gets
// slower. So run times each kind of sweep (each job) alone and with
// helpers, uses the faster way, and tries the other one sweep in
// probeEvery; the chunks and their order stay the same either way.
type chunkRun struct {
	state atomic.Uint64 // generation<<32 | chunks<<16 | next chunk
	done  atomic.Int32  // chunks finished in this generation
	gen   uint32        // the caller's generation counter
	job   chunker
	stats []sweepStats
}

// sweepStats is the running mean duration of one job's sweeps alone
// (ns[0]) and with helpers (ns[1]).
type sweepStats struct {
	job   chunker
	ns    [2]float64
	count uint32
}

const probeEvery = 16

// helped says whether the next sweep of this job runs with helpers.
func (s *sweepStats) helped() bool {
	s.count++
	best := s.ns[1] < s.ns[0]
	if s.ns[0] == 0 || s.ns[1] == 0 || s.count%probeEvery == 0 {
		return s.ns[1] == 0 || s.ns[0] != 0 && !best // measure the way not yet (or least recently) measured
	}
	return best
}

func (s *sweepStats) record(helped bool, d time.Duration) {
	i := 0
	if helped {
		i = 1
	}
	if s.ns[i] == 0 {
		s.ns[i] = float64(d)
		return
	}
	s.ns[i] += (float64(d) - s.ns[i]) / 4
}

func (r *chunkRun) statsOf(job chunker) *sweepStats {
	for i := range r.stats {
		if r.stats[i].job == job {
			return &r.stats[i]
		}
	}
	r.stats = append(r.stats, sweepStats{job: job})
	return &r.stats[len(r.stats)-1]
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

// run runs job's chunks 0..n-1 (n < 1<<16, the bits state holds) with up to workers
// goroutines (the caller included) and returns when all are done.
func (r *chunkRun) run(job chunker, n, workers int) {
	r.gen++
	r.job = job
	r.done.Store(0)
	r.state.Store(uint64(r.gen)<<32 | uint64(n)<<16)
	h := min(workers, n) - 1
	if h <= 0 {
		r.work(r.gen)
		r.job = nil
		return
	}
	st := r.statsOf(job)
	helped := st.helped()
	start := time.Now()
	if helped {
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
	st.record(helped, time.Since(start))
	r.job = nil
}

// chunkCount is the number of chunks a sweep over rows is cut into: about
// 64 rows each, at most 16.
func chunkCount(rows int) int { return min(max(rows/64, 1), 16) }

// chunkRows is the half-open range of rows of chunk c of n.
func chunkRows(rows, n, c int) (lo, hi int) { return c * rows / n, (c + 1) * rows / n }
