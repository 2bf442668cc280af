package repl

import (
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/bohpsh/bohpsh/interp/docgen"
	"github.com/d5/tengo/v2"
)

var keywords = []string{
	"break", "continue", "else", "error", "export", "false", "for", "func",
	"if", "immutable", "import", "in", "return", "true", "undefined",
}

// Complete proposes completions for the word before position pos (in
// bytes) of line, in the form of liner's WordCompleter: the line is head +
// one of completions + tail. It completes
//
//   - names: globals, Tengo builtins and keywords;
//   - name.member: the keys of a module or map held in a global, the
//     documented methods of a custom object held in a global (from the
//     modules' lib.Type tables), or the members of a module by its name;
//   - :commands, :help topics and :load file names.
func (s *Session) Complete(line string, pos int) (head string, completions []string, tail string) {
	if pos < 0 || pos > len(line) {
		pos = len(line)
	}
	before, tail := line[:pos], line[pos:]

	if t := strings.TrimLeft(before, " \t"); strings.HasPrefix(t, ":") && !s.Pending() {
		cmd, arg, hasArg := strings.Cut(t, " ")
		if !hasArg {
			var names []string
			for _, c := range Commands {
				names = append(names, c.Name+" ")
			}
			return before[:len(before)-len(cmd)], filterPrefix(names, cmd), tail
		}
		arg = strings.TrimLeft(arg, " ")
		head = before[:len(before)-len(arg)]
		switch cmd {
		case ":help", ":h":
			return head, filterPrefix(append(docgen.Topics(s.mods), s.Globals()...), arg), tail
		case ":load", ":l":
			return head, completeFile(arg), tail
		}
		return before, nil, tail
	}

	// The expression being typed: identifiers joined by dots.
	start := len(before)
	for start > 0 && (isIdentByte(before[start-1]) || before[start-1] == '.') {
		start--
	}
	word := before[start:]
	dot := strings.LastIndexByte(word, '.')
	if dot < 0 {
		var cands []string
		cands = append(cands, s.Globals()...)
		for _, fn := range tengo.GetAllBuiltinFunctions() {
			cands = append(cands, fn.Name)
		}
		cands = append(cands, keywords...)
		return before[:start], filterPrefix(cands, word), tail
	}
	prefix := word[dot+1:]
	return before[:len(before)-len(prefix)], filterPrefix(s.members(word[:dot]), prefix), tail
}

// members lists what may follow "path." where path is a global, a chain of
// map keys from a global, or a module name.
func (s *Session) members(path string) []string {
	parts := strings.Split(path, ".")
	for _, p := range parts {
		if p == "" {
			return nil
		}
	}
	v, ok := s.Global(parts[0])
	if !ok {
		if len(parts) == 1 {
			if m := docgen.FindModule(s.mods, parts[0]); m != nil {
				return m.Members()
			}
		}
		return nil
	}
	for _, p := range parts[1:] {
		var next tengo.Object
		switch m := v.(type) {
		case *tengo.Map:
			next = m.Value[p]
		case *tengo.ImmutableMap:
			next = m.Value[p]
		}
		if next == nil {
			return nil
		}
		v = next
	}
	switch m := v.(type) {
	case *tengo.Map:
		return keys(m.Value)
	case *tengo.ImmutableMap:
		return keys(m.Value)
	}
	return docgen.MethodNames(s.mods, typeName(v))
}

func keys(m map[string]tengo.Object) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	return out
}

func isIdentByte(c byte) bool {
	return c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c >= 0x80
}

// filterPrefix returns the candidates starting with prefix, sorted and
// without duplicates or hidden names.
func filterPrefix(cands []string, prefix string) []string {
	seen := map[string]bool{}
	var out []string
	for _, c := range cands {
		if strings.HasPrefix(c, prefix) && !seen[c] && !strings.HasPrefix(c, "\x00") {
			seen[c] = true
			out = append(out, c)
		}
	}
	sort.Strings(out)
	return out
}

// completeFile completes a path for :load: directories end in "/", files
// are those ending in .tengo.
func completeFile(prefix string) []string {
	dir, base := filepath.Split(prefix)
	readDir := dir
	if readDir == "" {
		readDir = "."
	}
	entries, err := os.ReadDir(expandHome(readDir))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, base) || (strings.HasPrefix(name, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		if e.IsDir() {
			out = append(out, dir+name+"/")
		} else if strings.HasSuffix(name, ".tengo") {
			out = append(out, dir+name)
		}
	}
	sort.Strings(out)
	return out
}
