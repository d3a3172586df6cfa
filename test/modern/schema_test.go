package modern

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// goldenVersions are the server versions internal/schema keeps golden DDL
// for (testdata/schema_<version>.sql), read from the folder so a new one is
// tested here without being listed again.
func goldenVersions(tb testing.TB) []string {
	tb.Helper()
	files, err := filepath.Glob("../../internal/schema/testdata/schema_*.sql")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden DDL under internal/schema/testdata: %v", err)
	}
	var versions []string
	for _, f := range files {
		versions = append(versions, strings.TrimSuffix(strings.TrimPrefix(filepath.Base(f), "schema_"), ".sql"))
	}
	return versions
}

// TestSchemaOnEveryVersion executes the generator's DDL for every version it
// has golden DDL for, and for the engine's own version, statement by
// statement on ClickHouse 26.7 (the DDL of an old server stays valid after
// the server is upgraded), and checks the table the engine made: columns in
// order, alias columns that compute, the indexes of that version.
func TestSchemaOnEveryVersion(t *testing.T) {
	e := engine(t)
	own := engineVersion(t, e)
	if !own.AtLeast(26, 2) {
		t.Fatalf("engine version %s: these tests expect ClickHouse 26.2 or later", own)
	}
	for _, v := range append(goldenVersions(t), own.String()) {
		t.Run(v, func(t *testing.T) {
			ver, err := schema.ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			db := "ddl_" + strings.ReplaceAll(v, ".", "_")
			s := createSchema(t, e, db, ver)

			var want []string
			for _, d := range s.EventColumns() {
				want = append(want, d.Name)
			}
			got := rows(t, e, fmt.Sprintf("SELECT name FROM system.columns WHERE database = '%s' AND table = 'events' ORDER BY position", db))
			if fmt.Sprint(flatten(got)) != fmt.Sprint(want) {
				t.Errorf("columns:\n got %v\nwant %v", flatten(got), want)
			}

			wantIdx := map[string]string{}
			if s.Caps.SkipIndexes {
				wantIdx = map[string]string{"idx_trace_id": "bloom_filter", "idx_span_id": "bloom_filter", "idx_session_id": "bloom_filter", "idx_message": "tokenbf_v1"}
				if s.Caps.TextIndex {
					wantIdx["idx_message"] = "text"
				}
			}
			gotIdx := map[string]string{}
			for _, r := range rows(t, e, fmt.Sprintf("SELECT name, type FROM system.data_skipping_indices WHERE database = '%s' AND table = 'events'", db)) {
				gotIdx[r[0]] = r[1]
			}
			if fmt.Sprint(gotIdx) != fmt.Sprint(wantIdx) {
				t.Errorf("indexes: got %v, want %v", gotIdx, wantIdx)
			}

			base := time.Date(2026, 11, 20, 10, 0, 0, 123456789, time.UTC)
			insertEvents(t, e, s.Table, 1, []event{
				{ts: base, service: "checkout", severity: "fatal", message: "payment declined", intAttrs: map[string]int64{"order.items": 3},
					strAttrs: map[string]string{"order.id": "A-17"}, method: "GET", route: "/orders/{id}", status: 503, durationMs: 12.5},
				{ts: base.Add(time.Second), service: "checkout", severity: "info", message: "ok"},
			})
			checks := map[string]string{
				"SELECT countIf(is_error) FROM {db}.events":                                                     "1",
				"SELECT sum(requests), sum(errors_5xx) FROM {db}.events_http_1m":                                "1\t1",
				"SELECT sum(events), sum(errors) FROM {db}.events_errors_1m":                                    "2\t1",
				"SELECT count() FROM {db}.events WHERE hasToken(message, 'declined')":                           "1",
				"SELECT attr_int_values[indexOf(attr_int_keys, 'order.items')] FROM {db}.events WHERE is_error": "3",
			}
			if s.Caps.DateTime64 {
				checks["SELECT toString(min(timestamp64), 'UTC') FROM {db}.events"] = "2026-11-20 10:00:00.123456789"
			}
			if s.Caps.Map {
				checks["SELECT attr_int['order.items'], attr_str['order.id'] FROM {db}.events WHERE is_error"] = "3\tA-17"
			}
			for q, want := range checks {
				q = strings.ReplaceAll(q, "{db}", db)
				if got := strings.Join(flatten(rows(t, e, q)), "\t"); got != want {
					t.Errorf("%s = %q, want %q", q, got, want)
				}
			}
		})
	}
}

func flatten(r [][]string) []string {
	var out []string
	for _, row := range r {
		out = append(out, row...)
	}
	return out
}
