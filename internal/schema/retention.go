package schema

import (
	"fmt"
	"strings"
	"time"
)

// Retention without TTL (18.16), and as a prompt safety net beside it, drops
// whole day partitions: every table holding rows is PARTITION BY
// toDate(<time column>), so a day whose rows are all older than the
// retention goes at once, without waiting for merges.

// Partition is an active partition of a table holding rows.
type Partition struct {
	Table Table
	ID    string // partition_id, e.g. 20261127
	// Day is the partition's day, e.g. 2026-11-27; "" when the partition is
	// not a day (a table created by hand with another key).
	Day string
}

// CutoffDay is a query returning the day (YYYY-MM-DD) of the instant t in
// the server's time zone: partitions are days of toDate() on the server, so
// the server computes the day that bounds them too.
func CutoffDay(t time.Time) string {
	return fmt.Sprintf("SELECT toString(toDate(toDateTime(%d)))", t.Unix())
}

// ActivePartitions is a query listing the active partitions of the tables
// holding rows (Tables) as rows of table, partition_id and partition (see
// ParsePartition), sorted by table and partition_id.
func (s Schema) ActivePartitions() string {
	tables := s.Tables()
	names := make([]string, len(tables))
	for i, t := range tables {
		names[i] = Literal(t.Name)
	}
	return "SELECT DISTINCT table, partition_id, partition FROM " + s.partsTable() + " WHERE database = " + Literal(s.Table.Database) +
		" AND table IN (" + strings.Join(names, ", ") + ") AND active ORDER BY table, partition_id"
}

// ParsePartition reads one row of ActivePartitions.
func (s Schema) ParsePartition(row []string) (Partition, error) {
	if len(row) != 3 {
		return Partition{}, fmt.Errorf("a row of system.parts has %d columns, want 3 (table, partition_id, partition)", len(row))
	}
	p := Partition{Table: Table{Database: s.Table.Database, Name: row[0]}, ID: row[1]}
	// 18.16 prints a Date partition as a quoted literal: '2026-11-27'.
	if day := strings.Trim(row[2], "'"); isDay(day) {
		p.Day = day
	}
	return p, nil
}

func isDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}

// ExpiredBefore reports whether p is a day partition whose day is before
// cutoffDay (a CutoffDay row): all its rows are older than the cutoff.
func (p Partition) ExpiredBefore(cutoffDay string) bool {
	return p.Day != "" && p.Day < cutoffDay // YYYY-MM-DD sorts as text
}

// DropPartition is the statement dropping partition p on one server
// (Schema.DropPartition in cluster mode). Dropping a partition that is
// already gone (dropped by a concurrent collector) is a no-op.
func DropPartition(p Partition) string { return Schema{}.DropPartition(p) }
