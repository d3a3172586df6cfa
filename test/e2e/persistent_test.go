package e2e

import (
	"context"
	"database/sql"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// With the sending queue on file_storage, what the collector acknowledged
// survives a collector restart while ClickHouse is down: nothing
// acknowledged is lost.
func TestPersistentQueueSurvivesRestart(t *testing.T) {
	storage := t.TempDir()
	e := newEnv(t, func(s *collectorSettings) {
		s.StorageDir = storage
		s.QueueSize = 50000
	})
	client := dialAires(t, e.col.AiresPort)
	ts := time.Now().Add(-time.Minute)

	require.NoError(t, e.ch.Stop())
	var accepted uint64
	for n := 0; n < 8; n++ {
		b := fullBatch(0, 250, ts)
		for i, ev := range b.Events {
			ev.Id[13], ev.Id[14], ev.Id[15] = 0xee, byte(n), byte(i)
		}
		resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
		require.NoError(t, err, "the queue has room: the receiver must accept")
		accepted += resp.Accepted
	}
	require.Equal(t, uint64(2000), accepted)

	// Stop the collector with its queue full of undelivered events and start
	// a new process on the same storage while ClickHouse is still down (it
	// must start anyway), then bring ClickHouse back: only the queue on disk
	// can deliver the events now.
	e.col.stop()
	restarted := startCollector(t, collectorBinary(t), e.col.collectorSettings)
	require.NoError(t, e.ch.Restart())
	waitCount(t, e.db, accepted, 90*time.Second, `SELECT count() FROM aires_e2e.events`)
	waitCount(t, e.db, accepted, time.Second, `SELECT uniqExact(id) FROM aires_e2e.events`)
	restarted.alive(t)
}

// With the persistent queue, a collector killed (SIGKILL) under load, with
// inserts in flight, and started again leaves no row twice: the batches in
// flight at the kill come back from the queue, and the exporter checks
// their rows against the table (its in-flight journal) before it sends
// them again. Several kills, one table; nothing acknowledged is lost.
func TestPersistentQueueKillLeavesNoDuplicate(t *testing.T) {
	const rounds = 4
	bin := collectorBinary(t)
	e := newEnv(t, func(s *collectorSettings) {
		s.StorageDir = t.TempDir()
		s.QueueSize = 500000
	})
	var accepted uint64
	inFlightAtKill := 0
	for round := range rounds {
		client := dialAires(t, e.col.AiresPort)
		before := storedRows(t, e.db)
		stop := make(chan struct{})
		done := make(chan uint64)
		go func() { done <- sendUntil(client, byte(round), stop) }()

		// Kill once inserts are under way.
		waitCount(t, e.db, 1, 120*time.Second, `SELECT count() >= ? FROM aires_e2e.events`, before+15000)
		require.NoError(t, syscall.Kill(e.col.proc.Pid(), syscall.SIGKILL))
		close(stop)
		accepted += <-done
		require.Eventually(t, func() bool { return e.col.proc.Exited() != nil }, 10*time.Second, 20*time.Millisecond)

		e.col = startCollector(t, bin, e.col.collectorSettings)
		if strings.Contains(e.col.output.String(), "inserts were in flight when the collector last stopped") {
			inFlightAtKill++
		}
	}

	// A last batch after the final start: once it is stored and the count
	// stays put, the queue has delivered everything it held.
	client := dialAires(t, e.col.AiresPort)
	marker := markedBatch(0xff, 0, 100)
	for _, ev := range marker.Events {
		ev.Service = "kill-marker"
	}
	resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), marker)
	require.NoError(t, err)
	accepted += resp.Accepted
	waitCount(t, e.db, 100, 120*time.Second, `SELECT count() FROM aires_e2e.events WHERE service = 'kill-marker'`)
	for last, deadline := uint64(0), time.Now().Add(3*time.Minute); ; time.Sleep(2 * time.Second) {
		var n uint64
		if err := e.db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n); err == nil && n == last {
			break
		}
		require.True(t, time.Now().Before(deadline), "the row count still changes after 3 minutes")
		last = n
	}

	var rows, unique uint64
	require.NoError(t, e.db.QueryRow(`SELECT count(), uniqExact(id) FROM aires_e2e.events`).Scan(&rows, &unique))
	t.Logf("%d kills (%d restarts found in-flight journal entries): %d events acknowledged, %d rows stored, %d distinct ids, %d duplicates",
		rounds, inFlightAtKill, accepted, rows, unique, rows-unique)
	assert.Zero(t, rows-unique, "duplicate rows (same id) after the kills")
	assert.GreaterOrEqual(t, unique, accepted, "acknowledged events lost")
	e.col.alive(t)
}

// markedBatch is n events of service kill-load whose ids carry round and
// seq (bytes 10 to 15), distinct across batches.
func markedBatch(round byte, seq uint16, n int) *airesv1.EventBatch {
	b := fullBatch(0, n, time.Now().Add(-time.Minute))
	for i, ev := range b.Events {
		ev.Service = "kill-load"
		ev.Id[10], ev.Id[11], ev.Id[12] = round, byte(seq>>8), byte(seq)
		ev.Id[13], ev.Id[14], ev.Id[15] = 0xee, byte(i>>8), byte(i)
	}
	return b
}

// sendUntil sends batches of 250 events, 10 ms apart and at most 50,000
// events (the backlog of a slow machine stays bounded), until stop is
// closed or the collector stops answering, and returns how many events it
// acknowledged.
func sendUntil(client airesv1.IngestServiceClient, round byte, stop <-chan struct{}) uint64 {
	var accepted uint64
	for seq := uint16(0); seq < 200; seq++ {
		select {
		case <-stop:
			return accepted
		case <-time.After(10 * time.Millisecond):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		resp, err := client.Ingest(ctx, markedBatch(round, seq, 250))
		cancel()
		if err != nil {
			return accepted
		}
		accepted += resp.Accepted
	}
	<-stop
	return accepted
}

func storedRows(t *testing.T, db *sql.DB) uint64 {
	t.Helper()
	var n uint64
	require.NoError(t, db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n))
	return n
}
