// Package lockfile is a lock held by a file that names its holder: the
// process id, host, start time and what the holder is doing. It works on
// local and network file systems (NFS, Lustre, GPFS) alike, where flock and
// pids are not enough:
//
//   - Taking the lock is atomic on every file system: the holder's record
//     is written to a file of its own, which is then hard-linked to the lock
//     name (link(2) fails if the name exists, also over NFS, whose O_EXCL
//     create was long unreliable). Where hard links are not supported, an
//     O_EXCL create is used instead.
//   - A lock left by a dead process is stale and is taken over. On the
//     holder's own host that is known at once: its pid no longer runs (or
//     runs another program: the process start time is recorded), or the
//     host rebooted since (the boot id is recorded). From another host a pid
//     cannot be checked, so the holder rewrites its record every Refresh
//     (which sets the file's modification time by the file server's clock),
//     and a lock not refreshed for StaleAfter is stale. The age is measured
//     against a file written at the same moment in the same directory, so
//     the clocks of the hosts do not matter, only the server's.
//   - Taking over a stale lock is serialised by a second, short-lived lock
//     (NAME.break), so that two processes that both found it stale do not
//     both take it.
//
// A holder that is suspended (SIGSTOP, a suspended Slurm job) for longer than
// StaleAfter may lose its lock to a process on another host; Held reports it.
package lockfile

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Refresh is how often a holder rewrites its lock; StaleAfter is how long a
// lock of another host may go without a refresh before it is stale. They
// are variables for tests.
var (
	Refresh    = 30 * time.Second
	StaleAfter = 2 * time.Minute
)

// Holder identifies the process holding a lock.
type Holder struct {
	PID       int
	Host      string
	Since     time.Time // when it took the lock (its own clock)
	What      string    // what it is doing, for messages: "bohpsh run of x.tengo"
	BootID    string    // the host's boot id ("" when unknown)
	ProcStart string    // the process's start time in clock ticks since boot ("" when unknown)
}

func (h Holder) encode() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "pid: %d\nhost: %s\nsince: %s\nwhat: %s\nboot_id: %s\nproc_start: %s\n",
		h.PID, h.Host, h.Since.Format(time.RFC3339), oneLine(h.What), h.BootID, h.ProcStart)
	return b.Bytes()
}

func oneLine(s string) string { return strings.ReplaceAll(s, "\n", " ") }

// decodeHolder parses a lock record; ok is false when it is not one (an
// empty file left by a crash during an O_EXCL create).
func decodeHolder(b []byte) (h Holder, ok bool) {
	for _, line := range strings.Split(string(b), "\n") {
		k, v, found := strings.Cut(line, ": ")
		if !found {
			continue
		}
		switch k {
		case "pid":
			h.PID, _ = strconv.Atoi(v)
		case "host":
			h.Host = v
		case "since":
			h.Since, _ = time.Parse(time.RFC3339, v)
		case "what":
			h.What = v
		case "boot_id":
			h.BootID = v
		case "proc_start":
			h.ProcStart = v
		}
	}
	return h, h.PID > 0 && h.Host != ""
}

// String describes the holder: "pid 1234 on host node7 since 2025-01-02
// 15:04:05 (bohpsh run of x.tengo)".
func (h Holder) String() string {
	s := fmt.Sprintf("pid %d on host %s since %s", h.PID, h.Host, h.Since.Local().Format("2006-01-02 15:04:05"))
	if h.What != "" {
		s += " (" + h.What + ")"
	}
	return s
}

// Self is the holder record of this process.
func Self(what string) Holder {
	host, _ := os.Hostname()
	if host == "" {
		host = "unknown"
	}
	return Holder{PID: os.Getpid(), Host: host, Since: time.Now(), What: what, BootID: bootID(), ProcStart: procStart(os.Getpid())}
}

// HeldError is the error of Acquire when another live process holds the
// lock.
type HeldError struct {
	Path   string
	Holder Holder        // zero when the record could not be read
	Age    time.Duration // since its last refresh
}

func (e *HeldError) Error() string {
	if e.Holder.PID == 0 {
		return fmt.Sprintf("locked by an unknown process (lock file %s, written %v ago)", e.Path, e.Age.Round(time.Second))
	}
	return fmt.Sprintf("locked by %s (lock file %s)", e.Holder, e.Path)
}

