package repl

// Incomplete reports whether src ends inside an open bracket ({, ( or [),
// a raw `string` or a /* comment */, so that the statement continues on the
// next line. Brackets inside strings, characters and comments do not count;
// an unterminated "string" or 'c' ends at the line's end (the parser then
// reports it).
func Incomplete(src string) bool {
	depth := 0
	for i := 0; i < len(src); i++ {
		switch c := src[i]; c {
		case '/':
			if i+1 < len(src) && src[i+1] == '/' {
				for i < len(src) && src[i] != '\n' {
					i++
				}
			} else if i+1 < len(src) && src[i+1] == '*' {
				end := indexFrom(src, i+2, "*/")
				if end < 0 {
					return true
				}
				i = end + 1
			}
		case '"', '\'':
			for i++; i < len(src) && src[i] != c && src[i] != '\n'; i++ {
				if src[i] == '\\' && i+1 < len(src) && src[i+1] != '\n' {
					i++
				}
			}
		case '`':
			end := indexFrom(src, i+1, "`")
			if end < 0 {
				return true
			}
			i = end
		case '{', '(', '[':
			depth++
		case '}', ')', ']':
			depth--
		}
	}
	return depth > 0
}

func indexFrom(s string, from int, sub string) int {
	for j := from; j+len(sub) <= len(s); j++ {
		if s[j:j+len(sub)] == sub {
			return j
		}
	}
	return -1
}
