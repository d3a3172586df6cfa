package main

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

// report is latest.json: exactly these keys.
type report struct {
	RawInsertRowsPerSec float64 `json:"raw_insert_rows_per_sec"`
	E2EEventsPerSec     float64 `json:"e2e_events_per_sec"`
	E2ERatio            float64 `json:"e2e_ratio"`
	E2ELatencyP50Ms     float64 `json:"e2e_latency_p50_ms"`
	E2ELatencyP99Ms     float64 `json:"e2e_latency_p99_ms"`
	CollectorRSSMBMax   float64 `json:"collector_rss_mb_max"`
	SDKInfoNsOp         float64 `json:"sdk_info_ns_op"`
	ZapNsOp             float64 `json:"zap_ns_op"`
	SlogNsOp            float64 `json:"slog_ns_op"`
	OtelSDKNsOp         float64 `json:"otel_sdk_ns_op"`
	SDKGRPCEventsPerSec float64 `json:"sdk_grpc_events_per_sec"`

	// CPU per event, side by side in one run (sustained phase, shapes
	// phase): ratios hold from one machine to the next where rates do not.
	CollectorUsPerEvent   float64 `json:"collector_us_per_event"`
	ClickHouseUsPerRow    float64 `json:"clickhouse_us_per_row"`
	CollectorVsClickHouse float64 `json:"collector_vs_clickhouse"`
	// The small shape's stock collector CPU per log record, and the worst
	// shape's Aires native path / stock (every shape must be <= 1.0).
	StockCollectorUsPerLog float64 `json:"stock_collector_us_per_log"`
	CollectorVsStock       float64 `json:"collector_vs_stock"`
	OverloadStoredRatio    float64 `json:"overload_stored_ratio"`
	// The sustained rate behind the run's memory_limiter / the same without
	// it (a second collector, the unlimited phase).
	LimitedVsUnlimited float64 `json:"limited_vs_unlimited"`
	E2EIdleLatencyMs   float64 `json:"e2e_idle_latency_ms"`
	// Whole-process CPU (caller, worker, encode, gzip, gRPC, GC) per
	// delivered event, each library in a process of its own
	// (bench/sdkcompare/cmd/sdkcpu), and the SDK's ratio to zap's.
	SDKTotalUsPerEvent  float64 `json:"sdk_total_us_per_event"`
	ZapTotalUsPerEvent  float64 `json:"zap_total_us_per_event"`
	SlogTotalUsPerEvent float64 `json:"slog_total_us_per_event"`
	OtelTotalUsPerEvent float64 `json:"otel_total_us_per_event"`
	SDKTotalVsZap       float64 `json:"sdk_total_vs_zap"`

	Machine machine `json:"machine"`
	When    string  `json:"when"`

	Details details `json:"-"` // written to latest.details.json
}

type machine struct {
	Cores             int     `json:"cores"`
	ClickHouseVersion string  `json:"clickhouse_version"`
	CPU               string  `json:"cpu"`
	MemGB             float64 `json:"mem_gb"`
	OS                string  `json:"os"`
	Go                string  `json:"go"`
	// FSCreateUsPerFile is the time to create a file in the run's
	// directory at its start (see fsCreateProbe).
	FSCreateUsPerFile float64 `json:"fs_create_us_per_file"`
	// ClickHouseMergeNice is the nice value of ClickHouse's merge threads
	// (scripts/clickhouse.sh, CLICKHOUSE_MERGE_NICE); -1 when it could not
	// be read.
	ClickHouseMergeNice int `json:"clickhouse_merge_nice"`
}

// details is everything else a reader needs to trust the numbers.
type details struct {
	Quick            bool                `json:"quick"`
	DurationSec      float64             `json:"duration_sec"`
	Clients          int                 `json:"sdk_clients"`
	Goroutines       int                 `json:"goroutines_per_client"`
	SDKCompression   string              `json:"sdk_compression"`
	SDKBatchSize     int                 `json:"sdk_batch_size,omitempty"`
	Exporter         exporterSettings    `json:"exporter"`
	MemoryLimitMiB   int                 `json:"memory_limiter_mib"`
	Raw              *rawResult          `json:"raw,omitempty"`
	Sustained        *sustainedResult    `json:"sustained,omitempty"`
	Latency          *latencyResult      `json:"latency,omitempty"`
	Overload         *overloadResult     `json:"overload,omitempty"`
	Unlimited        *sustainedResult    `json:"unlimited,omitempty"`
	Shapes           []shapeResult       `json:"shapes,omitempty"`
	Idle             *idleResult         `json:"idle,omitempty"`
	SDK              map[string]sdkBench `json:"sdkcompare,omitempty"`
	SDKCPU           *sdkCPU             `json:"sdk_cpu,omitempty"`
	CollectorMetrics map[string]float64  `json:"collector_metrics,omitempty"`
	Series           []sample            `json:"throughput_series,omitempty"`
	LatencySeries    []latencySample     `json:"latency_series,omitempty"`
}