// Lock is a lock held by this process.
type Lock struct {
	path   string
	record []byte
	stop   chan struct{}
	done   chan struct{}
	mu     sync.Mutex
	lost   error // set by the refresher when the lock was taken from us
}

// Acquire takes the lock at path for holder (see Self). A live holder's
// lock is a *HeldError; a stale one is taken over. Other errors (an
// unwritable directory) are returned as they are.
func Acquire(path string, holder Holder) (*Lock, error) {
	record := holder.encode()
	for range 5 {
		tmp, err := writeUnique(path, record)
		if err != nil {
			return nil, err
		}
		got, err := linkOrCreate(tmp, path, record)
		tmpInfo, _ := os.Stat(tmp)
		os.Remove(tmp)
		if err != nil {
			return nil, err
		}
		if got {
			return start(path, record), nil
		}
		// Held: by whom, and is it stale?
		b, info, err := readLock(path)
		if errors.Is(err, fs.ErrNotExist) {
			continue // released meanwhile
		}
		if err != nil {
			return nil, err
		}
		var age time.Duration
		if tmpInfo != nil {
			age = tmpInfo.ModTime().Sub(info.ModTime())
		}
		h, ok := decodeHolder(b)
		if !stale(h, ok, age) {
			return nil, &HeldError{Path: path, Holder: h, Age: age}
		}
		if err := breakStale(path, b); err != nil {
			return nil, err
		}
	}
	return nil, fmt.Errorf("lock %s: could not take it (other processes kept taking it)", path)
}

// writeUnique writes record to a new file next to path, named after this
// process, and returns its name.
func writeUnique(path string, record []byte) (string, error) {
	var r [6]byte
	rand.Read(r[:])
	host, _ := os.Hostname()
	tmp := fmt.Sprintf("%s.%s.%d.%s", path, strings.ReplaceAll(host, "/", "_"), os.Getpid(), hex.EncodeToString(r[:]))
	if _, err := createExclusive(tmp, record); err != nil {
		return "", err
	}
	return tmp, nil
}

// createExclusive creates path with content record; created is false
// when path exists. A file left half-written is removed. It is not synced
// (an fsync is a wait for the disk, a round trip to the server on NFS, at
// every run's start) where stale can tell a record from before this
// host's boot: a machine crash may leave a lock whose record is empty,
// stale at once after the reboot.
func createExclusive(path string, record []byte) (created bool, err error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return false, err
	}
	_, err = f.Write(record)
	if err == nil && uptime() == 0 {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return false, err
	}
	return true, nil
}

// linkOrCreate makes path a link to tmp; got is false when path exists.
// Over NFS a link can succeed while its reply is lost (the retried call then
// fails with EEXIST): tmp's link count of 2 tells. Where hard links are not
// supported, path is created exclusively instead.
func linkOrCreate(tmp, path string, record []byte) (got bool, err error) {
	err = os.Link(tmp, path)
	switch {
	case err == nil:
		return true, nil
	case errors.Is(err, fs.ErrExist):
		return linkCount(tmp) == 2, nil
	}
	created, cerr := createExclusive(path, record)
	switch {
	case errors.Is(cerr, fs.ErrExist):
		return false, nil
	case cerr != nil && !created:
		return false, err // the link's error says more
	}
	return true, nil
}

func readLock(path string) ([]byte, fs.FileInfo, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, nil, err
	}
	defer f.Close()
	info, err := f.Stat()
	if err != nil {
		return nil, nil, err
	}
	b := make([]byte, 4096)
	n, _ := f.Read(b)
	return b[:n], info, nil
}

// stale reports whether a lock record (ok: readable), last refreshed age
// ago by the file server's clock, belongs to a process that is gone. An
// unreadable record is a process's between its O_EXCL create and its
// write (a moment), or one that a machine crash left empty (records are
// not synced): stale once not refreshed for StaleAfter, or at once when
// written before this host booted (age > uptime: on a local file system
// its process died in the crash; on a network one it is, at worst, a
// process of another host stuck in that moment, which StaleAfter would
// also take over).
func stale(h Holder, ok bool, age time.Duration) bool {
	if !ok {
		up := uptime()
		return age > StaleAfter || up > 0 && age > up
	}
	self := Self("")
	if h.Host != self.Host || !canCheckPIDs {
		return age > StaleAfter
	}
	if h.BootID != "" && self.BootID != "" && h.BootID != self.BootID {
		return true // the host rebooted since
	}
	if h.PID == self.PID && (h.ProcStart == "" || h.ProcStart == self.ProcStart) {
		return false // this very process (a second Acquire: refused, not stolen)
	}
	return !alive(h.PID, h.ProcStart)
}

