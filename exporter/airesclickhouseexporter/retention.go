package airesclickhouseexporter

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
)

// defaultJanitorInterval is how often the janitor looks for expired days
// (it also runs once at start). Partitions are days, so an hour is plenty.
const defaultJanitorInterval = time.Hour

// janitor enforces retention by dropping whole day partitions of the events
// table and of the views' tables once every row in them is older than the
// retention. It is the only mechanism on servers without TTL (18.16), and a
// safety net beside TTL elsewhere: TTL removes rows only when parts merge,
// which can lag by hours, while dropping a partition is immediate and cheap.
//
// Dropping a partition that a concurrent janitor (another collector) already
// dropped is a no-op, so several collectors can run one each.
type janitor struct {
	conn      driver.Conn
	tables    []schema.Table
	retention time.Duration
	interval  time.Duration
	now       func() time.Time
	logger    *zap.Logger

	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan struct{}
}

// start runs the janitor now and then every interval until stop.
func (j *janitor) start() {
	ctx, cancel := context.WithCancel(context.Background())
	j.cancel = cancel
	j.done = make(chan struct{})
	go func() {
		defer close(j.done)
		t := time.NewTicker(j.interval)
		defer t.Stop()
		for {
			if _, err := j.runOnce(ctx); err != nil && ctx.Err() == nil {
				j.logger.Warn("retention: cannot drop expired partitions; retrying at the next run",
					zap.Duration("retention", j.retention), zap.Duration("interval", j.interval), zap.Error(err))
			}
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}()
}

// stop stops the janitor and waits for it. Safe without start.
func (j *janitor) stop() {
	j.stopOnce.Do(func() {
		if j.cancel != nil {
			j.cancel()
			<-j.done
		}
	})
}

// expiredPartition is a day partition whose rows are all older than the
// retention.
type expiredPartition struct {
	table schema.Table
	id    string // partition_id, e.g. 20261127
	day   string // partition, e.g. 2026-11-27
}

// runOnce drops every expired day partition and returns what it dropped.
func (j *janitor) runOnce(ctx context.Context) ([]expiredPartition, error) {
	expired, err := j.expired(ctx)
	if err != nil {
		return nil, err
	}
	var dropped []expiredPartition
	for _, p := range expired {
		stmt := fmt.Sprintf("ALTER TABLE %s DROP PARTITION ID '%s'", p.table, p.id)
		if err := j.conn.Exec(ctx, stmt); err != nil {
			return dropped, fmt.Errorf("drop partition %s of %s: %w (partitions over 50 GB need the server's max_partition_size_to_drop raised)", p.day, p.table, err)
		}
		j.logger.Info("retention: dropped an expired day", zap.String("table", p.table.String()),
			zap.String("day", p.day), zap.Duration("retention", j.retention))
		dropped = append(dropped, p)
	}
	return dropped, nil
}

// expired lists the active day partitions older than the cutoff day. The
// days are those of toDate(timestamp) in the server's time zone, so the
// cutoff day is computed by the server too: a day D is expired when D is
// before the day of (now - retention), i.e. all of D ends before the cutoff.
func (j *janitor) expired(ctx context.Context) ([]expiredPartition, error) {
	cutoff := j.now().Add(-j.retention).Unix()
	if cutoff < 0 {
		return nil, nil
	}
	var cutoffDay string
	if err := j.conn.QueryRow(ctx, fmt.Sprintf("SELECT toString(toDate(toDateTime(%d)))", cutoff)).Scan(&cutoffDay); err != nil {
		return nil, fmt.Errorf("compute the cutoff day: %w", err)
	}
	names := make([]string, len(j.tables))
	for i, t := range j.tables {
		names[i] = "'" + t.Name + "'" // plain identifiers (config validation): no escaping needed
	}
	db := j.tables[0].Database
	rows, err := j.conn.Query(ctx, fmt.Sprintf(
		"SELECT DISTINCT table, partition_id, partition FROM system.parts WHERE database = '%s' AND table IN (%s) AND active ORDER BY table, partition_id",
		db, strings.Join(names, ", ")))
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	defer rows.Close()
	var out []expiredPartition
	for rows.Next() {
		var table, id, partition string
		if err := rows.Scan(&table, &id, &partition); err != nil {
			return nil, err
		}
		day := strings.Trim(partition, "'")
		if _, err := time.Parse(time.DateOnly, day); err != nil {
			// Not a day partition (a table created by hand with another
			// key): leave it alone.
			continue
		}
		if day < cutoffDay { // YYYY-MM-DD sorts as text
			out = append(out, expiredPartition{table: schema.Table{Database: db, Name: table}, id: id, day: day})
		}
	}
	return out, rows.Err()
}
