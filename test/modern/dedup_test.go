package modern

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// TestDeduplicationToken shows on 26.7 what a retry-safe exporter can rely
// on: with non_replicated_deduplication_window on a MergeTree, an INSERT
// repeating an insert_deduplication_token already seen is dropped whatever
// its rows, and one with a new token is kept even with the same rows;
// without the window the token does nothing.
func TestDeduplicationToken(t *testing.T) {
	e := engine(t)
	mustExec(t, e, "CREATE DATABASE dedup_token",
		"CREATE TABLE dedup_token.windowed (x UInt32) ENGINE = MergeTree ORDER BY x SETTINGS non_replicated_deduplication_window = 100",
		"CREATE TABLE dedup_token.plain (x UInt32) ENGINE = MergeTree ORDER BY x")
	for _, tt := range []struct {
		insert     string
		windowed   string // count(), sum(x) after it
		plainCount string
	}{
		{"SETTINGS insert_deduplication_token = 'batch-1' VALUES (1), (2)", "2\t3", "2"},
		{"SETTINGS insert_deduplication_token = 'batch-1' VALUES (1), (2)", "2\t3", "4"}, // a retry: dropped
		{"SETTINGS insert_deduplication_token = 'batch-1' VALUES (7)", "2\t3", "5"},      // the token decides, not the rows
		{"SETTINGS insert_deduplication_token = 'batch-2' VALUES (1), (2)", "4\t6", "7"}, // same rows, new batch: kept
	} {
		for _, table := range []string{"windowed", "plain"} {
			mustExec(t, e, "INSERT INTO dedup_token."+table+" "+tt.insert)
		}
		if got := strings.Join(flatten(rows(t, e, "SELECT count(), sum(x) FROM dedup_token.windowed")), "\t"); got != tt.windowed {
			t.Errorf("after %s: windowed table has count, sum %v, want %q", tt.insert, got, tt.windowed)
		}
		if got := scalar(t, e, "SELECT count() FROM dedup_token.plain"); got != tt.plainCount {
			t.Errorf("after %s: table without the window has %s rows, want %s", tt.insert, got, tt.plainCount)
		}
	}
}

// TestDeduplicationViews: a retried insert into the events table is dropped,
// but the materialized views count it again unless their target tables have
// the deduplication window too (then the view's block, whose token derives
// from the insert's, is dropped as well). The DDL must set the window on
// all three tables for a retry to be invisible on the dashboards.
func TestDeduplicationViews(t *testing.T) {
	e := engine(t)
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	batch := []event{
		{ts: base, service: "checkout", severity: "error", message: "declined", method: "POST", route: "/orders", status: 502, durationMs: 90},
		{ts: base.Add(time.Second), service: "checkout", severity: "info", message: "ok", method: "GET", route: "/orders/{id}", status: 200, durationMs: 12},
	}
	for _, tt := range []struct {
		db           string
		viewsWindow  bool
		eventsWant   string // count() of events after the insert and its retry
		viewsEvents  string // sum(events) of events_errors_1m
		viewRequests string // sum(requests) of events_http_1m
	}{
		{"dedup_events_only", false, "2", "4", "4"},
		{"dedup_everywhere", true, "2", "2", "2"},
	} {
		t.Run(tt.db, func(t *testing.T) {
			s := createSchema(t, e, tt.db, engineVersion(t, e))
			// The generated DDL sets the window on all three tables: set
			// each table's explicitly.
			mustExec(t, e, "ALTER TABLE "+s.Table.String()+" MODIFY SETTING non_replicated_deduplication_window = 1000")
			window := map[bool]string{true: "1000", false: "0"}[tt.viewsWindow]
			for _, v := range s.Views() {
				mustExec(t, e, "ALTER TABLE "+v.Target.String()+" MODIFY SETTING non_replicated_deduplication_window = "+window)
			}
			insert := insertSQL(s.Table, "insert_deduplication_token = 'collector-a:batch-42'", 1, batch)
			mustExec(t, e, insert, insert)
			got := fmt.Sprint(
				scalar(t, e, "SELECT count() FROM "+s.Table.String()),
				scalar(t, e, "SELECT sum(events) FROM "+tt.db+".events_errors_1m"),
				scalar(t, e, "SELECT sum(requests) FROM "+tt.db+".events_http_1m"))
			if want := fmt.Sprint(tt.eventsWant, tt.viewsEvents, tt.viewRequests); got != want {
				t.Errorf("events, view events, view requests after an insert and its retry: %s, want %s", got, want)
			}
		})
	}
}

// TestRetriedBatchWithGeneratedSchema: the schema as the exporter creates it
// on this server, and an insert with the settings the exporter sends (the
// token computed from the batch's ids as the exporter does): the retry of a
// batch leaves no duplicate, neither in events nor in the views, and a
// different batch is still stored.
func TestRetriedBatchWithGeneratedSchema(t *testing.T) {
	e := engine(t)
	s := createSchema(t, e, "dedup_generated", engineVersion(t, e))
	base := time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)
	batch := []event{
		{ts: base, service: "checkout", severity: "error", message: "declined", method: "POST", route: "/orders", status: 502, durationMs: 90},
		{ts: base.Add(time.Second), service: "checkout", severity: "info", message: "ok", method: "GET", route: "/orders/{id}", status: 200, durationMs: 12},
	}
	insert := func(first int) string {
		ids := make([][16]byte, len(batch))
		for i := range batch {
			ids[i] = eventID(first + i)
		}
		var settings []string
		for k, v := range s.Caps.InsertSettings(schema.DedupToken(ids)) {
			if str, ok := v.(string); ok {
				v = schema.Literal(str)
			}
			settings = append(settings, fmt.Sprintf("%s = %v", k, v))
		}
		if len(settings) != 2 {
			t.Fatalf("insert settings on %s: %v, want the token and the views' deduplication", engineVersion(t, e), settings)
		}
		return insertSQL(s.Table, strings.Join(settings, ", "), first, batch)
	}
	counts := func() string {
		return strings.Join([]string{
			scalar(t, e, "SELECT count() FROM "+s.Table.String()),
			scalar(t, e, "SELECT sum(events) FROM dedup_generated.events_errors_1m"),
			scalar(t, e, "SELECT sum(requests) FROM dedup_generated.events_http_1m")}, " ")
	}
	mustExec(t, e, insert(1), insert(1), insert(1))
	if got := counts(); got != "2 2 2" {
		t.Errorf("events, view events, view requests after a batch and two retries: %s, want 2 2 2", got)
	}
	mustExec(t, e, insert(3))
	if got := counts(); got != "4 4 4" {
		t.Errorf("after a second batch: %s, want 4 4 4", got)
	}
}

// eventID is the id event.values gives row n.
func eventID(n int) [16]byte {
	id := [16]byte{6: 0x70, 8: 0x80}
	for i := 0; i < 6; i++ {
		id[15-i] = byte(n >> (8 * i))
	}
	return id
}
