package airesclickhouseexporter

import (
	"context"
	"sync"
	"time"

	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/internal/schema/migrate"
)

// defaultsRefresh is how often the table's column defaults are read again,
// so that a default a user gives a column while the collector runs is
// obeyed within that time.
const defaultsRefresh = time.Minute

// columnDefaults are the columns an INSERT may leave out when every row of
// its batch holds the zero value there (schema.Omittable): read from the
// table when the exporter connects, and again every defaultsRefresh by the
// insert that finds them stale. Until read, and after a failed read, no
// column is left out.
type columnDefaults struct {
	mu     sync.Mutex
	omit   []bool
	readAt time.Time
}

// read reads the table's column defaults now, and returns them.
func (c *columnDefaults) read(ctx context.Context, db migrate.DB, table schema.Table, now time.Time, logger *zap.Logger) []bool {
	rows, err := db.Query(ctx, schema.ColumnDefaults(table))
	var omit []bool
	if err != nil {
		logger.Warn("cannot read the table's column defaults: every INSERT names every column until they are read again",
			zap.String("table", table.String()), zap.Duration("again_in", defaultsRefresh), zap.Error(err))
	} else {
		omit = schema.Omittable(rows)
	}
	c.mu.Lock()
	c.omit, c.readAt = omit, now
	c.mu.Unlock()
	return omit
}

// get returns the columns an INSERT may leave out, reading them again first
// when they are older than defaultsRefresh (one insert does, the others go
// on with what was read before).
func (c *columnDefaults) get(ctx context.Context, db migrate.DB, table schema.Table, now time.Time, logger *zap.Logger) []bool {
	c.mu.Lock()
	omit, stale := c.omit, now.Sub(c.readAt) >= defaultsRefresh
	if stale {
		c.readAt = now // this insert reads them
	}
	c.mu.Unlock()
	if !stale {
		return omit
	}
	return c.read(ctx, db, table, now, logger)
}
