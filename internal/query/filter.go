// Package query is the read side's SQL: the queries of `aires search` and
// `aires tail` over the events table. Every value a user gives is bound as
// a query parameter, never written into the SQL text; column names come
// from row.Columns only. Every query has a time range and a row limit; the
// caller adds the server-side timeout (Settings).
package query

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/aires-dev/aires/internal/row"
)

// Filter selects events. The zero value of each field means "any".
type Filter struct {
	Since, Until time.Time // required: every query has a time range
	Service      string
	Services     []string     // any of these (NarrowToTrace sets it)
	MinSeverity  row.Severity // 0: any
	Text         string       // case-insensitive substring of message
	TraceID      string
	SessionID    string
	UserID       string
	ID           string // one event, by its UUID
	Where        []Cond
	Limit        int // required, at most MaxLimit
}

// MaxLimit bounds the rows one query returns.
const MaxLimit = 10_000

// Cond is one condition of --where: Column Op Value.
type Cond struct {
	Column string // an events column, or attr.<key> for a string attribute
	Op     string // = != < <= > >=
	Value  any    // string, int64, uint64 or float64, typed for the column
}

var ops = []string{"<=", ">=", "!=", "=", "<", ">"}

// ParseSeverity reads a minimum severity: "warn", ">=warn" or "warn+" (all
// the same), any of trace, debug, info, warn (warning), error, fatal.
func ParseSeverity(s string) (row.Severity, error) {
	name := strings.ToLower(strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), ">="), "+")))
	// SeverityOf reads the names and their aliases (warning, err, critical),
	// and says info for anything else.
	sev := row.SeverityOf(0, name)
	if sev == row.SeverityInfo && name != "info" {
		return 0, fmt.Errorf("severity %q: use one of trace, debug, info, warn, error, fatal (optionally as >=warn)", s)
	}
	return sev, nil
}

// ParseWhere reads conditions joined by "and": `http_status >= 500 and
// service = 'checkout' and attr.order.id = A-17`. Values are numbers,
// quoted strings ('...' or "...", with \' or \" inside) or bare words.
func ParseWhere(s string) ([]Cond, error) {
	var out []Cond
	p := &whereParser{s: s}
	for {
		p.space()
		if p.done() {
			break
		}
		if len(out) > 0 {
			if !p.keyword("and") {
				return nil, fmt.Errorf("--where %q: expected \"and\" at %q", s, p.rest())
			}
			p.space()
		}
		c, err := p.cond()
		if err != nil {
			return nil, fmt.Errorf("--where %q: %w", s, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("--where %q: no condition; write e.g. 'http_status >= 500'", s)
	}
	return out, nil
}

type whereParser struct {
	s string
	i int
}

func (p *whereParser) done() bool   { return p.i >= len(p.s) }
func (p *whereParser) rest() string { return p.s[p.i:] }

func (p *whereParser) space() {
	for p.i < len(p.s) && p.s[p.i] == ' ' || p.i < len(p.s) && p.s[p.i] == '\t' {
		p.i++
	}
}

func (p *whereParser) keyword(k string) bool {
	r := p.rest()
	if len(r) > len(k) && strings.EqualFold(r[:len(k)], k) && (r[len(k)] == ' ' || r[len(k)] == '\t') {
		p.i += len(k)
		return true
	}
	return false
}

func (p *whereParser) cond() (Cond, error) {
	start := p.i
	for p.i < len(p.s) && (isIdent(rune(p.s[p.i])) || p.s[p.i] == '.') {
		p.i++
	}
	name := p.s[start:p.i]
	if name == "" {
		return Cond{}, fmt.Errorf("expected a column name at %q", p.rest())
	}
	p.space()
	var op string
	for _, o := range ops {
		if strings.HasPrefix(p.rest(), o) {
			op = o
			break
		}
	}
	if op == "" {
		return Cond{}, fmt.Errorf("expected one of = != < <= > >= after %s, at %q", name, p.rest())
	}
	p.i += len(op)
	p.space()
	raw, quoted, err := p.value()
	if err != nil {
		return Cond{}, err
	}
	return typedCond(name, op, raw, quoted)
}

func isIdent(r rune) bool { return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) }

// value reads a quoted string or a bare word (up to the next space).
func (p *whereParser) value() (string, bool, error) {
	if p.done() {
		return "", false, fmt.Errorf("missing value at the end")
	}
	q := p.s[p.i]
	if q != '\'' && q != '"' {
		start := p.i
		for p.i < len(p.s) && p.s[p.i] != ' ' && p.s[p.i] != '\t' {
			p.i++
		}
		return p.s[start:p.i], false, nil
	}
	var b strings.Builder
	for p.i++; p.i < len(p.s); p.i++ {
		switch c := p.s[p.i]; {
		case c == '\\' && p.i+1 < len(p.s):
			p.i++
			b.WriteByte(p.s[p.i])
		case c == q:
			p.i++
			return b.String(), true, nil
		default:
			b.WriteByte(c)
		}
	}
	return "", false, fmt.Errorf("unterminated quoted value")
}

// typedCond checks the column and gives the value the column's type.
func typedCond(name, op, raw string, quoted bool) (Cond, error) {
	if key, ok := strings.CutPrefix(name, "attr."); ok {
		if key == "" {
			return Cond{}, fmt.Errorf("attr. needs an attribute key, e.g. attr.order.id")
		}
		return Cond{Column: name, Op: op, Value: raw}, nil
	}
	col, ok := whereColumns[name]
	if !ok {
		return Cond{}, fmt.Errorf("unknown column %q; use one of %s, or attr.<key> for a string attribute", name, strings.Join(whereColumnNames, ", "))
	}
	switch {
	case strings.HasPrefix(col.Type, "UInt"):
		v, err := strconv.ParseUint(raw, 10, 64)
		if err != nil || quoted {
			return Cond{}, fmt.Errorf("%s is %s: compare it with a whole number, not %q", name, col.Type, raw)
		}
		return Cond{Column: name, Op: op, Value: v}, nil
	case strings.HasPrefix(col.Type, "Int"):
		v, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || quoted {
			return Cond{}, fmt.Errorf("%s is %s: compare it with a whole number, not %q", name, col.Type, raw)
		}
		return Cond{Column: name, Op: op, Value: v}, nil
	case strings.HasPrefix(col.Type, "Float"):
		v, err := strconv.ParseFloat(raw, 64)
		if err != nil || quoted {
			return Cond{}, fmt.Errorf("%s is %s: compare it with a number, not %q", name, col.Type, raw)
		}
		return Cond{Column: name, Op: op, Value: v}, nil
	}
	return Cond{Column: name, Op: op, Value: raw}, nil
}

// whereColumns are the columns --where may name: the scalar string and
// number columns of the table (time has --since; severity --severity).
var whereColumns, whereColumnNames = func() (map[string]row.Column, []string) {
	m := map[string]row.Column{}
	var names []string
	for _, c := range row.Columns {
		switch {
		case c.Type == "String", strings.HasPrefix(c.Type, "UInt"), strings.HasPrefix(c.Type, "Int"), strings.HasPrefix(c.Type, "Float"):
			if c.Name == "timestamp_ns" {
				continue
			}
			m[c.Name] = c
			names = append(names, c.Name)
		}
	}
	return m, names
}()
