package owndist

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/collectortest"
)

// lineCount is how many JSON log lines the test writes.
const lineCount = 50

// levels are the severities the lines cycle through, as an application's
// logger writes them (file_log's default severity mapping reads them).
var levels = []string{"trace", "debug", "info", "warn", "error", "fatal"}

// storedRow is what the test reads back for one line.
type storedRow struct {
	Message     string
	TimestampNs uint64
	Severity    string
	UserID      string
	Service     string
	Environment string
	Items       int64   // attr_int_* "items" (parse_ints keeps it an integer)
	Amount      float64 // attr_float_* "amount"
	Paid        uint8   // attr_bool_* "paid"
	FileName    string  // attr_str_* "log.file.name", added by file_log
	LeftOver    string  // attr_str_keys that the example's operators remove
}

// logLine is line i as the application writes it, and the row it must
// become. Even lines carry a flat "user.id", odd ones a nested
// {"user":{"id":...}}; every tenth has no user.
func logLine(i int, base time.Time) (string, storedRow) {
	ts := base.Add(time.Duration(i)*time.Millisecond + time.Duration(i)*time.Nanosecond)
	fields := map[string]any{
		"time":   ts.Format(time.RFC3339Nano),
		"level":  levels[i%len(levels)],
		"msg":    fmt.Sprintf("order %02d placed", i),
		"items":  i,
		"amount": float64(i) + 0.25,
		"paid":   i%2 == 0,
	}
	user := ""
	switch {
	case i%10 == 0:
	case i%2 == 0:
		user = fmt.Sprintf("u-%d", i)
		fields["user.id"] = user
	default:
		user = fmt.Sprintf("u-%d", i)
		fields["user"] = map[string]any{"id": user}
	}
	b, err := json.Marshal(fields)
	if err != nil {
		panic(err) // a map of strings, numbers and booleans always encodes
	}
	var paid uint8
	if i%2 == 0 {
		paid = 1
	}
	return string(b), storedRow{
		Message:     fmt.Sprintf("order %02d placed", i),
		TimestampNs: uint64(ts.UnixNano()),
		Severity:    levels[i%len(levels)],
		UserID:      user,
		Service:     "owndist-checkout",
		Environment: "e2e",
		Items:       int64(i),
		Amount:      float64(i) + 0.25,
		Paid:        paid,
		FileName:    "app.log",
	}
}

// overrides is merged over the example's config.yaml (a second --config):
// loopback ports of the test's own, no internal metrics port, and the
// contrib exporter without its schema, which 18.16 cannot take.
const overrides = `
extensions:
  health_check:
    endpoint: 127.0.0.1:%d
receivers:
  aires:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:%d
exporters:
  clickhouse:
    create_schema: false
service:
  telemetry:
    metrics:
      level: none
`

