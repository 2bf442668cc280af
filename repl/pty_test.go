//go:build linux

package repl

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// ptyChild is set in the environment of the test binary that
// TestCtrlCOnPlainTerminal runs as a REPL on a pseudo-terminal.
const ptyChild = "BOHPSH_REPL_PTY_CHILD"

// TestCtrlCOnPlainTerminal: on a terminal liner cannot drive (TERM=dumb),
// Ctrl-C at the prompt is SIGINT, not a key; it drops the unfinished
// statement as the key does. It kept it: every later line continued it.
func TestCtrlCOnPlainTerminal(t *testing.T) {
	if os.Getenv(ptyChild) == "1" {
		err := Run(context.Background(), os.Stdin, os.Stdout, os.Stderr, Options{Interactive: true, HistoryFile: os.Getenv("BOHPSH_HISTORY")})
		if err != nil {
			os.Exit(1)
		}
		os.Exit(0)
	}
	master, slave, err := openPty()
	if err != nil {
		t.Skipf("no pseudo-terminal: %v", err)
	}
	defer master.Close()
	cmd := exec.Command(os.Args[0], "-test.run=^TestCtrlCOnPlainTerminal$")
	cmd.Env = append(os.Environ(), ptyChild+"=1", "TERM=dumb", "BOHPSH_HISTORY="+t.TempDir()+"/history")
	cmd.Stdin, cmd.Stdout, cmd.Stderr = slave, slave, slave
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	defer cmd.Process.Kill()

	var mu sync.Mutex
	var out bytes.Buffer
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	// waitFor waits until the output after the first `from` bytes holds s,
	// and returns the output's length.
	waitFor := func(from int, s string) int {
		t.Helper()
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
			mu.Lock()
			got := out.String()
			mu.Unlock()
			if strings.Contains(got[from:], s) {
				return len(got)
			}
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %q in the output after byte %d:\n%s", s, from, out.String())
		return 0
	}
	n := waitFor(0, ">> ")
	master.WriteString("f := func() {\n")
	n = waitFor(n, "... ")
	master.WriteString("\x03") // the terminal sends SIGINT
	n = waitFor(n, ">> ")
	master.WriteString("6 * 7\n")
	waitFor(n, "42")
	master.WriteString("\x04")
	if err := cmd.Wait(); err != nil {
		t.Errorf("the session ended with %v", err)
	}
}

// openPty opens a pseudo-terminal's master and slave ends.
func openPty() (master, slave *os.File, err error) {
	fd, err := unix.Open("/dev/ptmx", unix.O_RDWR|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, err
	}
	master = os.NewFile(uintptr(fd), "/dev/ptmx")
	if err := unix.IoctlSetPointerInt(fd, unix.TIOCSPTLCK, 0); err != nil {
		master.Close()
		return nil, nil, err
	}
	n, err := unix.IoctlGetInt(fd, unix.TIOCGPTN)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	slave, err = os.OpenFile("/dev/pts/"+strconv.Itoa(n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		master.Close()
		return nil, nil, err
	}
	return master, slave, nil
}
