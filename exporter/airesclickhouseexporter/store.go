package airesclickhouseexporter

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/cenkalti/backoff/v7"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
)

// A request's data is let go once its rows are in a group's block: the
// block owns its bytes, and the group is retried from the block, in
// process, until it is stored, refused for good, out of retries or the
// exporter stops. So under load the memory a waiting request holds is its
// rows in column form, not its plog data (which took about three times as
// much, and its decoded request buffer besides).

// span is the rows one push added to a group: [start, end) of its block.
type span struct{ start, end int }

// takenSchemaURL marks a request whose rows an insert took (see take).
const takenSchemaURL = "aires_clickhouse:taken"

// errTaken answers a request pushed again after its rows were taken by an
// insert that gave up without storing them while the exporter stopped: its
// data is no longer there to send. The error is retryable, so the
// persistent queue keeps the request for the next start.
var errTaken = errors.New("the request's rows went with an insert that was interrupted by shutdown; a persistent queue sends it again after the restart")

// take empties ld, whose rows are in a group's block, leaving a marker so
// that a second push of it is refused instead of acknowledged as empty. The
// exporter declares that it mutates data, so ld is its own.
func take(ld plog.Logs) {
	rls := ld.ResourceLogs()
	rls.RemoveIf(func(plog.ResourceLogs) bool { return true })
	rls.AppendEmpty().SetSchemaUrl(takenSchemaURL)
}

// taken tells whether ld was emptied by take.
func taken(ld plog.Logs) bool {
	rls := ld.ResourceLogs()
	return rls.Len() == 1 && rls.At(0).SchemaUrl() == takenSchemaURL && rls.At(0).ScopeLogs().Len() == 0
}

// storeGroup is the batcher's send: it stores g's rows (see store). A group
// that ClickHouse refuses for good is tried again one push at a time, so
// that one bad request loses nothing of the others; each push then has its
// own outcome (g.errs). g's inserter goes back to the pool.
func (e *logsExporter) storeGroup(g *group) error {
	err := e.store(g)
	if err != nil && consumererror.IsPermanent(err) && len(g.spans) > 1 {
		g.errs = make([]error, len(g.spans))
		for i, sp := range g.spans {
			alone := e.newGroup()
			alone.pushes = 1
			alone.ins.rows.copyMeta(&g.ins.rows)
			for r := sp.start; r < sp.end; r++ {
				alone.ins.addRowOf(g.ins, r)
			}
			alone.spans = []span{{0, alone.ins.blk.Len()}}
			g.errs[i] = e.store(alone)
			e.inserters.put(alone.ins)
		}
	}
	e.inserters.put(g.ins)
	return err
}

// store inserts g's rows, and on a retryable failure tries again after the
// backoff of retry_on_failure, until it succeeds, is refused for good, has
// retried for max_elapsed_time or the exporter stops. Given up, the error
// stays retryable: where the caller still holds the data (wait_for_result,
// no queue) the receiver tells the client to send it again, and a request
// exporterhelper pushes again is refused (errTaken), not taken as empty.
// Before each try, inserts in doubt are resolved and the rows they stored
// are left out of g.
func (e *logsExporter) store(g *group) error {
	bo := e.cfg.BackOffConfig
	// The backoff exporterhelper's retry sender uses, from the same settings.
	next := &backoff.ExponentialBackOff{InitialInterval: bo.InitialInterval, RandomizationFactor: bo.RandomizationFactor,
		Multiplier: bo.Multiplier, MaxInterval: bo.MaxInterval}
	next.Reset()
	start := time.Now()
	for {
		err := e.settleDoubts(g)
		if err == nil {
			if g.ins.blk.Len() == 0 {
				return nil // every row was stored by an insert in doubt
			}
			err = e.attempt(g)
		}
		if err == nil || consumererror.IsPermanent(err) || !bo.Enabled {
			return err
		}
		wait := next.NextBackOff()
		if bo.MaxElapsedTime > 0 && time.Since(start)+wait > bo.MaxElapsedTime {
			return fmt.Errorf("no more retries after %s (retry_on_failure.max_elapsed_time %s): %w",
				time.Since(start).Round(time.Millisecond), bo.MaxElapsedTime, err)
		}
		timer := time.NewTimer(wait)
		select {
		case <-e.stopping:
			timer.Stop()
			return err
		case <-timer.C:
		}
	}
}

// settleDoubts resolves the inserts in doubt, if any, and leaves out of g
// the rows they stored.
func (e *logsExporter) settleDoubts(g *group) error {
	if !e.doubts.open() {
		return nil
	}
	conn := e.connection()
	if conn == nil {
		return errNotStarted
	}
	ctx, cancel := e.insertContext()
	defer cancel()
	if err := e.doubts.resolve(ctx, conn); err != nil {
		return err
	}
	e.leaveOutStored(g)
	if g.ins.blk.Len() == 0 {
		e.doubts.done(ctx, &g.ins.rows)
	}
	return nil
}

// leaveOutStored drops from g the rows that resolved doubts found stored,
// building a new block of the others and mapping the pushes' spans to it.
func (e *logsExporter) leaveOutStored(g *group) {
	e.doubts.lock()
	defer e.doubts.unlock()
	// The block's doubtful ids are noted (again, if fill noted them: done
	// ignores an id it has settled), so that the doubts they belong to are
	// settled when the block is stored.
	old := &g.ins.rows
	stored := 0
	for _, id := range old.ids {
		doubtful, isStored := e.doubts.state(id)
		if doubtful {
			old.seenDoubtful = append(old.seenDoubtful, id)
		}
		if isStored {
			stored++
		}
	}
	if stored == 0 {
		return
	}
	kept := e.inserters.get()
	kept.rows.copyMeta(old)
	kept.rows.seenDoubtful = append(kept.rows.seenDoubtful, old.seenDoubtful...)
	kept.rows.skippedStored = old.skippedStored + stored
	spans := g.spans[:0:0]
	for _, sp := range g.spans {
		from := kept.blk.Len()
		for r := sp.start; r < sp.end; r++ {
			if _, isStored := e.doubts.state(old.ids[r]); isStored {
				continue
			}
			kept.addRowOf(g.ins, r)
		}
		spans = append(spans, span{from, kept.blk.Len()})
	}
	e.logger.Info("left out rows an insert in doubt had stored already",
		zap.Int("rows", stored), zap.String("table", e.table.String()))
	e.inserters.put(g.ins)
	g.ins, g.spans = kept, spans
}

// addRowOf appends row r of src's block, with its id, to ins (the time
// range and services come from copyMeta).
func (ins *inserter) addRowOf(src *inserter, r int) {
	ins.blk.AddFrom(src.blk, r)
	ins.rows.ids = append(ins.rows.ids, src.rows.ids[r])
}

// insertContext is the context of one insert attempt: its own timeout, not
// the push's (see pushLogs).
func (e *logsExporter) insertContext() (context.Context, context.CancelFunc) {
	if timeout := e.cfg.TimeoutConfig.Timeout; timeout > 0 {
		return context.WithTimeout(context.Background(), timeout)
	}
	return context.WithCancel(context.Background())
}