// breakStale removes the lock at path if it still holds record, under the
// lock path.break (so that of two processes that found it stale only one
// removes it, and not a fresh lock taken meanwhile by the other).
func breakStale(path string, record []byte) error {
	brk := path + ".break"
	for range 2 {
		tmp, err := writeUnique(brk, nil)
		if err != nil {
			return err
		}
		got, err := linkOrCreate(tmp, brk, nil)
		tmpInfo, _ := os.Stat(tmp)
		os.Remove(tmp)
		if err != nil {
			return err
		}
		if !got {
			// Another process is breaking it; a breaker that died holding
			// it is removed after StaleAfter.
			if info, err := os.Stat(brk); err == nil && tmpInfo != nil && tmpInfo.ModTime().Sub(info.ModTime()) > StaleAfter {
				os.Remove(brk)
				continue
			}
			return nil
		}
		defer os.Remove(brk)
		b, _, err := readLock(path)
		if err == nil && bytes.Equal(b, record) {
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err
			}
		}
		return nil
	}
	return nil
}

// start begins refreshing a lock just taken.
func start(path string, record []byte) *Lock {
	l := &Lock{path: path, record: record, stop: make(chan struct{}), done: make(chan struct{})}
	go l.refresh()
	return l
}

// refresh rewrites the record every Refresh (in place: the write sets the
// file's modification time by the server's clock), and notes when the lock
// is no longer ours.
func (l *Lock) refresh() {
	defer close(l.done)
	t := time.NewTicker(Refresh)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		if err := l.touch(); err != nil {
			l.mu.Lock()
			if l.lost == nil {
				l.lost = err
			}
			l.mu.Unlock()
		}
	}
}

func (l *Lock) touch() error {
	b, _, err := readLock(l.path)
	if err != nil || !bytes.Equal(b, l.record) {
		return l.lostError(b)
	}
	f, err := os.OpenFile(l.path, os.O_WRONLY, 0)
	if err != nil {
		return nil // transient: the next refresh tries again
	}
	defer f.Close()
	f.WriteAt(l.record, 0)
	return nil
}

func (l *Lock) lostError(now []byte) error {
	if h, ok := decodeHolder(now); ok {
		return fmt.Errorf("lock %s was taken over by %s (this process was not refreshing it for %v)", l.path, h, StaleAfter)
	}
	return fmt.Errorf("lock %s was removed by another process", l.path)
}

// Held reports whether the lock is still this process's: nil, or an error
// that says who took it.
func (l *Lock) Held() error {
	l.mu.Lock()
	lost := l.lost
	l.mu.Unlock()
	if lost != nil {
		return lost
	}
	b, _, err := readLock(l.path)
	if err != nil || !bytes.Equal(b, l.record) {
		return l.lostError(b)
	}
	return nil
}

// Release stops refreshing and removes the lock (if it is still ours).
func (l *Lock) Release() error {
	close(l.stop)
	<-l.done
	b, _, err := readLock(l.path)
	if err != nil || !bytes.Equal(b, l.record) {
		return nil // taken over or removed: not ours to remove
	}
	return os.Remove(l.path)
}

// Path is the lock file's path.
func (l *Lock) Path() string { return l.path }

// Read returns the holder of the lock at path, whether it is live (not
// stale), and false for found when there is no lock.
func Read(path string) (h Holder, live, found bool, err error) {
	b, info, err := readLock(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Holder{}, false, false, nil
	}
	if err != nil {
		return Holder{}, false, false, err
	}
	age := time.Since(info.ModTime())
	// The server's clock: a file written now in the same directory.
	if tmp, err := writeUnique(path+".probe", nil); err == nil {
		if ti, err := os.Stat(tmp); err == nil {
			age = ti.ModTime().Sub(info.ModTime())
		}
		os.Remove(tmp)
	}
	h, ok := decodeHolder(b)
	return h, !stale(h, ok, age), true, nil
}

// IsTemp reports whether name (a base name) is one of the files this
// package writes next to a lock named lockName and removes itself: a dead
// process may leave them behind.
func IsTemp(name, lockName string) bool {
	return strings.HasPrefix(name, lockName+".") && name != lockName+".break"
}
