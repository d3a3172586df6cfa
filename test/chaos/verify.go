package chaos

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// stored maps each seq found in ClickHouse to the number of rows holding it.
type stored map[int64]uint64

// readStored reads the seqs of service's events from database.
func readStored(db *sql.DB, database, service string) (stored, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rows, err := db.QueryContext(ctx, fmt.Sprintf(
		"SELECT attr_int_values[indexOf(attr_int_keys, '%s')] AS seq, count() FROM %s.events "+
			"WHERE service = ? AND has(attr_int_keys, '%s') GROUP BY seq", SeqKey, database, SeqKey), service)
	if err != nil {
		return nil, fmt.Errorf("read the stored seqs: %w", err)
	}
	defer rows.Close()
	out := stored{}
	for rows.Next() {
		var seq int64
		var n uint64
		if err := rows.Scan(&seq, &n); err != nil {
			return nil, err
		}
		out[seq] = n
	}
	return out, rows.Err()
}

// settleTimes bound the wait for the pipeline to deliver what it holds.
type settleTimes struct {
	Quiet time.Duration // no new row for this long: delivery is over
	Max   time.Duration // give up after this long
}

// settle polls ClickHouse until every acknowledged seq is stored and no row
// has arrived for Quiet (retried inserts may still land after that), or no
// row has arrived for 3×Quiet while some are missing (what the pipeline held
// is lost), or Max has passed; it returns the last read.
func settle(db *sql.DB, database, service string, acked map[int64]struct{}, t settleTimes) (stored, error) {
	start := time.Now()
	lastChange := start
	var last stored
	var lastRows uint64
	for {
		s, err := readStored(db, database, service)
		if err != nil {
			// ClickHouse may still be restarting: keep trying within Max.
			if time.Since(start) > t.Max {
				return last, err
			}
			time.Sleep(500 * time.Millisecond)
			continue
		}
		var rows uint64
		for _, n := range s {
			rows += n
		}
		if last == nil || rows != lastRows {
			lastChange = time.Now()
		}
		last, lastRows = s, rows
		quiet := time.Since(lastChange)
		complete := missing(acked, s) == 0
		if (complete && quiet >= t.Quiet) || quiet >= 3*t.Quiet || time.Since(start) > t.Max {
			return s, nil
		}
		time.Sleep(250 * time.Millisecond)
	}
}

// missing counts the acknowledged seqs not stored.
func missing(acked map[int64]struct{}, s stored) uint64 {
	var n uint64
	for seq := range acked {
		if s[seq] == 0 {
			n++
		}
	}
	return n
}

// Counts are one scenario's event counts.
type Counts struct {
	Sent         uint64 // events given to the SDK (seqs issued)
	Acknowledged uint64 // events the collector answered OK for
	Stored       uint64 // distinct seqs in ClickHouse
	Duplicates   uint64 // rows beyond the first for a seq
	Lost         uint64 // acknowledged but not stored
}

func count(sent uint64, acked map[int64]struct{}, s stored) Counts {
	c := Counts{Sent: sent, Acknowledged: uint64(len(acked)), Stored: uint64(len(s))}
	for _, n := range s {
		c.Duplicates += n - 1
	}
	c.Lost = missing(acked, s)
	return c
}
