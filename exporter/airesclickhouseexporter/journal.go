package airesclickhouseexporter

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/extension/xextension/storage"
	"go.uber.org/zap"
)

// journal keeps, in the persistent queue's storage extension, the rows of
// every insert in flight or in doubt, so that after a crash the exporter
// knows which batches the queue delivers again may be stored already. An
// entry is written before the INSERT. A failed insert's entry is deleted at
// once when nothing reached the server, and kept while the insert is in
// doubt. A successful insert's entry is kept a little longer (the last
// journalRecent of them, for at most journalRecentFor): the queue deletes
// the batch from its storage only after the push returned, and a crash in
// between delivers a stored batch again. An entry holds the
// batch's ids (16 bytes a row), its time range and services: a small
// fraction of what the queue itself writes for the same rows.
//
// Entries live in numbered slots (at most journalSlots: the storage client
// cannot list its keys), one per insert in flight or in doubt.
type journal struct {
	client storage.Client
	logger *zap.Logger

	mu     sync.Mutex
	used   [journalSlots]bool
	recent []recentEntry // entries of successful inserts, oldest first
}

type recentEntry struct {
	slot int
	at   time.Time
}

const (
	journalSlots     = 256
	journalRecent    = 64
	journalRecentFor = 10 * time.Second
)

func journalKey(slot int) string { return "aires_inflight_" + strconv.Itoa(slot) }

// put writes the entry of b in a free slot and returns the slot, or -1 when
// every slot is taken (the insert then goes unjournaled: a crash during it
// could duplicate its rows).
func (j *journal) put(ctx context.Context, b *batchRows) (int, error) {
	j.mu.Lock()
	slot := -1
	for i, used := range j.used {
		if !used {
			slot, j.used[i] = i, true
			break
		}
	}
	j.mu.Unlock()
	if slot < 0 {
		j.logger.Warn("the in-flight journal is full (too many inserts in doubt); this batch is not journaled and a crash during its insert could store it twice",
			zap.Int("slots", journalSlots))
		return -1, nil
	}
	if err := j.client.Set(ctx, journalKey(slot), encodeBatchRows(b)); err != nil {
		j.free(slot)
		return -1, fmt.Errorf("cannot write the in-flight journal entry of the batch to the storage extension: %w", err)
	}
	return slot, nil
}

// settle keeps the entry in slot, of an insert that succeeded, among the
// recent ones, and deletes those that are too old or too many.
func (j *journal) settle(ctx context.Context, slot int) {
	now := time.Now()
	j.mu.Lock()
	j.recent = append(j.recent, recentEntry{slot, now})
	var expired []int
	for len(j.recent) > 0 && (len(j.recent) > journalRecent || now.Sub(j.recent[0].at) > journalRecentFor) {
		expired = append(expired, j.recent[0].slot)
		j.recent = j.recent[1:]
	}
	j.mu.Unlock()
	for _, s := range expired {
		j.remove(ctx, s)
	}
}

// remove deletes the entry in slot.
func (j *journal) remove(ctx context.Context, slot int) {
	if err := j.client.Delete(ctx, journalKey(slot)); err != nil {
		// Left behind, the entry is resolved again after the next
		// restart: a query, no duplicate.
		j.logger.Warn("cannot delete an in-flight journal entry", zap.Int("slot", slot), zap.Error(err))
	}
	j.free(slot)
}

func (j *journal) free(slot int) {
	j.mu.Lock()
	j.used[slot] = false
	j.mu.Unlock()
}

// load reads the entries a previous run left: inserts that were in flight or
// in doubt when it stopped.
func (j *journal) load(ctx context.Context) ([]*doubt, error) {
	ops := make([]*storage.Operation, journalSlots)
	for i := range ops {
		ops[i] = storage.GetOperation(journalKey(i))
	}
	if err := j.client.Batch(ctx, ops...); err != nil {
		return nil, fmt.Errorf("cannot read the in-flight journal from the storage extension: %w", err)
	}
	var out []*doubt
	for i, op := range ops {
		if op.Value == nil {
			continue
		}
		d, err := decodeDoubt(op.Value)
		if err != nil {
			j.logger.Warn("dropping an unreadable in-flight journal entry", zap.Int("slot", i), zap.Error(err))
			_ = j.client.Delete(ctx, journalKey(i))
			continue
		}
		d.journalSlot, d.fromJournal = i, true
		j.used[i] = true
		out = append(out, d)
	}
	return out, nil
}

