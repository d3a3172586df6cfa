package chaos

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"text/template"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/collectortest"
)

// Mode is an acknowledgement mode of the collector: what an OK to the client
// means.
type Mode string

const (
	// ModeMemory is config/aires-collector.yaml's default: the exporter's
	// in-memory sending queue. OK means "queued in memory".
	ModeMemory Mode = "memory"
	// ModePersistent puts the sending queue on file_storage. OK means
	// "written to the queue on disk".
	ModePersistent Mode = "persistent"
	// ModeWait sets sending_queue.wait_for_result: OK means "inserted into
	// ClickHouse".
	ModeWait Mode = "wait_for_result"
)

// Modes are all acknowledgement modes, in table order.
var Modes = []Mode{ModeMemory, ModePersistent, ModeWait}

// ParseMode reads a mode name.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown acknowledgement mode %q (want one of memory, persistent, wait_for_result)", s)
}

// collectorConfig fills configTemplate. Everything not set here is the
// exporter's default, as config/aires-collector.yaml runs it.
type collectorConfig struct {
	Mode                            Mode
	AiresPort, OTLPPort, HealthPort int
	ClickHouse, Database            string
	StorageDir                      string // file_storage directory (ModePersistent)
	QueueMinFreeMiB                 int    // queue_disk.min_free_mib; 0: the exporter's default
	MemoryLimitMiB, SpikeLimitMiB   int    // memory_limiter; 0: the default config's percentages
}

// wait_for_result is spelled out in every mode, so that a change of the
// exporter's default cannot turn one mode into another. The retry interval
// is shortened from the exporter's 5 s so that a scenario recovers within
// seconds of ClickHouse coming back; everything else about the queue is the
// exporter's default (what config/aires-collector.yaml runs).
const configTemplate = `
extensions:
  health_check: {endpoint: "127.0.0.1:{{.HealthPort}}"}
{{- if eq .Mode "persistent"}}
  file_storage:
    directory: "{{.StorageDir}}"
    # Rebound compaction gives a drained queue's disk space back, so that
    # queue_disk takes new data again; thresholds below the disk-full
    # scenario's 8 MiB of room.
    compaction: {on_rebound: true, directory: "{{.StorageDir}}", rebound_needed_threshold_mib: 4, rebound_trigger_threshold_mib: 1, check_interval: 1s}
{{- end}}
receivers:
  aires: {protocols: {grpc: {endpoint: "127.0.0.1:{{.AiresPort}}"}}}
  otlp: {protocols: {grpc: {endpoint: "127.0.0.1:{{.OTLPPort}}"}}}
processors:
{{- if .MemoryLimitMiB}}
  memory_limiter: {check_interval: 100ms, limit_mib: {{.MemoryLimitMiB}}, spike_limit_mib: {{.SpikeLimitMiB}}}
{{- else}}
  memory_limiter: {check_interval: 1s, limit_percentage: 75, spike_limit_percentage: 20}
{{- end}}
  aires_transform:
exporters:
  aires_clickhouse:
    endpoint: "{{.ClickHouse}}"
    database: "{{.Database}}"
    create_schema: true
{{- if eq .Mode "persistent"}}
    sending_queue: {storage: file_storage, wait_for_result: false}
    queue_disk: {directory: "{{.StorageDir}}"{{if .QueueMinFreeMiB}}, min_free_mib: {{.QueueMinFreeMiB}}{{end}}}
{{- else if eq .Mode "wait_for_result"}}
    sending_queue: {wait_for_result: true}
{{- else}}
    sending_queue: {wait_for_result: false}
{{- end}}
    retry_on_failure: {enabled: true, initial_interval: 200ms, max_interval: 1s, max_elapsed_time: 0s}
service:
  extensions: [health_check{{if eq .Mode "persistent"}}, file_storage{{end}}]
  telemetry: {metrics: {level: none}}
  pipelines:
    logs:
      receivers: [aires, otlp]
      processors: [memory_limiter, aires_transform]
      exporters: [aires_clickhouse]
`

var configTmpl = template.Must(template.New("collector").Parse(configTemplate))

