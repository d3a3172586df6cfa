// The unlimited phase: the sustained rate again, through a second collector
// without memory_limiter and GOMEMLIMIT, so that the limited collector's
// rate is compared with it in one run.

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// unlimited measures the sustained rate of a collector with the run's
// settings but no memory limit, with a fleet of its own, into the same
// ClickHouse. The run's collector stays up, idle.
func (b *bencher) unlimited(ctx context.Context, dir, clickhouse string, tmpls []*evTemplate) (*sustainedResult, error) {
	c := b.cfg
	b.phase.Store("unlimited")
	logf("phase unlimited: a second collector without memory_limiter and GOMEMLIMIT, at full speed")
	cdir := filepath.Join(dir, "unlimited")
	if err := os.MkdirAll(cdir, 0o755); err != nil {
		return nil, err
	}
	col, err := startCollector(c.collector, cdir, collectorSettings{
		exporterSettings: c.exp, ClickHouse: clickhouse, Database: b.db, Env: c.collectorEnv,
	})
	if err != nil {
		return nil, fmt.Errorf("start the unlimited collector: %w", err)
	}
	defer col.stop()
	f, err := newFleet(fmt.Sprintf("127.0.0.1:%d", col.AiresPort), c.clients, c.goroutines, c.sdk(c.sdkCompression), tmpls)
	if err != nil {
		return nil, err
	}
	defer f.shutdown(5 * time.Second)
	pids := map[string]int{"collector": col.pid(), "airesbench": 0}
	if p, ok := b.pids["clickhouse"]; ok {
		pids["clickhouse"] = p
	}
	other := &bencher{cfg: c, conn: b.conn, db: b.db, col: col, fleet: f, pids: pids, t0: b.t0}
	r, err := other.sustained(ctx)
	if err != nil {
		return nil, err
	}
	if !col.alive() {
		return nil, fmt.Errorf("the unlimited collector exited during the run:\n%s", tail(col.log))
	}
	return r, nil
}
