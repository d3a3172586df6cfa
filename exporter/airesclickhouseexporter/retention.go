package airesclickhouseexporter

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/internal/schema/migrate"
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
	db       migrate.DB
	schema   schema.Schema // the tables and the retention
	interval time.Duration
	now      func() time.Time
	logger   *zap.Logger

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
					zap.Duration("retention", j.schema.Retention), zap.Duration("interval", j.interval), zap.Error(err))
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

// runOnce drops every expired day partition and returns what it dropped.
func (j *janitor) runOnce(ctx context.Context) ([]schema.Partition, error) {
	dropped, err := migrate.DropExpired(ctx, j.db, j.schema, j.now())
	for _, p := range dropped {
		j.logger.Info("retention: dropped an expired day", zap.String("table", p.Table.String()),
			zap.String("day", p.Day), zap.Duration("retention", j.schema.Retention))
	}
	return dropped, err
}
