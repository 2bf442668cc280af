package repl

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/bohpsh/bohpsh/internal/atomicfile"
	"github.com/peterh/liner"
)

// Run runs a REPL session until end of input, :quit, or ctx is done.
//
// With opts.Interactive (stdin is a terminal), it reads lines with line
// editing from the terminal (os.Stdin; in is not used), keeps history in
// opts.HistoryFile (default ~/.bohpsh_history) and completes with Tab.
// Ctrl-C at the prompt clears the line; Ctrl-C while a statement runs stops
// that statement (Run handles SIGINT itself while it runs, so the caller's
// ctx should not be cancelled on SIGINT); Ctrl-D or :quit ends the session
// and Run returns nil.
//
// Otherwise it reads statements from in without prompts and prints their
// values to out, e.g. "x := 6*7\nx\n" prints "42". Errors are printed to
// errOut and the session goes on; at the end Run returns an error counting
// the inputs that failed, so that a piped session can exit non-zero.
//
// When ctx is done, the running statement stops and Run returns ctx.Err().
func Run(ctx context.Context, in io.Reader, out, errOut io.Writer, opts Options) error {
	if ctx == nil {
		ctx = context.Background()
	}
	s := NewSession(out, opts)
	if opts.Interactive {
		return runInteractive(ctx, s, out, errOut)
	}
	return runPlain(ctx, s, in, errOut)
}

// FailedError reports how many inputs of a non-interactive session failed
// (their messages were printed already).
type FailedError struct{ Failed int }

func (e *FailedError) Error() string {
	if e.Failed == 1 {
		return "1 input failed"
	}
	return fmt.Sprintf("%d inputs failed", e.Failed)
}

// printErr prints an input's error on its own lines.
func printErr(w io.Writer, err error) {
	fmt.Fprintln(w, strings.TrimRight(err.Error(), "\n"))
}

func runPlain(ctx context.Context, s *Session, in io.Reader, errOut io.Writer) error {
	lines := make(chan string)
	readErr := make(chan error, 1)
	stop := make(chan struct{})
	defer close(stop)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 64*1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-stop:
				return
			}
		}
		readErr <- sc.Err()
	}()
	failed := 0
	done := func() error {
		if err := ctx.Err(); err != nil {
			return err
		}
		if failed > 0 {
			return &FailedError{Failed: failed}
		}
		return nil
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case line, ok := <-lines:
			if !ok {
				if err := s.Flush(ctx); err != nil {
					printErr(errOut, err)
					failed++
				}
				if err := <-readErr; err != nil {
					return err
				}
				return done()
			}
			quit, err := s.Feed(ctx, line)
			if err != nil {
				printErr(errOut, err)
				failed++
			}
			if quit || ctx.Err() != nil {
				return done()
			}
		}
	}
}

// DefaultHistoryFile is ~/.bohpsh_history ("" when there is no home).
func DefaultHistoryFile() string {
	h, err := os.UserHomeDir()
	if err != nil {
		return ""
	}
	return filepath.Join(h, ".bohpsh_history")
}

func runInteractive(ctx context.Context, s *Session, out, errOut io.Writer) error {
	ln := liner.NewLiner()
	defer ln.Close()
	ln.SetCtrlCAborts(true)
	ln.SetTabCompletionStyle(liner.TabPrints)
	ln.SetWordCompleter(s.Complete)

	hist := s.opts.HistoryFile
	if hist == "" {
		hist = DefaultHistoryFile()
	}
	if hist != "" {
		if f, err := os.Open(hist); err == nil {
			_, _ = ln.ReadHistory(f)
			f.Close()
		}
		defer func() {
			if err := writeHistory(ln, hist); err != nil {
				fmt.Fprintf(errOut, "bohpsh: cannot save history: %v\n", err)
			}
		}()
	}

	// SIGINT stops the running statement. At the prompt liner sees Ctrl-C
	// as a key (ErrPromptAborted), except on a terminal it cannot drive
	// (TERM=dumb, or no size), where it reads a plain line and the
	// terminal sends SIGINT: the unfinished statement is then dropped
	// when the line comes, as the key drops it, under a fresh prompt.
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt)
	defer signal.Stop(sig)
	var dropPending atomic.Bool
	go func() {
		for {
			select {
			case <-sig:
				if !s.Interrupt() {
					dropPending.Store(true)
					fmt.Fprint(out, "\n"+Prompt)
				}
			case <-ctx.Done():
				return
			}
		}
	}()

	fmt.Fprintln(out, "bohpsh REPL — :help for modules and commands, :quit or Ctrl-D to leave")
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		line, err := ln.Prompt(s.Prompt())
		if dropPending.Swap(false) {
			s.ClearPending()
		}
		switch {
		case errors.Is(err, liner.ErrPromptAborted):
			s.ClearPending()
			continue
		case errors.Is(err, io.EOF):
			fmt.Fprintln(out)
			return nil
		case err != nil:
			return err
		}
		if strings.TrimSpace(line) != "" {
			ln.AppendHistory(line)
		}
		quit, err := s.Feed(ctx, line)
		if err != nil {
			printErr(errOut, err)
		}
		if quit {
			return nil
		}
	}
}

// writeHistory saves the history atomically, readable only by the user.
func writeHistory(ln *liner.State, path string) error {
	return atomicfile.WriteFuncPerm(path, 0o600, func(w io.Writer) error {
		_, err := ln.WriteHistory(w)
		return err
	})
}