// TestOwnDistribution builds the example distribution with the pinned ocb,
// runs it with the example's config against ClickHouse 18.16 and checks the
// rows of the JSON lines it read from a file.
func TestOwnDistribution(t *testing.T) {
	root, err := chtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	bin := buildExample(t, root)
	t.Logf("ocb build of %s: %v", exampleDir, time.Since(started).Round(100*time.Millisecond))
	checkComponents(t, bin)

	ch := chtest.Start(t)
	db := ch.DB(t)
	dir := t.TempDir()
	logFile := filepath.Join(dir, "app.log")
	if err := os.WriteFile(logFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	ports := make([]int, 3)
	for i := range ports {
		if ports[i], err = collectortest.FreePort(); err != nil {
			t.Fatal(err)
		}
	}
	overridePath := filepath.Join(dir, "overrides.yaml")
	if err := os.WriteFile(overridePath, fmt.Appendf(nil, overrides, ports[0], ports[1], ports[2]), 0o600); err != nil {
		t.Fatal(err)
	}
	// The example's own knobs, as its README sets them.
	env := []string{
		"APP_LOG_FILES=" + filepath.Join(dir, "*.log"),
		"CLICKHOUSE_ENDPOINT=" + ch.Endpoint(),
		"STATE_DIR=" + filepath.Join(dir, "state"),
		"SERVICE_NAME=owndist-checkout",
		"ENVIRONMENT=e2e",
	}
	args := []string{"--config", filepath.Join(root, exampleDir, "config.yaml"), "--config", overridePath}
	out := &collectortest.Output{}
	proc, err := collectortest.StartArgs(bin, args, ports[0], out, env)
	if err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	t.Cleanup(func() {
		proc.Stop(30 * time.Second)
		if t.Failed() {
			t.Logf("collector output:\n%s", out.String())
		}
	})

	// Lines are appended while the collector tails the file, as an
	// application writes them.
	base := time.Now().Add(-time.Minute).Truncate(time.Second).UTC()
	want := make([]storedRow, lineCount)
	f, err := os.OpenFile(logFile, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range lineCount {
		line, row := logLine(i, base)
		want[i] = row
		if _, err := f.WriteString(line + "\n"); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}

	waitRows(t, db, lineCount, 60*time.Second)
	got := readRows(t, db)
	if len(got) != len(want) {
		t.Fatalf("events holds %d rows, want %d", len(got), len(want))
	}
	for i := range want {
		if !reflect.DeepEqual(got[i], want[i]) {
			t.Errorf("row %d:\n got %+v\nwant %+v", i, got[i], want[i])
		}
	}
	t.Logf("rows found in events: %d of %d lines", len(got), lineCount)

	// contrib's exporter started beside Aires's (the collector is healthy
	// with both pipelines), and 18.16 is why it gets no data here: the
	// server refuses the async_insert setting every query of it carries.
	// When this stops being true, route a pipeline to it and update the
	// example's README.
	if err := proc.Exited(); err != nil {
		t.Fatalf("collector exited: %v", err)
	}
	if !strings.Contains(out.String(), "Unknown setting async_insert") {
		t.Errorf("contrib clickhouse exporter: want its schema detection to fail on 18.16 with %q, as the example's README says; output:\n%s",
			"Unknown setting async_insert", out.String())
	}
}

// checkComponents: the binary holds both ClickHouse exporters under their
// own type names, and the other components of the manifest.
func checkComponents(t *testing.T, bin string) {
	t.Helper()
	raw, err := exec.Command(bin, "components").Output()
	if err != nil {
		t.Fatalf("%s components: %v", bin, err)
	}
	type component struct {
		Name string `yaml:"name"`
	}
	var listed struct {
		Receivers  []component `yaml:"receivers"`
		Processors []component `yaml:"processors"`
		Exporters  []component `yaml:"exporters"`
		Extensions []component `yaml:"extensions"`
	}
	if err := yaml.Unmarshal(raw, &listed); err != nil {
		t.Fatalf("%s components: %v\n%s", bin, err, raw)
	}
	for _, want := range []struct {
		kind  string
		have  []component
		names []string
	}{
		{"receivers", listed.Receivers, []string{"aires", "file_log", "otlp"}},
		{"processors", listed.Processors, []string{"aires_transform", "resource"}},
		{"exporters", listed.Exporters, []string{"aires_clickhouse", "clickhouse"}},
		{"extensions", listed.Extensions, []string{"file_storage", "health_check"}},
	} {
		have := map[string]bool{}
		for _, c := range want.have {
			have[c.Name] = true
		}
		for _, n := range want.names {
			if !have[n] {
				t.Errorf("%s components: %s has no %q (has %v)", bin, want.kind, n, want.have)
			}
		}
	}
}

// waitRows polls until events holds want rows.
func waitRows(t *testing.T, db *sql.DB, want uint64, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got uint64
	for {
		err := db.QueryRow("SELECT count() FROM aires.events").Scan(&got)
		if err == nil && got >= want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("aires.events: %d rows (err %v) after %v, want %d", got, err, timeout, want)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

const rowsQuery = `
SELECT message, timestamp_ns, toString(severity), user_id, service, environment,
       attr_int_values[indexOf(attr_int_keys, 'items')],
       attr_float_values[indexOf(attr_float_keys, 'amount')],
       attr_bool_values[indexOf(attr_bool_keys, 'paid')],
       attr_str_values[indexOf(attr_str_keys, 'log.file.name')],
       arrayStringConcat(arrayFilter(k -> k IN ('time', 'level', 'msg'), attr_str_keys), ',')
FROM aires.events ORDER BY timestamp_ns`

func readRows(t *testing.T, db *sql.DB) []storedRow {
	t.Helper()
	rows, err := db.Query(rowsQuery)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []storedRow
	for rows.Next() {
		var r storedRow
		if err := rows.Scan(&r.Message, &r.TimestampNs, &r.Severity, &r.UserID, &r.Service, &r.Environment,
			&r.Items, &r.Amount, &r.Paid, &r.FileName, &r.LeftOver); err != nil {
			t.Fatal(err)
		}
		got = append(got, r)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return got
}
