// Package srcpos reads and shows source positions in Tengo's error
// messages ("\n\tat FILE:LINE:COL"); the script runner (interp) and the
// REPL share it so that both show errors the same way.
package srcpos

import (
	"strconv"
	"strings"

	"github.com/d5/tengo/v2/parser"
)

// Parse parses "file:line:col" (the file name may contain colons).
func Parse(s string) parser.SourceFilePos {
	s = strings.TrimSpace(s)
	var p parser.SourceFilePos
	i := strings.LastIndexByte(s, ':')
	if i < 0 {
		p.Filename = s
		return p
	}
	col, err1 := strconv.Atoi(s[i+1:])
	j := strings.LastIndexByte(s[:i], ':')
	if err1 != nil {
		p.Filename = s
		return p
	}
	line, err2 := strconv.Atoi(s[j+1 : i])
	if j < 0 || err2 != nil { // "file:line"
		p.Filename, p.Line = s[:i], col
		return p
	}
	p.Filename, p.Line, p.Column = s[:j], line, col
	return p
}

// Caret returns spaces (tabs kept) up to column col of line, then "^".
func Caret(line string, col int) string {
	var b strings.Builder
	for i, r := range line {
		if i >= col-1 {
			break
		}
		if r == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	b.WriteByte('^')
	return b.String()
}