func (e exporterSettings) MarshalJSON() ([]byte, error) {
	return json.Marshal(map[string]any{
		"min_rows": e.MinBatch, "max_rows": e.MaxBatch, "max_bytes": e.MaxBytes, "max_delay": e.FlushTimeout.String(),
		"min_interval": e.MinInterval.String(), "max_inserts": e.Consumers, "queue_size_bytes": e.QueueSize, "queue_mode": e.QueueMode, "compression": e.Compression,
	})
}

func writeReport(c *config, r *report) error {
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err != nil {
		return err
	}
	base := strings.TrimSuffix(c.out, ".json")
	if err := writeJSON(c.out, r); err != nil {
		return err
	}
	if err := writeJSON(base+".details.json", &r.Details); err != nil {
		return err
	}
	pngErr := writeChart(base+".png", r)
	printTable(os.Stdout, r)
	fmt.Printf("\nwrote %s, %s.details.json", c.out, base)
	if pngErr == nil {
		fmt.Printf(", %s.png", base)
	}
	fmt.Printf(" (%.0f s)\n", r.Details.DurationSec)
	return pngErr
}

func writeJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

func printTable(w io.Writer, r *report) {
	d := &r.Details
	mode := "full"
	if d.Quick {
		mode = "quick"
	}
	fmt.Fprintf(w, "\nAires bench (%s), %s: %d cores (%s), %.0f GB, ClickHouse %s (merges at nice %d), %s; %.0f us to create a file\n", mode, r.When, r.Machine.Cores, r.Machine.CPU, r.Machine.MemGB, r.Machine.ClickHouseVersion, r.Machine.ClickHouseMergeNice, r.Machine.Go, r.Machine.FSCreateUsPerFile)
	fmt.Fprintf(w, "load: %d SDK clients x %d goroutines, compression %s, SDK batch %d (0: default); exporter insert batch %d-%d rows / %s, %d inserts at once, queue %d bytes (%s); memory_limiter %d MiB\n\n",
		d.Clients, d.Goroutines, d.SDKCompression, d.SDKBatchSize, d.Exporter.MinBatch, d.Exporter.MaxBatch, d.Exporter.FlushTimeout, d.Exporter.Consumers, d.Exporter.QueueSize, d.Exporter.QueueMode, d.MemoryLimitMiB)
	row := func(name, val, target, ok string) { fmt.Fprintf(w, "  %-26s %16s   %-30s %s\n", name, val, target, ok) }
	check := func(b bool) string {
		if b {
			return "ok"
		}
		return "MISSED"
	}
	row("metric", "value", "target", "")
	row("raw_insert_rows_per_sec", fmtNum(r.RawInsertRowsPerSec), "(ceiling)", "")
	row("e2e_events_per_sec", fmtNum(r.E2EEventsPerSec), ">= 100K if the ceiling allows", check(r.E2EEventsPerSec >= 100000 || r.E2ERatio >= 0.8))
	row("e2e_ratio", fmt.Sprintf("%.2f", r.E2ERatio), "(figure: SDK, collector and ClickHouse share the cores)", "")
	row("e2e_latency_p50_ms", fmt.Sprintf("%.0f", r.E2ELatencyP50Ms), "", "")
	row("e2e_latency_p99_ms", fmt.Sprintf("%.0f", r.E2ELatencyP99Ms), "<= 1000 at 70% load", check(r.E2ELatencyP99Ms <= 1000 && r.E2ELatencyP99Ms > 0))
	if d.Idle != nil {
		row("e2e_idle_latency_ms", fmt.Sprintf("%.0f", r.E2EIdleLatencyMs), "<= 300", check(r.E2EIdleLatencyMs <= 300 && r.E2EIdleLatencyMs > 0))
	}
	if d.Sustained != nil {
		row("collector_us_per_event", fmt.Sprintf("%.1f", r.CollectorUsPerEvent), "", "")
		row("clickhouse_us_per_row", fmt.Sprintf("%.1f", r.ClickHouseUsPerRow), "", "")
		row("collector_vs_clickhouse", fmt.Sprintf("%.2f", r.CollectorVsClickHouse), "<= 1.0", check(r.CollectorVsClickHouse <= 1 && r.CollectorVsClickHouse > 0))
	}
	if len(d.Shapes) > 0 {
		row("stock_collector_us_per_log", fmt.Sprintf("%.1f", r.StockCollectorUsPerLog), "(small shape)", "")
		row("collector_vs_stock", fmt.Sprintf("%.2f", r.CollectorVsStock), "<= 1.0 (worst shape)", check(r.CollectorVsStock <= 1 && r.CollectorVsStock > 0))
	}
	if d.SDKCPU != nil {
		row("sdk_total_us_per_event", fmt.Sprintf("%.2f", r.SDKTotalUsPerEvent), fmt.Sprintf("<= 1.5 x zap (%.2f), < otel", 1.5*r.ZapTotalUsPerEvent),
			check(r.SDKTotalUsPerEvent > 0 && r.SDKTotalVsZap <= 1.5 && r.SDKTotalUsPerEvent < r.OtelTotalUsPerEvent))
		row("sdk_total_vs_zap", fmt.Sprintf("%.2f", r.SDKTotalVsZap), "<= 1.5", check(r.SDKTotalVsZap > 0 && r.SDKTotalVsZap <= 1.5))
		row("zap_total_us_per_event", fmt.Sprintf("%.2f", r.ZapTotalUsPerEvent), "", "")
		row("slog_total_us_per_event", fmt.Sprintf("%.2f", r.SlogTotalUsPerEvent), "", "")
		row("otel_total_us_per_event", fmt.Sprintf("%.2f", r.OtelTotalUsPerEvent), "", "")
	}
	lost := "-"
	if o := d.Overload; o != nil {
		lost = fmt.Sprintf("acked-lost %d", o.AckedLost)
		row("collector_rss_mb_max", fmt.Sprintf("%.0f", r.CollectorRSSMBMax), "<= 256, nothing acked lost", check(r.CollectorRSSMBMax <= 256 && o.AckedLost == 0))
		row("overload_stored_ratio", fmt.Sprintf("%.2f", r.OverloadStoredRatio), ">= 0.90 of sustained", check(r.OverloadStoredRatio >= 0.9))
	}
	if u := d.Unlimited; u != nil {
		row("limited_vs_unlimited", fmt.Sprintf("%.2f", r.LimitedVsUnlimited), fmt.Sprintf(">= 0.80 (limit %d MiB vs none: %s events/s)", d.MemoryLimitMiB, fmtNum(u.EventsPerSec)),
			check(r.LimitedVsUnlimited >= 0.8))
	}
	row("sdk_info_ns_op", fmt.Sprintf("%.0f", r.SDKInfoNsOp), fmt.Sprintf("<= 1.5 x zap (%.0f), < otel", 1.5*r.ZapNsOp), check(r.SDKInfoNsOp <= 1.5*r.ZapNsOp && r.SDKInfoNsOp < r.OtelSDKNsOp))
	row("zap_ns_op", fmt.Sprintf("%.0f", r.ZapNsOp), "", "")
	row("slog_ns_op", fmt.Sprintf("%.0f", r.SlogNsOp), "", "")
	row("otel_sdk_ns_op", fmt.Sprintf("%.0f", r.OtelSDKNsOp), "", "")
	row("sdk_grpc_events_per_sec", fmtNum(r.SDKGRPCEventsPerSec), ">= 500K", check(r.SDKGRPCEventsPerSec >= 500000))
	if p := d.SDKCPU; p != nil {
		fmt.Fprintf(w, "\n  SDK CPU per delivered event (median of %d rounds, %d events each): aires %.2f us (%.2fx zap), with 256-event batches %.2f us (%.2fx)\n",
			p.Rounds, p.Events, p.usPerEvent("aires"), p.VsZap["aires"], p.usPerEvent("aires/256"), p.VsZap["aires/256"])
	}
	if s := d.Sustained; s != nil {
		fmt.Fprintf(w, "\n  sustained: cores used %s; CPU per event: collector %.1f us, ClickHouse %.1f us, SDK+bench %.1f us\n",
			jsonString(s.Cores), s.CollectorCPUUs, s.ClickHouseCPUUs, s.SDKCPUUs)
	}
	if l := d.Latency; l != nil {
		fmt.Fprintf(w, "  latency: %d probes at %s events/s (target %s), p90 %.0f ms, max %.0f ms, %d missing; cores used %s, %.0f inserts of %.0f ms on average, polls of %.0f ms (p50) and %.0f ms (p99), %.0f us to create a file before it\n",
			l.Probes, fmtNum(l.AchievedPerSec), fmtNum(l.TargetPerSec), l.P90Ms, l.MaxMs, l.Missing, jsonString(l.Cores), l.Inserts, l.InsertMs, l.PollP50Ms, l.PollP99Ms, l.FSCreateUsPerFile)
	}
	for _, s := range d.Shapes {
		fmt.Fprintf(w, "  shape %-5s (%2d attributes, %4d-byte message) at %s events/s: collector CPU per event (median round; ratios: median of the rounds') aires native %.1f us, aires OTLP %.1f us, stock %.1f us; native/stock %.2f, OTLP/stock %.2f%s\n",
			s.Name, s.Attrs, s.BodyBytes, fmtNum(s.RatePerSec), s.Native.UsPerEvent, s.OTLP.UsPerEvent, s.Stock.UsPerEvent, s.NativeVsStock, s.OTLPVsStock, s.gzipNote())
	}
	if o := d.Overload; o != nil {
		fmt.Fprintf(w, "  overload: offered %s/s for %.0f s, stored %s/s; SDK sent %d, dropped %d, failed %d; rows %d; %s; collector refused %.0f\n",
			fmtNum(o.OfferedPerSec), o.Seconds, fmtNum(o.InClickHouse), o.SDKSent, o.SDKDropped, o.SDKFailed, o.RowsStored, lost, o.Refused)
	}
}

