package airesclickhouseexporter

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/ext"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"
	"github.com/google/uuid"
	"go.uber.org/zap"

	"github.com/aires-dev/aires/internal/schema"
)

// An insert is in doubt when nobody knows whether its rows are stored: the
// connection broke while the batch was being sent or before the server
// answered, or the collector died with the insert in flight (the persistent
// queue then delivers the batch again after the restart). Sending such a
// batch again blindly stores its rows twice on a server without the
// deduplication window (18.16), or when the queue regroups the rows into
// other batches after a restart (any server).
//
// The exporter resolves a doubt before it inserts anything else: one query
// asks which of the doubtful rows' ids are stored, within their time range
// and services so that the partition and primary key prune the read. The
// ids found are then left out of every later batch that carries them (the
// check is by row, so it holds however the queue regroups them); the doubt
// is retired once all its rows went through a batch that succeeded. Batches
// that were never in doubt cost nothing but a map lookup while a doubt is
// open, and nothing at all otherwise.

// batchRows describes the rows of one insert: what a doubt needs to find
// them again.
type batchRows struct {
	queryID       string
	ids           [][16]byte
	minTs, maxTs  int64 // seconds: the range of the timestamp column
	services      []string
	servicesSeen  map[string]struct{}
	journalSlot   int // the journal entry while the insert is in flight; -1 without journal
	seenDoubtful  [][16]byte
	skippedStored int
}

func (b *batchRows) reset() {
	b.queryID = ""
	b.ids = b.ids[:0]
	b.minTs, b.maxTs = 0, 0
	b.services = b.services[:0]
	clear(b.servicesSeen)
	b.journalSlot = -1
	b.seenDoubtful = b.seenDoubtful[:0]
	b.skippedStored = 0
}

// copyMeta gives b the time range and services of from, for a batch of a
// subset of from's rows (their ids are added by the caller).
func (b *batchRows) copyMeta(from *batchRows) {
	b.minTs, b.maxTs = from.minTs, from.maxTs
	b.services = append(b.services[:0], from.services...)
}

// add records a row of the batch.
func (b *batchRows) add(id [16]byte, tsNs uint64, service string) {
	ts := int64(tsNs / 1e9)
	if len(b.ids) == 0 || ts < b.minTs {
		b.minTs = ts
	}
	if len(b.ids) == 0 || ts > b.maxTs {
		b.maxTs = ts
	}
	b.ids = append(b.ids, id)
	// Rows of one service usually come together: skip the map for a repeat.
	if n := len(b.services); n > 0 && b.services[n-1] == service {
		return
	}
	if _, ok := b.servicesSeen[service]; !ok {
		if b.servicesSeen == nil {
			b.servicesSeen = make(map[string]struct{})
		}
		b.servicesSeen[service] = struct{}{}
		b.services = append(b.services, service)
	}
}

// doubt is an insert whose outcome is unknown.
type doubt struct {
	queryID      string
	ids          [][16]byte
	minTs, maxTs int64
	services     []string
	journalSlot  int
	// fromJournal: left by a previous run, possibly by an insert that
	// succeeded just before the crash (see journal), so it may well never
	// come back.
	fromJournal bool
	// left counts the ids not yet seen in a batch that succeeded; the doubt
	// is retired at 0.
	left int
}

// idState is what a resolved doubt knows of one id.
type idState struct {
	d      *doubt
	stored bool
}

// doubts holds the inserts in doubt of one exporter.
type doubts struct {
	schema  schema.Schema // the events table and cluster mode (no capabilities needed)
	logger  *zap.Logger
	journal *journal // nil without a persistent queue

	mu       sync.Mutex
	all      []*doubt // open doubts, oldest first
	pending  []*doubt // not resolved yet
	ids      map[[16]byte]idState
	anything atomic.Bool // pending or ids not empty: the fast path's check
}

// maxDoubts bounds the open doubts. A doubt whose rows never come back (the
// retries gave up, the queue dropped the batch) would otherwise stay for
// good; beyond the bound the oldest is given up, with a warning.
const maxDoubts = journalSlots / 2

func newDoubts(sch schema.Schema, logger *zap.Logger) *doubts {
	return &doubts{schema: sch, logger: logger, ids: make(map[[16]byte]idState)}
}

func (t *doubts) open() bool { return t.anything.Load() }

func (t *doubts) update() { t.anything.Store(len(t.pending) > 0 || len(t.ids) > 0) }

// add records that the insert of b is in doubt (it keeps its journal
// entry).
func (t *doubts) add(b *batchRows) {
	d := &doubt{queryID: b.queryID, ids: slices.Clone(b.ids), minTs: b.minTs, maxTs: b.maxTs,
		services: slices.Clone(b.services), journalSlot: b.journalSlot}
	t.mu.Lock()
	t.addLocked(context.Background(), d)
	t.mu.Unlock()
}

