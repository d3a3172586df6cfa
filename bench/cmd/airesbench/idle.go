package main

import (
	"context"
	"fmt"
	"log/slog"
	"sort"
	"time"

	aires "github.com/aires-dev/aires/sdk"
)

// serviceIdle is the service of the idle-latency probes.
const serviceIdle = "aires-bench-idle"

type idleResult struct {
	Tries     int       `json:"tries"`
	Missing   int       `json:"missing"`
	Latencies []float64 `json:"latencies_ms"`
	MedianMs  float64   `json:"median_ms"`
	PollMs    float64   `json:"poll_interval_ms"`
}

// idleTries is the number of single events of the idle phase.
const idleTries = 6

// idle sends one event at a time into an otherwise idle pipeline (a fresh
// SDK client, nothing else in flight) and polls every 10 ms until a SELECT
// sees it: what a developer trying Aires waits for. e2e_idle_latency_ms is
// the median of idleTries tries, each after 2 s of quiet so that no timer
// of the previous try is running.
func (b *bencher) idle(ctx context.Context) (*idleResult, error) {
	b.phase.Store("idle")
	const pollEvery = 10 * time.Millisecond
	logf("phase idle: %d single events, each polled for every %s", idleTries, pollEvery)
	client, err := aires.New(aires.Config{
		Endpoint: fmt.Sprintf("127.0.0.1:%d", b.col.AiresPort), Service: serviceIdle, Environment: benchEnv,
		Compression: b.cfg.sdkCompression, BatchSize: b.cfg.sdkBatch, Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return nil, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = client.Shutdown(sctx)
	}()
	r := &idleResult{Tries: idleTries, PollMs: float64(pollEvery.Milliseconds())}
	// The probe is found by its service and nanosecond time: the primary key
	// (service, severity, timestamp) narrows the read to a granule or so per
	// part, and timestamp_ns is 8 bytes a row. Matching on the message made
	// each poll read the message column of those granules, up to 150 ms
	// after the shapes phase's 2 KB messages, which was counted as latency.
	q := fmt.Sprintf("SELECT count() FROM %s.events WHERE service = ? AND timestamp >= toDateTime(?) AND timestamp_ns = ?", b.db)
	for range idleTries {
		if !sleepCtx(ctx, 2*time.Second) {
			return nil, ctx.Err()
		}
		start := time.Now()
		client.Info("idle probe", aires.WithTimestamp(start))
		seen := false
		for time.Since(start) < 10*time.Second && ctx.Err() == nil {
			var n uint64
			if err := b.conn.QueryRow(ctx, q, serviceIdle, start.Unix()-1, uint64(start.UnixNano())).Scan(&n); err != nil {
				return nil, fmt.Errorf("idle probe query: %w", err)
			}
			if n > 0 {
				seen = true
				break
			}
			time.Sleep(pollEvery)
		}
		if !seen {
			r.Missing++
			continue
		}
		r.Latencies = append(r.Latencies, round1(float64(time.Since(start).Microseconds())/1000))
	}
	if len(r.Latencies) > 0 {
		s := append([]float64(nil), r.Latencies...)
		sort.Float64s(s)
		r.MedianMs = s[len(s)/2]
	}
	logf("  idle: median %.0f ms (%v ms; %d not seen within 10 s)", r.MedianMs, r.Latencies, r.Missing)
	return r, nil
}
