package schema

import (
	"flag"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite the golden DDL files under testdata")

func TestParseVersion(t *testing.T) {
	tests := []struct {
		in      string
		want    Version
		wantErr bool
	}{
		{in: "18.16.1", want: Version{18, 16, 1}},
		{in: "23.8.2.7", want: Version{23, 8, 2}},
		{in: "24.3.1.2672-lts", want: Version{24, 3, 1}},
		{in: " 25.1 ", want: Version{25, 1, 0}},
		{in: "", wantErr: true},
		{in: "18", wantErr: true},
		{in: "x.1.2", wantErr: true},
	}
	for _, tt := range tests {
		got, err := ParseVersion(tt.in)
		if (err != nil) != tt.wantErr {
			t.Errorf("ParseVersion(%q) error = %v, want error %v", tt.in, err, tt.wantErr)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseVersion(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func TestCapabilities(t *testing.T) {
	old := CapabilitiesOf(Version{18, 16, 1})
	if old != (Capabilities{}) {
		t.Errorf("18.16.1 capabilities = %+v, want none", old)
	}
	if c := CapabilitiesOf(Version{19, 11, 3}); c.TTL || !c.Codecs {
		t.Errorf("19.11 capabilities = %+v", c)
	}
	modern := CapabilitiesOf(Version{22, 3, 0})
	want := Capabilities{Codecs: true, LowCardinality: true, TTL: true, SkipIndexes: true, DateTime64: true, Map: true, DedupWindow: true, DedupToken: true}
	if modern != want {
		t.Errorf("22.3 capabilities = %+v, want %+v", modern, want)
	}
	if c := CapabilitiesOf(Version{20, 3, 0}); !c.SkipIndexes || c.Map || c.DateTime64 {
		t.Errorf("20.3 capabilities = %+v", c)
	}
	if c := CapabilitiesOf(Version{26, 1, 0}); c.TextIndex {
		t.Errorf("26.1 capabilities = %+v, want no text index (GA in 26.2)", c)
	}
	if c := CapabilitiesOf(Version{26, 2, 0}); !c.TextIndex || !c.Map {
		t.Errorf("26.2 capabilities = %+v, want the text index", c)
	}
	for _, tt := range []struct {
		v             Version
		window, token bool
	}{
		{Version{21, 2, 0}, false, false},
		{Version{21, 3, 0}, true, false},
		{Version{22, 1, 0}, true, false},
		{Version{22, 2, 0}, true, true},
	} {
		if c := CapabilitiesOf(tt.v); c.DedupWindow != tt.window || c.DedupToken != tt.token {
			t.Errorf("%s: deduplication window %v, token %v; want %v, %v", tt.v, c.DedupWindow, c.DedupToken, tt.window, tt.token)
		}
	}
}

// goldenVersions are the server versions whose DDL is kept in
// testdata/schema_<version>.sql: 18.16 (Debian, the tested server), then one
// per step of the capability matrix up to 26.x; 26.7 is also run on chDB
// (test/modern).
var goldenVersions = []string{"18.16.1", "19.11.3", "20.3.1", "21.8.1", "22.8.1", "23.8.2", "24.3.1", "25.1.1", "26.7.1"}

// TestSchemaGolden compares the whole DDL per server version (30 days of
// retention) with testdata/schema_<version>.sql; run with -update to
// rewrite them.
func TestSchemaGolden(t *testing.T) {
	for _, v := range goldenVersions {
		t.Run(v, func(t *testing.T) {
			ver, err := ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			s := Schema{Table: Table{Database: "aires", Name: "events"}, Caps: CapabilitiesOf(ver), Retention: 30 * 24 * time.Hour}
			var b strings.Builder
			for _, stmt := range s.Statements() {
				b.WriteString(strings.TrimSpace(stmt) + ";\n\n")
			}
			compareGolden(t, "schema_"+v+".sql", b.String())
		})
	}
}

func TestTTL(t *testing.T) {
	tbl := Table{Database: "aires", Name: "events"}
	modern := CapabilitiesOf(Version{23, 8, 0})
	old := CapabilitiesOf(Version{18, 16, 1})
	for _, tt := range []struct {
		s    Schema
		want string
	}{
		{Schema{Table: tbl, Caps: modern, Retention: 7 * 24 * time.Hour}, "timestamp + toIntervalDay(7)"},
		{Schema{Table: tbl, Caps: modern, Retention: 36 * time.Hour}, "timestamp + toIntervalHour(36)"},
		{Schema{Table: tbl, Caps: modern}, ""},
		{Schema{Table: tbl, Caps: old, Retention: 7 * 24 * time.Hour}, ""},
	} {
		if got := tt.s.TTL("timestamp"); got != tt.want {
			t.Errorf("TTL(%v, retention %v) = %q, want %q", tt.s.Caps.TTL, tt.s.Retention, got, tt.want)
		}
		stmts := []string{tt.s.CreateTable()}
		for _, v := range tt.s.Views() {
			stmts = append(stmts, v.CreateTarget)
		}
		for _, stmt := range stmts {
			if strings.Contains(stmt, "TTL") != (tt.want != "") {
				t.Errorf("retention %v, TTL %v: statement\n%s", tt.s.Retention, tt.s.Caps.TTL, stmt)
			}
		}
	}
}

func TestViewsSameOnEveryVersion(t *testing.T) {
	tbl := Table{Database: "aires", Name: "events"}
	old := Schema{Table: tbl, Caps: CapabilitiesOf(Version{18, 16, 1})}.Views()
	modern := Schema{Table: tbl, Caps: CapabilitiesOf(Version{25, 1, 0}), Retention: 24 * time.Hour}.Views()
	if len(old) != 3 || len(modern) != 3 {
		t.Fatalf("views: %d and %d", len(old), len(modern))
	}
	for i := range old {
		if old[i].CreateMV != modern[i].CreateMV {
			t.Errorf("view %s differs between versions:\n%s\n%s", old[i].MV, old[i].CreateMV, modern[i].CreateMV)
		}
	}
	if old[0].Target.Name != "events_errors_1m" || old[0].MV.Name != "events_errors_1m_mv" ||
		old[1].Target.Name != "events_http_1m" || old[1].MV.Name != "events_http_1m_mv" {
		t.Errorf("view names: %+v", old)
	}
}

func TestAddColumn(t *testing.T) {
	s := Schema{Table: Table{Database: "aires", Name: "events"}, Caps: CapabilitiesOf(Version{22, 8, 0})}
	byName := map[string]ColumnDef{}
	for _, d := range s.EventColumns() {
		byName[d.Name] = d
	}
	if got, want := s.AddColumn(byName["span_id"]), "ALTER TABLE `aires`.`events` ADD COLUMN `span_id` String CODEC(ZSTD(1)) AFTER `trace_id`"; got != want {
		t.Errorf("AddColumn(span_id) = %s, want %s", got, want)
	}
	if got, want := s.AddColumn(byName["is_error"]), "ALTER TABLE `aires`.`events` ADD COLUMN `is_error` UInt8 ALIAS severity IN ('error', 'fatal')"; got != want {
		t.Errorf("AddColumn(is_error) = %s, want %s", got, want)
	}
}

func TestInterval(t *testing.T) {
	for d, want := range map[time.Duration]string{
		24 * time.Hour:   "toIntervalDay(1)",
		720 * time.Hour:  "toIntervalDay(30)",
		time.Hour:        "toIntervalHour(1)",
		25 * time.Hour:   "toIntervalHour(25)",
		90 * time.Minute: "toIntervalHour(2)",
	} {
		if got := Interval(d); got != want {
			t.Errorf("Interval(%v) = %s, want %s", d, got, want)
		}
	}
}

// Every version must store the same columns in the same order: the INSERT is
// shared.
func TestSameColumnsOnEveryVersion(t *testing.T) {
	tbl := Table{Database: "d", Name: "t"}
	for _, c := range []Capabilities{{}, CapabilitiesOf(Version{25, 1, 0})} {
		ddl := CreateTable(tbl, c)
		last := -1
		for _, col := range Columns {
			i := strings.Index(ddl, "`"+col.Name+"` ")
			if i < 0 || i < last {
				t.Fatalf("column %s missing or out of order in\n%s", col.Name, ddl)
			}
			last = i
		}
	}
	for _, col := range Columns {
		if !ValidIdentifier(col.Name) {
			t.Errorf("column name %q is not a plain identifier", col.Name)
		}
	}
}

func TestInsert(t *testing.T) {
	got := Insert(Table{Database: "aires", Name: "events"})
	if !strings.HasPrefix(got, "INSERT INTO `aires`.`events` (id, timestamp, timestamp_ns, service,") ||
		!strings.HasSuffix(got, "error_type, error_message, error_stack)") {
		t.Errorf("Insert = %s", got)
	}
}

func TestInsertColumns(t *testing.T) {
	tbl := Table{Database: "aires", Name: "events"}
	if got, want := InsertColumns(tbl, nil), Insert(tbl); got != want {
		t.Errorf("InsertColumns(nil) = %s, want %s", got, want)
	}
	if got, want := InsertColumns(tbl, []int{0, 3, len(Columns) - 1}), "INSERT INTO `aires`.`events` (id, service, error_stack)"; got != want {
		t.Errorf("InsertColumns = %s, want %s", got, want)
	}
}

// Omittable allows an INSERT to leave out a column only where the server
// fills in the value the block holds: no default expression, and a type
// whose default is its zero value.
func TestOmittable(t *testing.T) {
	tests := []struct {
		name, typ, defaultKind string
		want                   bool
	}{
		{"message", "String", "", true},
		{"service", "LowCardinality(String)", "", true},
		{"id", "UUID", "", true},
		{"timestamp", "DateTime", "", true},
		{"http_status", "UInt16", "", true},
		{"http_duration_ms", "Float64", "", true},
		{"attr_int_values", "Array(Int64)", "", true},
		{"http_method", "String", "DEFAULT", false},
		{"http_route", "String", "MATERIALIZED", false},
		{"severity", "Enum8('trace' = 1, 'debug' = 2, 'info' = 3, 'warn' = 4, 'error' = 5, 'fatal' = 6)", "", false},
		{"user_id", "Nullable(String)", "", false},
		{"session_id", "LowCardinality(Nullable(String))", "", false},
		{"not_a_column", "String", "", false},
	}
	var rows [][]string
	for _, tt := range tests {
		rows = append(rows, []string{tt.name, tt.typ, tt.defaultKind})
	}
	rows = append(rows, []string{"host"}) // too short: ignored
	got := Omittable(rows)
	if len(got) != len(Columns) {
		t.Fatalf("Omittable gave %d flags for %d columns", len(got), len(Columns))
	}
	at := map[string]int{}
	for i, c := range Columns {
		at[c.Name] = i
	}
	for _, tt := range tests {
		if i, ok := at[tt.name]; ok && got[i] != tt.want {
			t.Errorf("column %s %s (default %q): omittable = %v, want %v", tt.name, tt.typ, tt.defaultKind, got[i], tt.want)
		}
	}
	if got[at["host"]] || got[at["tags"]] {
		t.Error("a column the rows do not describe is omittable")
	}
}

func TestValidIdentifier(t *testing.T) {
	for s, want := range map[string]bool{"aires": true, "_x1": true, "events_2": true, "": false, "1a": false, "a-b": false, "a`b": false, "a.b": false} {
		if got := ValidIdentifier(s); got != want {
			t.Errorf("ValidIdentifier(%q) = %v", s, got)
		}
	}
}

func TestDedupToken(t *testing.T) {
	a, b := [16]byte{1}, [16]byte{2}
	tok := DedupToken([][16]byte{a, b})
	if tok != DedupToken([][16]byte{a, b}) {
		t.Error("the same ids gave two tokens")
	}
	for _, other := range [][][16]byte{{b, a}, {a}, {a, b, b}, nil} {
		if DedupToken(other) == tok {
			t.Errorf("ids %v have the token of [a b]", other)
		}
	}
}

func TestInsertSettings(t *testing.T) {
	for _, tt := range []struct {
		v    Version
		want int
	}{{Version{18, 16, 1}, 0}, {Version{21, 8, 1}, 0}, {Version{22, 2, 0}, 2}, {Version{26, 7, 1}, 2}} {
		got := CapabilitiesOf(tt.v).InsertSettings("tok")
		if len(got) != tt.want {
			t.Errorf("%s: insert settings %v, want %d of them", tt.v, got, tt.want)
		}
		if tt.want > 0 && got["insert_deduplication_token"] != "tok" {
			t.Errorf("%s: insert settings %v, want the token", tt.v, got)
		}
	}
}