// addLocked opens doubt d, giving up the oldest beyond maxDoubts.
func (t *doubts) addLocked(ctx context.Context, d *doubt) {
	t.pending = append(t.pending, d)
	t.all = append(t.all, d)
	for len(t.all) > maxDoubts {
		old := t.all[0]
		if !old.fromJournal {
			t.logger.Warn("too many inserts in doubt: giving up the oldest, whose rows could be stored twice if they come back",
				zap.Int("rows", len(old.ids)), zap.String("query_id", old.queryID))
		}
		for _, id := range old.ids {
			if st, ok := t.ids[id]; ok && st.d == old {
				delete(t.ids, id)
			}
		}
		t.pending = slices.DeleteFunc(t.pending, func(p *doubt) bool { return p == old })
		t.retire(ctx, old)
	}
	t.update()
}

// errStillRunning: the insert in doubt is still being executed by the
// server; its outcome is not known yet.
var errStillRunning = fmt.Errorf("an insert in doubt is still running on ClickHouse; the batch is retried once it has finished")

// resolve asks the server which rows of every pending doubt are stored.
// An error leaves the doubts pending: the push fails before it has sent
// anything, and is retried.
func (t *doubts) resolve(ctx context.Context, conn driver.Conn) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.pending) > 0 {
		d := t.pending[0]
		if d.queryID != "" {
			var running uint64
			if err := conn.QueryRow(ctx, schema.QueryRunning(d.queryID)).Scan(&running); err != nil {
				return fmt.Errorf("cannot check whether the insert in doubt %s still runs: %w", d.queryID, err)
			}
			if running > 0 {
				return errStillRunning
			}
		}
		stored, err := t.storedIDs(ctx, conn, d)
		if err != nil {
			return fmt.Errorf("cannot find which rows of an insert in doubt are stored in %s: %w", t.schema.Table, err)
		}
		for _, id := range d.ids {
			if _, dup := t.ids[id]; dup {
				continue // also in an older doubt, which keeps it
			}
			_, ok := stored[id]
			t.ids[id] = idState{d: d, stored: ok}
			d.left++
		}
		t.pending = t.pending[1:]
		if d.left == 0 {
			t.retire(ctx, d)
		}
	}
	t.update()
	return nil
}

// storedIDs is the subset of d's ids that the table holds. The ids go as an
// external table (a literal list would exceed max_query_size); the time
// range and the services let the server read only the granules the batch
// can be in.
func (t *doubts) storedIDs(ctx context.Context, conn driver.Conn, d *doubt) (map[[16]byte]struct{}, error) {
	ids, err := ext.NewTable(schema.StoredIDsTable, ext.Column("id", "UUID"))
	if err != nil {
		return nil, err
	}
	for _, id := range d.ids {
		if err := ids.Append(uuid.UUID(id)); err != nil {
			return nil, err
		}
	}
	query := t.schema.StoredIDs(d.minTs, d.maxTs, d.services)
	rows, err := conn.Query(clickhouse.Context(ctx, clickhouse.WithExternalTable(ids)), query)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := make(map[[16]byte]struct{})
	for rows.Next() {
		var id uuid.UUID
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out[id] = struct{}{}
	}
	return out, rows.Err()
}

// lock and unlock bracket the filling of a batch while doubts are open.
func (t *doubts) lock()   { t.mu.Lock() }
func (t *doubts) unlock() { t.mu.Unlock() }

// skip reports, with t locked, whether the row with id is stored already;
// it notes in b the ids that belong to a doubt.
func (t *doubts) skip(id [16]byte, b *batchRows) bool {
	st, ok := t.ids[id]
	if !ok {
		return false
	}
	b.seenDoubtful = append(b.seenDoubtful, id)
	if st.stored {
		b.skippedStored++
	}
	return st.stored
}

// state tells, with t locked, whether the row with id belongs to a doubt,
// and whether it is known to be stored.
func (t *doubts) state(id [16]byte) (doubtful, stored bool) {
	st, ok := t.ids[id]
	return ok, st.stored
}

// done records that b's batch succeeded (or was refused for good): the ids
// of doubts it carried are settled.
func (t *doubts) done(ctx context.Context, b *batchRows) {
	if len(b.seenDoubtful) == 0 {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, id := range b.seenDoubtful {
		st, ok := t.ids[id]
		if !ok {
			continue
		}
		delete(t.ids, id)
		st.d.left--
		if st.d.left == 0 {
			t.retire(ctx, st.d)
		}
	}
	t.update()
}

// retire forgets d (with t locked).
func (t *doubts) retire(ctx context.Context, d *doubt) {
	t.all = slices.DeleteFunc(t.all, func(o *doubt) bool { return o == d })
	if t.journal != nil && d.journalSlot >= 0 {
		t.journal.remove(ctx, d.journalSlot)
	}
}
