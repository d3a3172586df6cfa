package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/aires-dev/aires/internal/collectortest"
	"github.com/aires-dev/aires/internal/procstat"
)

// exporterSettings are the aires_clickhouse batching knobs the bench sweeps:
// insert_batch (MinBatch, MaxBatch, MaxBytes, FlushTimeout as max_delay, MinInterval,
// Consumers as max_inserts) and the sending queue's size in bytes.
type exporterSettings struct {
	MinBatch, MaxBatch int
	MaxBytes           int
	FlushTimeout       time.Duration
	MinInterval        time.Duration
	Consumers          int
	QueueSize          int
	// Compression is the exporter's compression to ClickHouse (auto, lz4, zstd,
	// none).
	Compression string
	// QueueMode is what the acknowledgement means (queueModes): memory (the
	// batch is in the in-memory queue), persistent (on disk, file_storage) or
	// wait_for_result (inserted into ClickHouse).
	QueueMode string
	// BlockOnOverflow makes a full sending queue hold a request until it
	// has room (or the client's deadline passes) instead of refusing it.
	BlockOnOverflow bool
}

// queueModes are the values of -queue-mode.
var queueModes = []string{"memory", "persistent", "wait_for_result"}

type collectorSettings struct {
	exporterSettings
	AiresPort, OTLPPort, HealthPort, MetricsPort int
	PprofPort                                    int
	ClickHouse, Database                         string
	MemoryLimitMiB                               int
	StorageDir                                   string // file_storage directory (queue mode persistent)
	Env                                          string // extra KEY=VALUE,... for the process
}

const collectorConfig = `
extensions:
  health_check:
    endpoint: 127.0.0.1:{{.HealthPort}}
{{- if .PprofPort}}
  pprof:
    endpoint: 127.0.0.1:{{.PprofPort}}
{{- end}}
{{- if eq .QueueMode "persistent"}}
  file_storage:
    directory: {{.StorageDir}}
    compaction: {on_rebound: true, directory: {{.StorageDir}}, cleanup_on_start: true}
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
{{- if .MemoryLimitMiB}}
  memory_limiter:
    check_interval: 1s
    limit_mib: {{.MemoryLimitMiB}}
    spike_limit_mib: {{div .MemoryLimitMiB 5}}
{{- end}}
  aires_transform:
exporters:
  aires_clickhouse:
    endpoint: {{.ClickHouse}}
    database: {{.Database}}
    create_schema: true
    compression: {{.Compression}}
    sending_queue:
{{- if eq .QueueMode "persistent"}}
      storage: file_storage
{{- else if eq .QueueMode "wait_for_result"}}
      wait_for_result: true
{{- end}}
      sizer: bytes
      queue_size: {{.QueueSize}}
{{- if .BlockOnOverflow}}
      block_on_overflow: true
{{- end}}
    insert_batch:
      min_rows: {{.MinBatch}}
      max_rows: {{.MaxBatch}}
      max_bytes: {{.MaxBytes}}
      max_delay: {{.FlushTimeout}}
      min_interval: {{.MinInterval}}
      max_inserts: {{.Consumers}}
{{- if eq .QueueMode "persistent"}}
    queue_disk: {directory: {{.StorageDir}}}
{{- end}}
service:
  extensions: [health_check{{if .PprofPort}}, pprof{{end}}{{if eq .QueueMode "persistent"}}, file_storage{{end}}]
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: {{.MetricsPort}}
  pipelines:
    logs:
      receivers: [aires, otlp]
      processors: [{{if .MemoryLimitMiB}}memory_limiter, {{end}}aires_transform]
      exporters: [aires_clickhouse]
`

// collector is a running aires-collector process.
type collector struct {
	collectorSettings
	proc *collectortest.Process
	log  string
}