func fmtNum(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%.2fM", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1fK", v/1e3)
	}
	return fmt.Sprintf("%.0f", v)
}

func fetch(url, path string) error {
	client := &http.Client{Timeout: 120 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	_, err = io.Copy(f, resp.Body)
	return err
}

func pct(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func round0(v float64) float64 { return math.Round(v) }
func round1(v float64) float64 { return math.Round(v*10) / 10 }
func round2(v float64) float64 { return math.Round(v*100) / 100 }
func round3(v float64) float64 { return math.Round(v*1000) / 1000 }

// derive fills the report's ratio keys from the phases' details.
func (r *report) derive() {
	d := &r.Details
	if s := d.Sustained; s != nil {
		r.CollectorUsPerEvent, r.ClickHouseUsPerRow = s.CollectorCPUUs, s.ClickHouseCPUUs
		r.CollectorVsClickHouse = round2(ratio(s.CollectorCPUUs, s.ClickHouseCPUUs))
		if o := d.Overload; o != nil {
			r.OverloadStoredRatio = round2(ratio(o.InClickHouse, s.EventsPerSec))
		}
		if u := d.Unlimited; u != nil {
			r.LimitedVsUnlimited = round2(ratio(s.EventsPerSec, u.EventsPerSec))
		}
	}
	if p := d.SDKCPU; p != nil {
		r.SDKTotalUsPerEvent = round2(p.usPerEvent("aires"))
		r.ZapTotalUsPerEvent = round2(p.usPerEvent("zap"))
		r.SlogTotalUsPerEvent = round2(p.usPerEvent("slog"))
		r.OtelTotalUsPerEvent = round2(p.usPerEvent("otel"))
		r.SDKTotalVsZap = p.VsZap["aires"]
	}
	for _, s := range d.Shapes {
		if s.Name == "small" {
			r.StockCollectorUsPerLog = s.Stock.UsPerEvent
		}
		r.CollectorVsStock = math.Max(r.CollectorVsStock, s.NativeVsStock)
	}
	if d.Idle != nil {
		r.E2EIdleLatencyMs = d.Idle.MedianMs
	}
}

// ratio is a/b, or 0 when b is 0 (a phase that measured nothing).
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return round2(a / b)
}
