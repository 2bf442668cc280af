package interp

import (
	"bytes"
	"fmt"
	"io"
	"sync"
	"time"
)

// orderedOutput gives every run a writer for its prints and forwards them
// to w in run order, so that the combined output does not depend on
// --jobs: the lowest unfinished run writes through, later runs are buffered
// until all runs before them are finished.
type orderedOutput struct {
	mu   sync.Mutex
	w    io.Writer
	bufs []bytes.Buffer
	done []bool
	cur  int
	prog *progress
	ws   []*runWriter
}

func newOrderedOutput(w io.Writer, n int, prog *progress) *orderedOutput {
	return &orderedOutput{w: w, bufs: make([]bytes.Buffer, n), done: make([]bool, n), prog: prog, ws: make([]*runWriter, n)}
}

// writer returns run i's writer; prefix (if any) starts every line, and
// ends the run's output with a newline if it lacks one.
func (o *orderedOutput) writer(i int, prefix string) io.Writer {
	w := &runWriter{o: o, i: i, prefix: []byte(prefix), bol: true}
	o.ws[i] = w
	return w
}

func (o *orderedOutput) write(i int, p []byte) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if i == o.cur {
		if o.prog != nil {
			o.prog.clear()
		}
		o.w.Write(p)
		return
	}
	o.bufs[i].Write(p)
}

// finish marks run i finished and flushes the runs that may now be written.
func (o *orderedOutput) finish(i int) {
	if w := o.ws[i]; w != nil && len(w.prefix) > 0 && !w.bol {
		w.Write([]byte{'\n'})
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	o.done[i] = true
	for o.cur < len(o.done) && o.done[o.cur] {
		o.cur++
		if o.cur < len(o.done) {
			o.flush(o.cur)
		}
	}
}

func (o *orderedOutput) flush(i int) {
	if o.bufs[i].Len() == 0 {
		return
	}
	if o.prog != nil {
		o.prog.clear()
	}
	o.w.Write(o.bufs[i].Bytes())
	o.bufs[i] = bytes.Buffer{}
}

// finishAll flushes everything (runs that never started included).
func (o *orderedOutput) finishAll() {
	for i := range o.done {
		o.finish(i)
	}
}

type runWriter struct {
	o      *orderedOutput
	i      int
	prefix []byte
	bol    bool // at the beginning of a line
	buf    []byte
}

func (w *runWriter) Write(p []byte) (int, error) {
	if len(w.prefix) == 0 {
		w.o.write(w.i, p)
		return len(p), nil
	}
	w.buf = w.buf[:0]
	for _, c := range p {
		if w.bol {
			w.buf = append(w.buf, w.prefix...)
			w.bol = false
		}
		w.buf = append(w.buf, c)
		if c == '\n' {
			w.bol = true
		}
	}
	w.o.write(w.i, w.buf)
	return len(p), nil
}

// progress draws a one-line progress bar on a terminal: runs done (and
// failed), episodes done (metrics.record / metrics.progress of the running
// runs), rate, ETA.
type progress struct {
	mu      sync.Mutex
	w       io.Writer
	runs    []*Run
	t0      time.Time
	done    int
	failed  int
	ended   []bool // by Run.Index: the run ended (a failed one short of its episodes)
	shown   bool
	stopped chan struct{}
	wg      sync.WaitGroup
}

func newProgress(w io.Writer, runs []*Run) *progress {
	return &progress{w: w, runs: runs, ended: make([]bool, len(runs)), stopped: make(chan struct{})}
}

func (p *progress) start(t0 time.Time) {
	p.t0 = t0
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		tick := time.NewTicker(250 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-p.stopped:
				return
			case <-tick.C:
				p.draw()
			}
		}
	}()
}

// runDone counts run r, which has ended.
func (p *progress) runDone(r *Run) {
	p.mu.Lock()
	p.done++
	if r.Failed() {
		p.failed++
	}
	p.ended[r.Index] = true
	p.mu.Unlock()
}

// clear erases the bar (before the scripts print); the next tick redraws it.
func (p *progress) clear() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.shown {
		io.WriteString(p.w, "\r\033[K")
		p.shown = false
	}
}

func (p *progress) stop() {
	close(p.stopped)
	p.wg.Wait()
	p.clear()
}

func (p *progress) draw() {
	p.mu.Lock()
	defer p.mu.Unlock()
	// A run that has not declared its total yet (not started) is assumed
	// to have as many episodes as the largest known total; one that ended
	// (failed) does no more than it did.
	var eps, total, maxT int64
	unknown := 0
	for i, r := range p.runs {
		d, t := r.Env.Metrics.Progress()
		eps += d
		if p.ended[i] {
			t = d
		} else if t == 0 {
			unknown++
		}
		total += t
		maxT = max(maxT, t)
	}
	known := maxT > 0
	total += int64(unknown) * maxT
	elapsed := time.Since(p.t0)
	line := fmt.Sprintf("runs %d/%d", p.done, len(p.runs))
	if p.failed > 0 {
		line += fmt.Sprintf(" (%d failed)", p.failed)
	}
	if known && total > 0 {
		line += fmt.Sprintf("  episodes %d/%d", eps, total)
	} else if eps > 0 {
		line += fmt.Sprintf("  episodes %d", eps)
	}
	if s := elapsed.Seconds(); s > 0 && eps > 0 {
		line += fmt.Sprintf("  %.0f ep/s", float64(eps)/s)
	}
	var eta time.Duration
	switch {
	case known && total > 0 && eps > 0:
		eta = time.Duration(float64(elapsed) * float64(total-eps) / float64(eps))
	case p.done > 0:
		eta = time.Duration(float64(elapsed) * float64(len(p.runs)-p.done) / float64(p.done))
	default:
		eta = -1
	}
	if eta >= 0 {
		line += "  ETA " + eta.Round(time.Second).String()
	}
	fmt.Fprintf(p.w, "\r\033[K%s", line)
	p.shown = true
}
