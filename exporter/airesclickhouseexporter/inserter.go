package airesclickhouseexporter

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chblock"
	"github.com/aires-dev/aires/internal/row"
)

// inserter is one batch's INSERT machinery (see insertBatcher), kept between batches so
// that a steady stream of batches allocates nothing per row:
//
//   - blk, the typed column block rows are built into, and row, the scratch
//     row each record is built in before it is added;
//   - the driver batch and its columns. clickhouse-go builds fresh columns
//     for every PrepareBatch, and growing them (tens of MB for a 50,000-row
//     batch) was a fifth of the collector's CPU and half of its allocated
//     bytes under load. A batch that has been sent can be sent again: Send
//     then opens a new INSERT on a pooled connection and writes the block it
//     holds. So the inserter resets the columns (capacity kept), fills them
//     and sends the same batch again.
//
// Any error discards the batch: the next push prepares a new one.
type inserter struct {
	blk   *chblock.Block
	row   row.Row
	rows  batchRows // the batch's ids, time range and services (see doubts)
	ctx   pushContext
	batch driver.Batch
	cols  []column.Interface
}

func newInserter() *inserter {
	ins := &inserter{blk: chblock.New()}
	ins.rows.reset()
	return ins
}

// insert sends blk as one INSERT of sql over conn, within ctx. sent tells
// whether the failure came after the rows started to leave: only then may
// they be stored despite the error.
func (ins *inserter) insert(ctx context.Context, conn driver.Conn, sql string) (sent bool, err error) {
	ins.ctx.set(ctx)
	defer ins.ctx.set(context.Background())
	if ins.batch == nil {
		// The batch keeps the context it is prepared with for every later
		// Send: give it the one that follows the current push.
		batch, err := conn.PrepareBatch(&ins.ctx, sql)
		if err != nil {
			return false, err
		}
		ins.batch, ins.cols = batch, batch.Columns()
	} else {
		for _, col := range ins.cols {
			col.Reset()
		}
	}
	if err := ins.blk.AppendTo(ins.cols); err != nil {
		ins.discard()
		var ce *chblock.ColumnError
		if errors.As(err, &ce) {
			return false, &appendError{column: ce.Column, err: ce.Err}
		}
		return false, err
	}
	if err := ins.batch.Send(); err != nil {
		ins.discard()
		return true, err
	}
	return true, nil
}

// discard drops the batch (releasing its connection if it still holds one).
func (ins *inserter) discard() {
	if ins.batch != nil {
		_ = ins.batch.Abort()
	}
	ins.batch, ins.cols = nil, nil
}

// pushContext is the context a reused batch is prepared with. clickhouse-go
// keeps a batch's context for its whole life (connection acquire, deadlines,
// the watchdog that closes a connection on cancellation); this one answers
// with the context of the push in progress, so each Send obeys its own
// push's deadline and cancellation. Between pushes it is a context that is
// never done.
type pushContext struct {
	mu  sync.Mutex
	cur context.Context
}

var _ context.Context = (*pushContext)(nil)

func (p *pushContext) set(ctx context.Context) {
	p.mu.Lock()
	p.cur = ctx
	p.mu.Unlock()
}

func (p *pushContext) get() context.Context {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.cur == nil {
		return context.Background()
	}
	return p.cur
}

func (p *pushContext) Deadline() (time.Time, bool) { return p.get().Deadline() }
func (p *pushContext) Done() <-chan struct{}       { return p.get().Done() }
func (p *pushContext) Err() error                  { return p.get().Err() }
func (p *pushContext) Value(key any) any           { return p.get().Value(key) }

// inserterPool keeps up to one idle inserter per insert in flight, plus one for
// the batch being built. Unlike a
// sync.Pool it is not emptied by the garbage collector, which under load ran
// often enough to throw the retained columns away.
type inserterPool struct {
	idle chan *inserter
}

func newInserterPool(size int) *inserterPool {
	return &inserterPool{idle: make(chan *inserter, max(size, 1))}
}

func (p *inserterPool) get() *inserter {
	select {
	case ins := <-p.idle:
		return ins
	default:
		return newInserter()
	}
}

// put returns ins for reuse, or discards it when enough are idle.
func (p *inserterPool) put(ins *inserter) {
	ins.blk.Reset()
	ins.row.Clear()
	ins.rows.reset()
	select {
	case p.idle <- ins:
	default:
		ins.discard()
	}
}

// close discards every idle inserter.
func (p *inserterPool) close() {
	for {
		select {
		case ins := <-p.idle:
			ins.discard()
		default:
			return
		}
	}
}
