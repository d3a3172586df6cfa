package schema

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
	modern := CapabilitiesOf(Version{22, 3, 0})
	want := Capabilities{Codecs: true, LowCardinality: true, TTL: true, SkipIndexes: true, DateTime64: true, Map: true}
	if modern != want {
		t.Errorf("22.3 capabilities = %+v, want %+v", modern, want)
	}
	if c := CapabilitiesOf(Version{20, 3, 0}); !c.SkipIndexes || c.Map || c.DateTime64 {
		t.Errorf("20.3 capabilities = %+v", c)
	}
}

// TestCreateTableGolden compares the DDL per server version with
// testdata/*.sql; run with -update to rewrite them.
func TestCreateTableGolden(t *testing.T) {
	tbl := Table{Database: "aires", Name: "events"}
	for _, v := range []string{"18.16.1", "19.11.3", "20.3.1", "21.8.1", "22.8.1", "23.8.2", "24.3.1", "25.1.1"} {
		t.Run(v, func(t *testing.T) {
			ver, err := ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			got := CreateTable(tbl, CapabilitiesOf(ver))
			path := filepath.Join("testdata", "create_table_"+v+".sql")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("DDL for %s differs from %s (run go test -update if intended):\n%s", v, path, got)
			}
		})
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
	if len(Columns) != NumColumns {
		t.Fatalf("len(Columns) = %d, NumColumns = %d", len(Columns), NumColumns)
	}
}

func TestInsert(t *testing.T) {
	got := Insert(Table{Database: "aires", Name: "events"})
	if !strings.HasPrefix(got, "INSERT INTO `aires`.`events` (id, timestamp, timestamp_ns, service,") ||
		!strings.HasSuffix(got, "error_type, error_message, error_stack)") {
		t.Errorf("Insert = %s", got)
	}
}

func TestValidIdentifier(t *testing.T) {
	for s, want := range map[string]bool{"aires": true, "_x1": true, "events_2": true, "": false, "1a": false, "a-b": false, "a`b": false, "a.b": false} {
		if got := ValidIdentifier(s); got != want {
			t.Errorf("ValidIdentifier(%q) = %v", s, got)
		}
	}
}