func startCollector(bin, dir string, s collectorSettings) (*collector, error) {
	for _, p := range []*int{&s.AiresPort, &s.OTLPPort, &s.HealthPort, &s.MetricsPort} {
		port, err := collectortest.FreePort()
		if err != nil {
			return nil, err
		}
		*p = port
	}
	if s.QueueMode == "persistent" {
		s.StorageDir = filepath.Join(dir, "queue")
		if err := os.MkdirAll(s.StorageDir, 0o700); err != nil {
			return nil, err
		}
	}
	tmpl := template.Must(template.New("cfg").Funcs(template.FuncMap{"div": func(a, b int) int { return a / b }}).Parse(collectorConfig))
	var cfg bytes.Buffer
	if err := tmpl.Execute(&cfg, s); err != nil {
		return nil, err
	}
	logPath := filepath.Join(dir, "collector.log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logf.Close() // the child process keeps its own descriptor
	var env []string
	if s.Env != "" {
		env = strings.Split(s.Env, ",")
	}
	// The Go runtime's soft limit under memory_limiter's soft limit (limit
	// minus spike, 80%), as the README advises: the GC works harder near it
	// instead of letting the heap double, and the limiter refuses data only
	// past it. Under overload the heap grows to this limit (its live part is
	// more than half of it), so it sets the collector's RSS.
	if s.MemoryLimitMiB > 0 && !strings.Contains(s.Env, "GOMEMLIMIT=") {
		env = append(env, fmt.Sprintf("GOMEMLIMIT=%dMiB", s.MemoryLimitMiB*7/10))
	}
	proc, err := collectortest.Start(bin, dir, cfg.String(), s.HealthPort, logf, env)
	if err != nil {
		return nil, fmt.Errorf("%w\n%s", err, tail(logPath))
	}
	return &collector{collectorSettings: s, proc: proc, log: logPath}, nil
}

func (c *collector) pid() int { return c.proc.Pid() }

func (c *collector) alive() bool { return c.proc.Exited() == nil }

func (c *collector) stop() { c.proc.Stop(20 * time.Second) }

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// metrics scrapes the collector's Prometheus endpoint and sums every series
// of each metric name (labels dropped).
func (c *collector) metrics() map[string]float64 {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", c.MetricsPort))
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	return parseProm(resp.Body)
}

func parseProm(r io.Reader) map[string]float64 {
	out := map[string]float64{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		name, rest, _ := strings.Cut(line, " ")
		if i := strings.IndexByte(line, '{'); i >= 0 {
			name = line[:i]
			j := strings.LastIndexByte(line, '}')
			rest = strings.TrimSpace(line[j+1:])
		}
		f := strings.Fields(rest)
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		out[name] += v
	}
	return out
}

// procMem returns VmRSS and VmHWM of pid in MiB.
func procMem(pid int) (rss, hwm float64) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseFloat(f[1], 64)
		switch f[0] {
		case "VmRSS:":
			rss = kb / 1024
		case "VmHWM:":
			hwm = kb / 1024
		}
	}
	return rss, hwm
}

// procCPU returns the user+system CPU time of pid (0 = this process).
func procCPU(pid int) time.Duration {
	path := "/proc/self/stat"
	if pid > 0 {
		path = fmt.Sprintf("/proc/%d/stat", pid)
	}
	f, err := procstat.Read(path)
	if err != nil || len(f) <= procstat.Field(15) {
		return 0
	}
	ut, _ := strconv.ParseInt(f[procstat.Field(14)], 10, 64) // utime
	st, _ := strconv.ParseInt(f[procstat.Field(15)], 10, 64) // stime
	// USER_HZ is 100 on Linux.
	return time.Duration(ut+st) * (time.Second / 100)
}

// cpuMeter measures how many cores a set of processes used over an interval.
type cpuMeter struct {
	pids  map[string]int
	start map[string]time.Duration
	t0    time.Time
}

func newCPUMeter(pids map[string]int) *cpuMeter {
	m := &cpuMeter{pids: pids, start: map[string]time.Duration{}, t0: time.Now()}
	for k, p := range pids {
		m.start[k] = procCPU(p)
	}
	return m
}

// cores returns, per process, the CPU time used divided by wall time.
func (m *cpuMeter) cores() map[string]float64 {
	el := time.Since(m.t0).Seconds()
	out := map[string]float64{}
	for k, p := range m.pids {
		out[k] = round2((procCPU(p) - m.start[k]).Seconds() / el)
	}
	return out
}
