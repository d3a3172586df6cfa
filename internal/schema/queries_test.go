package schema

import (
	"strings"
	"testing"
	"time"
)

// TestQueriesGolden compares the SQL the migrator and the retention janitor
// run (everything but the DDL of TestSchemaGolden) with
// testdata/queries.sql; run with -update to rewrite it.
func TestQueriesGolden(t *testing.T) {
	s := Schema{Table: Table{Database: "aires", Name: "events"}, Caps: CapabilitiesOf(Version{23, 8, 2}), Retention: 30 * 24 * time.Hour}
	at := time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC)
	queries := []struct{ name, sql string }{
		{"SelectVersion", SelectVersion},
		{"DatabaseExists", DatabaseExists("aires")},
		{"TableExists", TableExists(s.Table)},
		{"ColumnNames", ColumnNames(s.Table)},
		{"AppliedVersions", AppliedVersions(s.Table)},
		{"RecordVersion", RecordVersion(s.Table, 2, "is_error alias column; per-minute views", at)},
		{"TableEngine", TableEngine(s.Views()[0].Target)},
		{"ModifyTTL", ModifyTTL(s.Table, s.TTL("timestamp"))},
		{"CutoffDay", CutoffDay(at.Add(-s.Retention))},
		{"ActivePartitions", s.ActivePartitions()},
		{"DropPartition", DropPartition(Partition{Table: s.Views()[1].Target, ID: "20260208", Day: "2026-02-08"})},
		{"QueryRunning", QueryRunning("0b7c1a4e-1f2d-4c3b-9a8e-5d6f7a8b9c0d")},
		{"StoredIDs", StoredIDs(s.Table, 1764504000, 1764504060, []string{"checkout", "o'brien"})},
	}
	var b strings.Builder
	for _, q := range queries {
		b.WriteString("-- " + q.name + "\n" + q.sql + ";\n\n")
	}
	compareGolden(t, "queries.sql", b.String())
}

func TestLiteral(t *testing.T) {
	for in, want := range map[string]string{
		"events":        `'events'`,
		"":              `''`,
		"it's":          `'it\'s'`,
		`a\b`:           `'a\\b'`,
		`\'; DROP x --`: `'\\\'; DROP x --'`,
	} {
		if got := Literal(in); got != want {
			t.Errorf("Literal(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestHasTTL(t *testing.T) {
	// engine_full as modern servers print it.
	const engine = "MergeTree PARTITION BY toDate(timestamp) ORDER BY (service, severity, timestamp) TTL timestamp + toIntervalDay(30) SETTINGS index_granularity = 8192"
	const noTTL = "MergeTree() PARTITION BY toDate(timestamp) ORDER BY (service, severity, timestamp) SETTINGS index_granularity = 8192"
	for want, ok := range map[string]bool{
		"timestamp + toIntervalDay(30)":  true,
		"timestamp + toIntervalDay(3)":   false,
		"timestamp + toIntervalHour(30)": false,
		"minute + toIntervalDay(30)":     false,
	} {
		if got := HasTTL(engine, want); got != ok {
			t.Errorf("HasTTL(%q) = %v, want %v", want, got, ok)
		}
	}
	if HasTTL(noTTL, "timestamp + toIntervalDay(30)") {
		t.Error("no TTL found in a table without TTL")
	}
	if !HasAnyTTL(engine) || HasAnyTTL(noTTL) {
		t.Errorf("HasAnyTTL: %v with a TTL, %v without", HasAnyTTL(engine), HasAnyTTL(noTTL))
	}
}

func TestTTLTables(t *testing.T) {
	s := Schema{Table: Table{Database: "aires", Name: "events"}}
	var got []string
	for _, tt := range s.TTLTables() {
		got = append(got, tt.Table.Name+" "+tt.TimeColumn)
	}
	want := "events timestamp, events_errors_1m minute, events_http_1m minute, events_traces hour"
	if strings.Join(got, ", ") != want {
		t.Errorf("TTLTables = %s, want %s", strings.Join(got, ", "), want)
	}
	if len(s.TTLTables()) != len(s.Tables()) {
		t.Errorf("TTLTables and Tables differ: %v, %v", s.TTLTables(), s.Tables())
	}
}

func TestParsePartition(t *testing.T) {
	s := Schema{Table: Table{Database: "aires", Name: "events"}}
	tests := []struct {
		row     []string
		want    Partition
		expired bool // before 2026-03-08
		wantErr bool
	}{
		{row: []string{"events", "20260305", "'2026-03-05'"}, want: Partition{Table{"aires", "events"}, "20260305", "2026-03-05"}, expired: true},
		{row: []string{"events_http_1m", "20260307", "2026-03-07"}, want: Partition{Table{"aires", "events_http_1m"}, "20260307", "2026-03-07"}, expired: true},
		{row: []string{"events", "20260308", "'2026-03-08'"}, want: Partition{Table{"aires", "events"}, "20260308", "2026-03-08"}},
		{row: []string{"events", "all", "tuple()"}, want: Partition{Table{"aires", "events"}, "all", ""}},
		{row: []string{"events", "20260305"}, wantErr: true},
	}
	for _, tt := range tests {
		got, err := s.ParsePartition(tt.row)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParsePartition(%q) error = %v, want error %v", tt.row, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParsePartition(%q) = %+v, want %+v", tt.row, got, tt.want)
		}
		if got.ExpiredBefore("2026-03-08") != tt.expired {
			t.Errorf("%+v expired before 2026-03-08 = %v, want %v", got, !tt.expired, tt.expired)
		}
	}
}
