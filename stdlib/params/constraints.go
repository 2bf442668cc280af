package params

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/bohpsh/bohpsh/stdlib/lib"
	"github.com/d5/tengo/v2"
)

// Constraints: params.declare's third argument maps parameter names to
// the values they accept, so that a degenerate value is refused where it
// is declared, naming the parameter, rather than hanging or giving NaN
// later:
//
//	">= 1", "> 0", "<= episodes", "< 1"   a bound: a number or another int or float parameter
//	"in [0, 1]", "in (0, 1]", "in [0, episodes]"  an interval, brackets closed, parentheses open
//	"one of bptt, forward"               a string parameter's values
//	">= 0 and <= episodes"               several, all required
//
// A number's constraint refuses NaN, and +Inf and -Inf unless a bound
// admits them by name: "<= inf" or "in [0, inf]" accepts +Inf, ">= -inf"
// accepts -Inf ("> 0" alone, "in [0, inf)" or "<= episodes" do not: an
// infinite reward or rate only shows later, as NaN). A value set on the
// command line that breaks one is a usage error (exit status 2); a default
// that breaks one is the script's error.

// constraint is one parsed condition on a parameter.
type constraint struct {
	op     string       // ">=", ">", "<=", "<", "one of", "finite"
	num    float64      // the bound, when ref is ""
	ref    string       // the parameter the bound is, if any
	values []string     // "one of"
	admits []constraint // "finite": the parameter's bounds, which may admit an infinity
}

