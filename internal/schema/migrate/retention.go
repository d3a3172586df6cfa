package migrate

import (
	"context"
	"fmt"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// DropExpired enforces retention on the tables of s that hold rows (the
// events table and the views' tables) by dropping every day partition whose
// rows are all older than now - s.Retention. It returns what it dropped, also
// when a drop fails half-way. Several collectors may run it at once: dropping
// a partition that is already gone is a no-op.
//
// A day D is expired when D is before the day of (now - retention) in the
// server's time zone, i.e. all of D ends before the cutoff: rows live between
// retention and retention + 1 day.
func DropExpired(ctx context.Context, db DB, s schema.Schema, now time.Time) ([]schema.Partition, error) {
	expired, err := expiredPartitions(ctx, db, s, now)
	if err != nil {
		return nil, err
	}
	var dropped []schema.Partition
	for _, p := range expired {
		if err := db.Exec(ctx, s.DropPartition(p)); err != nil {
			return dropped, fmt.Errorf("drop partition %s of %s: %w (partitions over 50 GB need the server's max_partition_size_to_drop raised)", p.Day, p.Table, err)
		}
		dropped = append(dropped, p)
	}
	return dropped, nil
}

// expiredPartitions lists the active day partitions older than the cutoff
// day, which the server computes: the days are those of toDate() in its time
// zone.
func expiredPartitions(ctx context.Context, db DB, s schema.Schema, now time.Time) ([]schema.Partition, error) {
	if s.Retention <= 0 {
		return nil, nil
	}
	cutoff := now.Add(-s.Retention)
	if cutoff.Unix() < 0 {
		return nil, nil
	}
	rows, err := db.Query(ctx, schema.CutoffDay(cutoff))
	if err != nil {
		return nil, fmt.Errorf("compute the cutoff day: %w", err)
	}
	if len(rows) != 1 {
		return nil, fmt.Errorf("compute the cutoff day: %s returned %d rows, want one", schema.CutoffDay(cutoff), len(rows))
	}
	cutoffDay := firstColumn(rows[0])
	rows, err = db.Query(ctx, s.ActivePartitions())
	if err != nil {
		return nil, fmt.Errorf("list partitions: %w", err)
	}
	var out []schema.Partition
	for _, row := range rows {
		p, err := s.ParsePartition(row)
		if err != nil {
			return nil, fmt.Errorf("list partitions: %w", err)
		}
		if p.ExpiredBefore(cutoffDay) {
			out = append(out, p)
		}
	}
	return out, nil
}