// collector is one collector configuration, started, killed and restarted
// on the same ports and storage.
type collector struct {
	bin, dir string
	cfg      collectorConfig
	proc     *collectortest.Process
	out      *lockedFile
}

// newCollector picks free ports and starts the collector. A port picked
// free can be taken by another process before the collector binds it (the
// machine runs other tests): then it tries again with new ports.
func newCollector(bin, dir string, cfg collectorConfig) (*collector, error) {
	out, err := openLog(filepath.Join(dir, "collector.log"))
	if err != nil {
		return nil, err
	}
	for attempt := 1; ; attempt++ {
		for _, p := range []*int{&cfg.AiresPort, &cfg.OTLPPort, &cfg.HealthPort} {
			port, err := collectortest.FreePort()
			if err != nil {
				return nil, err
			}
			*p = port
		}
		c := &collector{bin: bin, dir: dir, cfg: cfg, out: out}
		busy := countInFile(out.path, "address already in use")
		err := c.start()
		if err == nil || attempt == 3 || countInFile(out.path, "address already in use") == busy {
			return c, err
		}
	}
}

func (c *collector) start() error {
	var b bytes.Buffer
	if err := configTmpl.Execute(&b, c.cfg); err != nil {
		return err
	}
	proc, err := collectortest.Start(c.bin, c.dir, b.String(), c.cfg.HealthPort, c.out, nil)
	if err != nil {
		return fmt.Errorf("%w (log: %s)", err, c.out.path)
	}
	c.proc = proc
	return nil
}

func (c *collector) airesAddr() string { return fmt.Sprintf("127.0.0.1:%d", c.cfg.AiresPort) }
func (c *collector) otlpAddr() string  { return fmt.Sprintf("127.0.0.1:%d", c.cfg.OTLPPort) }

// kill9 kills the process without warning and waits for it to be gone.
func (c *collector) kill9() error {
	if err := syscall.Kill(c.proc.Pid(), syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 collector: %w", err)
	}
	c.proc.Stop(10 * time.Second) // reaps the process; it is already dead
	return nil
}

// alive says whether the process runs and its health check answers 200.
func (c *collector) alive() bool {
	if c.proc.Exited() != nil {
		return false
	}
	client := http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/", c.cfg.HealthPort))
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// peakRSSMiB is the process's peak resident memory (VmHWM), 0 if unknown.
func (c *collector) peakRSSMiB() int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.proc.Pid()))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) >= 2 && f[0] == "VmHWM:" {
			kb, _ := strconv.Atoi(f[1])
			return kb >> 10
		}
	}
	return 0
}

func (c *collector) stop() {
	if c.proc != nil {
		c.proc.Stop(20 * time.Second)
	}
	c.out.Close()
}

// clickHouse is the suite's ClickHouse server (18.16 from Debian, through
// scripts/clickhouse.sh), shared by the scenarios, each in its own database.
type clickHouse struct {
	*chtest.Server
	db *sql.DB
}

func startClickHouse(dir string) (*clickHouse, error) {
	s, err := chtest.StartServer(dir)
	if err != nil {
		return nil, err
	}
	db := clickhouse.OpenDB(s.Options())
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("ping clickhouse at %s: %w", s.TCPAddr(), err)
	}
	return &clickHouse{Server: s, db: db}, nil
}

// kill9 kills the server without warning (the pid scripts/clickhouse.sh
// recorded); Restart starts it again on the same data and ports.
func (ch *clickHouse) kill9() error {
	pid, err := ch.Pid()
	if err != nil {
		return fmt.Errorf("kill -9 clickhouse: %w", err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill -9 clickhouse (pid %d): %w", pid, err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	return nil
}

func (ch *clickHouse) close() {
	_ = ch.db.Close()
	_ = ch.Stop()
}

// lockedFile is the collector's output: a file, written by the process and
// the suite's restarts alike.
type lockedFile struct {
	mu   sync.Mutex
	f    *os.File
	path string
}

func openLog(path string) (*lockedFile, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	return &lockedFile{f: f, path: path}, nil
}

func (l *lockedFile) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.f.Write(p)
}

func (l *lockedFile) Close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.f.Close()
}