// parseConstraints reads a constraint text: conditions joined by "and".
func parseConstraints(text string) ([]constraint, error) {
	var out []constraint
	for _, part := range strings.Split(text, " and ") {
		part = strings.TrimSpace(part)
		switch {
		case strings.HasPrefix(part, "one of "):
			var vals []string
			for _, v := range strings.Split(strings.TrimPrefix(part, "one of "), ",") {
				if v = strings.TrimSpace(v); v != "" {
					vals = append(vals, v)
				}
			}
			if len(vals) == 0 {
				return nil, fmt.Errorf("%q lists no values", part)
			}
			out = append(out, constraint{op: "one of", values: vals})
		case strings.HasPrefix(part, "in "):
			iv := strings.TrimSpace(strings.TrimPrefix(part, "in "))
			if len(iv) < 5 || !strings.ContainsRune("[(", rune(iv[0])) || !strings.ContainsRune("])", rune(iv[len(iv)-1])) {
				return nil, fmt.Errorf("%q is not an interval such as [0, 1] or (0, 1]", part)
			}
			lo, hi, ok := strings.Cut(iv[1:len(iv)-1], ",")
			if !ok {
				return nil, fmt.Errorf("%q is not an interval such as [0, 1] or (0, 1]", part)
			}
			loOp, hiOp := ">=", "<="
			if iv[0] == '(' {
				loOp = ">"
			}
			if iv[len(iv)-1] == ')' {
				hiOp = "<"
			}
			for _, b := range []struct{ op, bound string }{{loOp, lo}, {hiOp, hi}} {
				c, err := bound(b.op, b.bound)
				if err != nil {
					return nil, fmt.Errorf("%q: %v", part, err)
				}
				out = append(out, c)
			}
		default:
			op := ""
			for _, o := range []string{">=", "<=", ">", "<"} {
				if strings.HasPrefix(part, o) {
					op = o
					break
				}
			}
			if op == "" {
				return nil, fmt.Errorf("%q is not a constraint (>= x, > x, <= x, < x, in [a, b], one of a, b, ...)", part)
			}
			c, err := bound(op, strings.TrimPrefix(part, op))
			if err != nil {
				return nil, fmt.Errorf("%q: %v", part, err)
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// bound is a comparison with a number or a parameter's name.
func bound(op, s string) (constraint, error) {
	s = strings.TrimSpace(s)
	if v, err := strconv.ParseFloat(s, 64); err == nil {
		if math.IsNaN(v) {
			return constraint{}, fmt.Errorf("the bound is NaN")
		}
		return constraint{op: op, num: v}, nil
	}
	if s == "" || strings.ContainsAny(s, " \t,()[]") {
		return constraint{}, fmt.Errorf("want a number or a parameter's name, got %q", s)
	}
	return constraint{op: op, ref: s}, nil
}

func (c constraint) String() string {
	switch {
	case c.op == "one of":
		return "one of " + strings.Join(c.values, ", ")
	case c.ref != "":
		return c.op + " " + c.ref
	}
	return c.op + " " + strconv.FormatFloat(c.num, 'g', -1, 64)
}

// checkConstraints checks the declared values against the constraints
// (name -> text): first the ones with numbers, then the ones that refer to
// other parameters, each group by name, so that -p episodes=-5 is blamed on
// episodes rather than on a parameter bounded by it.
func checkConstraints(fn string, declared []lib.Param, texts map[string]tengo.Object) error {
	type rule struct {
		p    *lib.Param
		c    constraint
		text string
	}
	var plain, related []rule
	names := make([]string, 0, len(texts))
	for name := range texts {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		p := lookupIn(declared, name)
		if p == nil {
			return lib.Errorf(fn, "constraint for %q, which is not a declared parameter", name)
		}
		s, ok := texts[name].(*tengo.String)
		if !ok {
			return lib.Errorf(fn, "constraint of parameter %q must be a string, got %s", name, lib.Describe(texts[name]))
		}
		cs, err := parseConstraints(s.Value)
		if err != nil {
			return lib.Errorf(fn, "constraint of parameter %q: %v", name, err)
		}
		if cs[0].op != "one of" { // a number's (fits refuses a mix)
			plain = append(plain, rule{p, constraint{op: "finite", admits: cs}, s.Value})
		}
		for _, c := range cs {
			if err := fits(p, c, declared); err != nil {
				return lib.Errorf(fn, "constraint of parameter %q: %v", name, err)
			}
			if c.ref != "" {
				related = append(related, rule{p, c, s.Value})
			} else {
				plain = append(plain, rule{p, c, s.Value})
			}
		}
	}
	for _, r := range append(plain, related...) {
		if err := checkRule(fn, r.p, r.c, r.text, declared); err != nil {
			return err
		}
	}
	return nil
}

func lookupIn(declared []lib.Param, name string) *lib.Param {
	i := sort.Search(len(declared), func(i int) bool { return declared[i].Name >= name })
	if i < len(declared) && declared[i].Name == name {
		return &declared[i]
	}
	return nil
}

// fits reports a constraint that cannot apply to p: a bound on a string
// or bool, values of a number, a bound that is not a numeric parameter.
func fits(p *lib.Param, c constraint, declared []lib.Param) error {
	_, isString := p.Default.(*tengo.String)
	_, isNumber := lib.AsFloat(p.Default)
	_, isBool := p.Default.(*tengo.Bool)
	switch {
	case c.op == "one of" && !isString:
		return fmt.Errorf("%q applies to string parameters, and %q is %s", c, p.Name, p.Default.TypeName())
	case c.op != "one of" && (!isNumber || isBool):
		return fmt.Errorf("%q applies to int and float parameters, and %q is %s", c, p.Name, p.Default.TypeName())
	case c.ref != "":
		q := lookupIn(declared, c.ref)
		if q == nil {
			return fmt.Errorf("%q refers to %q, which is not a declared parameter", c, c.ref)
		}
		if _, ok := lib.AsFloat(q.Value); !ok {
			return fmt.Errorf("%q refers to %q, which is not a number", c, c.ref)
		}
	}
	return nil
}

// finiteOrAdmitted reports whether v is finite, or an infinity that one of
// the bounds cs names as its own inclusive limit ("<= inf", ">= -inf").
func finiteOrAdmitted(v float64, cs []constraint) bool {
	if !math.IsInf(v, 0) {
		return !math.IsNaN(v)
	}
	for _, c := range cs {
		if c.ref == "" && c.num == v && (c.op == "<=" && v > 0 || c.op == ">=" && v < 0) {
			return true
		}
	}
	return false
}

// admitsInfinity reports whether a bound of cs admits +Inf or -Inf.
func admitsInfinity(cs []constraint) bool {
	return finiteOrAdmitted(math.Inf(1), cs) || finiteOrAdmitted(math.Inf(-1), cs)
}

// checkRule checks one constraint on p's value.
func checkRule(fn string, p *lib.Param, c constraint, text string, declared []lib.Param) error {
	blame := []*lib.Param{p}
	ok := false
	switch c.op {
	case "one of":
		ok = slices.Contains(c.values, p.Value.(*tengo.String).Value)
	case "finite":
		v, _ := lib.AsFloat(p.Value)
		ok = finiteOrAdmitted(v, c.admits)
		if admitsInfinity(c.admits) {
			// NaN, or the infinity outside the bounds: "finite" would
			// deny the one they admit.
			text = "a number " + text
		} else {
			text = "a finite number " + text
		}
	default:
		v, _ := lib.AsFloat(p.Value)
		b := c.num
		if c.ref != "" {
			q := lookupIn(declared, c.ref)
			b, _ = lib.AsFloat(q.Value)
			blame = append(blame, q)
		}
		switch c.op {
		case ">=":
			ok = v >= b
		case ">":
			ok = v > b
		case "<=":
			ok = v <= b
		case "<":
			ok = v < b
		}
	}
	if ok {
		return nil
	}
	origin := func(q *lib.Param) string {
		if q.Overridden {
			return "from the command line"
		}
		return "the script's default"
	}
	msg := fmt.Sprintf("parameter %s = %s (%s) must be %s", p.Name, p.Value, origin(p), text)
	if c.ref != "" {
		q := blame[1]
		msg += fmt.Sprintf(", and %s = %s (%s)", q.Name, q.Value, origin(q))
	}
	for _, b := range blame {
		if b.Overridden { // the command line's mistake
			return &lib.UsageError{Err: lib.Errorf(fn, "%s", msg)}
		}
	}
	return lib.Errorf(fn, "%s", msg)
}
