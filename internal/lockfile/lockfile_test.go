package lockfile

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

func TestAcquireRelease(t *testing.T) {
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path, Self("first"))
	if err != nil {
		t.Fatal(err)
	}
	// A second holder (here the same process) is refused, naming the first.
	_, err = Acquire(path, Self("second"))
	var held *HeldError
	if !errors.As(err, &held) || held.Holder.PID != os.Getpid() || held.Holder.What != "first" {
		t.Fatalf("second Acquire: %v", err)
	}
	if h, live, found, err := Read(path); err != nil || !found || !live || h.What != "first" {
		t.Errorf("Read: %+v live %v found %v err %v", h, live, found, err)
	}
	if err := l.Held(); err != nil {
		t.Errorf("Held: %v", err)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("lock file left after Release: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 0 {
		t.Errorf("files left: %v", entries)
	}
	l, err = Acquire(path, Self("third"))
	if err != nil {
		t.Fatalf("Acquire after Release: %v", err)
	}
	l.Release()
}

// deadPID returns the pid of a process that has exited.
func deadPID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Run(); err != nil {
		t.Skip("cannot run true:", err)
	}
	return cmd.Process.Pid
}

// zombiePID returns the pid of a process that has exited and has not been
// waited for.
func zombiePID(t *testing.T) int {
	cmd := exec.Command("true")
	if err := cmd.Start(); err != nil {
		t.Skip("cannot run true:", err)
	}
	t.Cleanup(func() { cmd.Wait() })
	for range 500 {
		if state, _ := procStat(cmd.Process.Pid); state == "Z" {
			return cmd.Process.Pid
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Skip("no zombie state in /proc here")
	return 0
}

func writeRecord(t *testing.T, path string, h Holder, age time.Duration) {
	t.Helper()
	if err := os.WriteFile(path, h.encode(), 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-age)
	if err := os.Chtimes(path, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestStaleLocksAreTakenOver(t *testing.T) {
	if !canCheckPIDs {
		t.Skip("no process checks on this system")
	}
	self := Self("")
	cases := []struct {
		name  string
		h     Holder
		age   time.Duration
		stale bool
	}{
		{"dead pid, this host", Holder{PID: deadPID(t), Host: self.Host, BootID: self.BootID, What: "killed"}, 0, true},
		{"killed, not reaped yet (a zombie)", Holder{PID: zombiePID(t), Host: self.Host, BootID: self.BootID}, 0, true},
		{"pid reused by another process", Holder{PID: 1, Host: self.Host, BootID: self.BootID, ProcStart: "1"}, 0, procStart(1) != ""},
		{"live pid, this host", Holder{PID: os.Getppid(), Host: self.Host, BootID: self.BootID, ProcStart: procStart(os.Getppid())}, time.Hour, false},
		{"this host rebooted since", Holder{PID: os.Getppid(), Host: self.Host, BootID: "another-boot"}, 0, self.BootID != ""},
		{"another host, refreshed", Holder{PID: 4242, Host: "elsewhere"}, StaleAfter / 2, false},
		{"another host, not refreshed", Holder{PID: 4242, Host: "elsewhere"}, 2 * StaleAfter, true},
		{"unreadable, recent", Holder{}, 0, false},
		{"unreadable, old", Holder{}, 2 * StaleAfter, true},
	}
	for _, c := range cases {
		path := filepath.Join(t.TempDir(), "lock")
		writeRecord(t, path, c.h, c.age)
		if c.h.PID == 0 {
			os.WriteFile(path, nil, 0o644)
			old := time.Now().Add(-c.age)
			os.Chtimes(path, old, old)
		}
		l, err := Acquire(path, Self("new"))
		if c.stale != (err == nil) {
			t.Errorf("%s: Acquire: %v (want stale %v)", c.name, err, c.stale)
		}
		var held *HeldError
		if !c.stale && !errors.As(err, &held) {
			t.Errorf("%s: want a *HeldError, got %v", c.name, err)
		}
		if _, live, _, _ := Read(path); live == c.stale && c.h.PID != 0 && err != nil {
			t.Errorf("%s: Read says live %v", c.name, live)
		}
		if l != nil {
			l.Release()
		}
	}
}

// Of many contenders for a stale lock, exactly one takes it.
func TestTakeoverRace(t *testing.T) {
	if !canCheckPIDs {
		t.Skip("no process checks on this system")
	}
	for round := range 20 {
		path := filepath.Join(t.TempDir(), "lock")
		writeRecord(t, path, Holder{PID: deadPID(t), Host: Self("").Host, BootID: Self("").BootID}, 0)
		var wg sync.WaitGroup
		var mu sync.Mutex
		var got []*Lock
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if l, err := Acquire(path, Self("contender")); err == nil {
					mu.Lock()
					got = append(got, l)
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(got) != 1 {
			t.Fatalf("round %d: %d contenders took the lock", round, len(got))
		}
		got[0].Release()
	}
}

func TestRefreshAndLoss(t *testing.T) {
	defer func(r time.Duration) { Refresh = r }(Refresh)
	Refresh = 10 * time.Millisecond
	path := filepath.Join(t.TempDir(), "lock")
	l, err := Acquire(path, Self("refreshing"))
	if err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	os.Chtimes(path, old, old)
	deadline := time.Now().Add(5 * time.Second)
	for {
		info, _ := os.Stat(path)
		if time.Since(info.ModTime()) < time.Minute {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the lock was not refreshed")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// Another host takes it over (as if this process had been suspended).
	other := Holder{PID: 77, Host: "elsewhere", What: "thief"}
	writeRecord(t, path, other, 0)
	if err := l.Held(); err == nil {
		t.Fatal("Held: nil after the lock was taken over")
	}
	l.Release()
	if h, _, found, _ := Read(path); !found || h.What != "thief" {
		t.Errorf("Release removed another holder's lock: %+v", h)
	}
}

func TestUnwritableDirectory(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	os.WriteFile(file, nil, 0o644)
	if _, err := Acquire(filepath.Join(file, "lock"), Self("x")); err == nil {
		t.Fatal("Acquire under a file succeeded")
	}
}

func TestHolderRoundTrip(t *testing.T) {
	h := Self("bohpsh run of a\nb.tengo")
	got, ok := decodeHolder(h.encode())
	if !ok || got.PID != h.PID || got.Host != h.Host || got.What != "bohpsh run of a b.tengo" || got.BootID != h.BootID || got.ProcStart != h.ProcStart || !got.Since.Equal(h.Since.Truncate(time.Second)) {
		t.Errorf("round trip: %+v -> %+v", h, got)
	}
}

// A lock whose record a machine crash left empty or damaged (records are
// not synced) is stale at once when it was written before this host
// booted, however long StaleAfter; one written since is not (a process
// between its O_EXCL create and its write), until StaleAfter.
func TestUnreadableRecordFromBeforeTheBoot(t *testing.T) {
	up := uptime()
	if up == 0 {
		t.Skip("no uptime on this system")
	}
	defer func(s time.Duration) { StaleAfter = s }(StaleAfter)
	StaleAfter = up + time.Hour
	for _, c := range []struct {
		name   string
		record string
		age    time.Duration
		stale  bool
	}{
		{"empty, written before the boot", "", up + time.Minute, true},
		{"damaged, written before the boot", "\x00\x00\x00\x00", up + time.Minute, true},
		{"empty, written since", "", up / 2, false},
		{"empty, just written", "", 0, false},
	} {
		path := filepath.Join(t.TempDir(), "lock")
		os.WriteFile(path, []byte(c.record), 0o644)
		old := time.Now().Add(-c.age)
		os.Chtimes(path, old, old)
		if _, live, found, err := Read(path); err != nil || !found || live == c.stale {
			t.Errorf("%s: Read: live %v, found %v, %v", c.name, live, found, err)
		}
		l, err := Acquire(path, Self("new"))
		var held *HeldError
		if c.stale && err != nil || !c.stale && !errors.As(err, &held) {
			t.Errorf("%s: Acquire: %v (want stale %v)", c.name, err, c.stale)
		}
		if l != nil {
			l.Release()
		}
	}
}
