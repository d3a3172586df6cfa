// Package e2e runs the ocb-built aires-collector binary against a real
// ClickHouse server and checks what lands in the events table.
//
// The binary is build/aires-collector/aires-collector (make build), or the
// path in AIRES_COLLECTOR. Without it, or without a ClickHouse server, the
// tests are skipped, and fail when CI is set.
package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"strings"
	"testing"
	"text/template"
	"time"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/collectortest"
)

// collectorBinary finds the ocb-built binary.
func collectorBinary(tb testing.TB) string { return collectortest.Binary(tb) }

func freePort(tb testing.TB) int {
	tb.Helper()
	port, err := collectortest.FreePort()
	if err != nil {
		tb.Fatal(err)
	}
	return port
}

// collectorSettings fill the collector's config template.
type collectorSettings struct {
	AiresPort, OTLPPort, HealthPort int
	ClickHouse                      string
	Database                        string
	QueueSize                       int
	StorageDir                      string
	// WaitForResult makes the receivers answer only after the insert
	// (sending_queue.wait_for_result).
	WaitForResult bool
	// ExporterBatching keeps the exporter's default insert batches
	// (40,000-50,000 rows or 500 ms while another insert runs) instead of
	// the small ones the tests use.
	ExporterBatching bool
	// RetryMaxElapsed is retry_on_failure.max_elapsed_time; empty: 0s (no
	// limit).
	RetryMaxElapsed string
}

const configTemplate = `
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
{{- if .StorageDir}}
  file_storage:
    directory: {{.StorageDir}}
{{- end}}
receivers:
  aires:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.AiresPort}}
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:{{.OTLPPort}}
processors:
  aires_transform:
exporters:
  aires_clickhouse:
    endpoint: {{.ClickHouse}}
    database: {{.Database}}
    create_schema: true
    timeout: 5s
    sending_queue:
{{- if .StorageDir}}
      storage: file_storage
{{- end}}
{{- if .WaitForResult}}
      wait_for_result: true
{{- end}}
      queue_size: {{.QueueSize}}
      sizer: items
{{- if not .ExporterBatching}}
    insert_batch: {min_rows: 1000, max_rows: 5000, max_delay: 200ms}
{{- end}}
{{- if .StorageDir}}
    queue_disk:
      directory: {{.StorageDir}}
{{- end}}
    retry_on_failure:
      enabled: true
      initial_interval: 200ms
      max_interval: 1s
      max_elapsed_time: {{or .RetryMaxElapsed "0s"}}
service:
  extensions: [health_check{{if .StorageDir}}, file_storage{{end}}]
  telemetry:
    metrics:
      level: none
  pipelines:
    logs:
      receivers: [aires, otlp]
      processors: [aires_transform]
      exporters: [aires_clickhouse]
`

// collector is a running aires-collector process.
type collector struct {
	collectorSettings
	proc   *collectortest.Process
	output *lockedBuffer
}

// lockedBuffer collects a collector's output.
type lockedBuffer = collectortest.Output

// env is one test's world: a ClickHouse server and a collector writing to it.
type env struct {
	ch  *chtest.Server
	db  *sql.DB
	col *collector
}

func newEnv(t *testing.T, edit func(*collectorSettings)) *env {
	t.Helper()
	bin := collectorBinary(t)
	ch := chtest.Start(t)
	s := collectorSettings{
		AiresPort: freePort(t), OTLPPort: freePort(t), HealthPort: freePort(t),
		ClickHouse: ch.Endpoint(), Database: "aires_e2e", QueueSize: 100000,
	}
	if edit != nil {
		edit(&s)
	}
	col := startCollector(t, bin, s)
	return &env{ch: ch, db: ch.DB(t), col: col}
}

func startCollector(t *testing.T, bin string, s collectorSettings) *collector {
	t.Helper()
	var cfg bytes.Buffer
	if err := template.Must(template.New("cfg").Parse(configTemplate)).Execute(&cfg, s); err != nil {
		t.Fatal(err)
	}
	c := &collector{collectorSettings: s, output: &lockedBuffer{}}
	proc, err := collectortest.Start(bin, t.TempDir(), cfg.String(), s.HealthPort, c.output, nil)
	if err != nil {
		t.Fatalf("%v\n%s", err, c.output.String())
	}
	c.proc = proc
	t.Cleanup(func() {
		c.stop()
		if t.Failed() {
			t.Logf("collector output:\n%s", c.output.String())
		}
	})
	return c
}

// alive fails the test if the collector process has exited.
func (c *collector) alive(t *testing.T) {
	t.Helper()
	if err := c.proc.Exited(); err != nil {
		t.Fatalf("collector exited: %v\n%s", err, c.output.String())
	}
}

// stop asks the collector to shut down (SIGTERM) and kills it after 30 s.
// Safe to call more than once.
func (c *collector) stop() { c.proc.Stop(30 * time.Second) }

// waitCount polls until the query returns want (or the timeout).
func waitCount(t *testing.T, db *sql.DB, want uint64, timeout time.Duration, query string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var got uint64
	for {
		err := db.QueryRow(query, args...).Scan(&got)
		if err == nil && got == want {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: got %d (err %v), want %d after %v", strings.TrimSpace(query), got, err, want, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func ctxTimeout(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}
