package schema

import (
	"fmt"
	"strings"
	"time"
)

// TTL is the TTL expression for a table whose time column is col, or "" when
// the server has no TTL or nothing expires.
func (s Schema) TTL(col string) string {
	if !s.Caps.TTL || s.Retention <= 0 {
		return ""
	}
	return col + " + " + Interval(s.Retention)
}

// Interval writes d as a ClickHouse interval: whole days when it is a
// multiple of 24h, else whole hours (rounded up: never keep less than asked).
func Interval(d time.Duration) string {
	if d%(24*time.Hour) == 0 {
		return fmt.Sprintf("toIntervalDay(%d)", d/(24*time.Hour))
	}
	return fmt.Sprintf("toIntervalHour(%d)", (d+time.Hour-1)/time.Hour)
}

// ModifyTTL is the statement setting table t's TTL to expr on one server
// (Schema.ModifyTTL in cluster mode).
func ModifyTTL(t Table, expr string) string { return Schema{}.ModifyTTL(t, expr) }

// TTLTable is a table holding rows and the DateTime column its TTL (and its
// day partitions) are computed from.
type TTLTable struct {
	Table      Table
	TimeColumn string
}

// TTLTables are the tables retention applies to, with their time columns:
// the table holding the events (LocalTable), then each view's target table.
func (s Schema) TTLTables() []TTLTable {
	out := []TTLTable{{s.LocalTable(), "timestamp"}}
	for _, v := range s.Views() {
		out = append(out, TTLTable{v.Target, v.TimeColumn})
	}
	return out
}

// TableEngine is a query returning table t's engine_full (the engine clause,
// TTL included, as the server prints it); no row when t does not exist.
func TableEngine(t Table) string {
	return "SELECT engine_full FROM system.tables WHERE " + t.systemTablesFilter()
}

// HasTTL reports whether engineFull (a TableEngine row) already has the TTL
// expression want.
func HasTTL(engineFull, want string) bool {
	return strings.Contains(normalizeSQL(engineFull), normalizeSQL("TTL "+want))
}

// HasAnyTTL reports whether engineFull (a TableEngine row) has a TTL.
func HasAnyTTL(engineFull string) bool { return strings.Contains(engineFull, " TTL ") }

// normalizeSQL drops what a server may reformat (spaces, backquotes, case)
// so an expression can be found in system.tables.engine_full.
func normalizeSQL(s string) string {
	return strings.ToLower(strings.NewReplacer(" ", "", "`", "", "\n", "").Replace(s))
}
