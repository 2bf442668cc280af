package lib

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Names a script (or the command line) chooses that become file names or
// keys of a run's outputs: metric names (figure files <metric>.png, rows of
// metrics.csv, keys of summary.yaml), sweep values (run directories
// <key>=<value>/), parameter names (keys of params.yaml), the paths of the
// files a script writes. CheckName refuses the ones no output can hold;
// FileName is the one mapping of a name to a file name, and FileKey says
// which file names are one file.

// CheckName refuses a name that is empty, not valid UTF-8 or holds a
// control character (a newline or carriage return splits a metrics.csv row
// for line-based readers, and Go's CSV reader turns "\r\n" into "\n").
// what says what the name is in the message ("metric name").
func CheckName(what, name string) error {
	if name == "" {
		return fmt.Errorf("empty %s", what)
	}
	if !utf8.ValidString(name) {
		return fmt.Errorf("%s %q is not valid UTF-8", what, name)
	}
	if i := strings.IndexFunc(name, unicode.IsControl); i >= 0 {
		r, _ := utf8.DecodeRuneInString(name[i:])
		return fmt.Errorf("%s %q holds a control character (%U at byte %d)", what, name, r, i)
	}
	return nil
}

// FileName makes name usable as a file name: the path separators / and \,
// the drive separator :, NUL and the control characters become _.
// It is not injective ("a/b" and "a_b" are both a_b): whoever maps several
// names into one directory checks FileKey for collisions.
func FileName(name string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == '\\' || r == ':' || r < ' ' {
			return '_'
		}
		return r
	}, name)
}

// MetricFile is the file name, without extension, of metric name's figure
// (<name>.png and .svg): FileName, or "metric" for a name that gives no
// file name ("", ".", "..").
func MetricFile(name string) string {
	n := FileName(name)
	if n == "" || n == "." || n == ".." {
		n = "metric"
	}
	return n
}

// FileKey is the same for two file names that are one file, in the same
// directory, on some common file system: those that differ only in case
// are one on macOS's and Windows's (a run's outputs are often copied from
// a Linux cluster to a laptop).
func FileKey(file string) string {
	return strings.Map(foldRune, file)
}

// foldRune is the smallest rune of r's case-folding orbit (as
// strings.EqualFold folds), so that runes equal under folding map to one.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	return least
}

// SameFileNote explains, in a message about files a and b that FileKey
// makes one, why they are one when they differ (only in case).
func SameFileNote(a, b string) string {
	if a == b {
		return ""
	}
	return " (file names that differ only in case are one file on macOS and Windows)"
}