const journalFormat = 1

func encodeBatchRows(b *batchRows) []byte {
	buf := make([]byte, 0, 64+len(b.queryID)+16*len(b.ids))
	buf = append(buf, journalFormat)
	buf = binary.AppendUvarint(buf, uint64(len(b.queryID)))
	buf = append(buf, b.queryID...)
	// Seconds as uvarints: a negative time (a cast back and forth) is
	// stored as a large number and read back unchanged.
	buf = binary.AppendUvarint(buf, uint64(b.minTs))
	buf = binary.AppendUvarint(buf, uint64(b.maxTs))
	buf = binary.AppendUvarint(buf, uint64(len(b.services)))
	for _, s := range b.services {
		buf = binary.AppendUvarint(buf, uint64(len(s)))
		buf = append(buf, s...)
	}
	buf = binary.AppendUvarint(buf, uint64(len(b.ids)))
	for _, id := range b.ids {
		buf = append(buf, id[:]...)
	}
	return buf
}

var errBadEntry = errors.New("malformed in-flight journal entry")

func decodeDoubt(buf []byte) (*doubt, error) {
	if len(buf) == 0 || buf[0] != journalFormat {
		return nil, errBadEntry
	}
	buf = buf[1:]
	uvarint := func() uint64 {
		v, n := binary.Uvarint(buf)
		if n <= 0 {
			buf = nil
			return 0
		}
		buf = buf[n:]
		return v
	}
	bytes := func(n uint64) []byte {
		if uint64(len(buf)) < n {
			buf = nil
			return nil
		}
		b := buf[:n]
		buf = buf[n:]
		return b
	}
	d := &doubt{}
	d.queryID = string(bytes(uvarint()))
	d.minTs, d.maxTs = int64(uvarint()), int64(uvarint())
	for n := uvarint(); n > 0 && buf != nil; n-- {
		d.services = append(d.services, string(bytes(uvarint())))
	}
	n := uvarint()
	raw := bytes(16 * n)
	if buf == nil || len(buf) != 0 {
		return nil, errBadEntry
	}
	d.ids = make([][16]byte, n)
	for i := range d.ids {
		copy(d.ids[i][:], raw[16*i:])
	}
	return d, nil
}

// openJournal opens the in-flight journal in the sending queue's storage
// extension, when the queue is persistent, and takes the entries a previous
// run left as inserts in doubt. Without a persistent queue a crash loses
// the queue anyway, and doubts are kept in memory only.
func (e *logsExporter) openJournal(ctx context.Context, host component.Host) error {
	if !e.cfg.persistentQueue() || e.doubts.journal != nil {
		return nil
	}
	id := *e.cfg.QueueConfig.Get().StorageID
	ext, ok := host.GetExtensions()[id]
	if !ok {
		return fmt.Errorf("sending_queue storage %s is not an extension of this collector; add it under extensions and service.extensions", id)
	}
	se, ok := ext.(storage.Extension)
	if !ok {
		return fmt.Errorf("sending_queue storage %s is not a storage extension", id)
	}
	client, err := se.GetClient(ctx, component.KindExporter, e.id, "aires_inflight")
	if err != nil {
		return fmt.Errorf("cannot open the in-flight journal in storage %s: %w", id, err)
	}
	return e.useJournal(ctx, client)
}

// useJournal keeps the journal in client and takes the entries a previous
// run left there as inserts in doubt.
func (e *logsExporter) useJournal(ctx context.Context, client storage.Client) error {
	j := &journal{client: client, logger: e.logger}
	left, err := j.load(ctx)
	if err != nil {
		_ = client.Close(ctx)
		return err
	}
	if len(left) > 0 {
		rows := 0
		for _, d := range left {
			rows += len(d.ids)
		}
		e.logger.Info("inserts were in flight when the collector last stopped; their rows are checked against the table before the queue sends them again",
			zap.Int("inserts", len(left)), zap.Int("rows", rows))
	}
	e.doubts.journal = j
	e.doubts.mu.Lock()
	for _, d := range left {
		e.doubts.addLocked(ctx, d)
	}
	e.doubts.mu.Unlock()
	return nil
}

// closeJournal closes the storage client of the journal, if any.
func (e *logsExporter) closeJournal() {
	if j := e.doubts.journal; j != nil {
		_ = j.client.Close(context.Background())
		e.doubts.journal = nil
	}
}
