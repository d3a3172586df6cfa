package airesclickhouseexporter

import (
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chblock"
	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

// inserter is one batch's INSERT machinery (see insertBatcher), kept between
// batches so that a steady stream of batches allocates little per row:
//
//   - blk, the typed column block rows are built into, which owns its bytes:
//     a request's data can go once its rows are in the block;
//   - row, the scratch row each record is built in before it is added;
//   - rows, what a doubt needs to find the batch's rows again;
//   - small, the driver batch small blocks are sent with.
//
// A large block goes to ClickHouse as one INSERT in blocks of about
// sendBlockBytes (see insert), so the driver's columns and its encode and
// compression buffers hold one block's worth, not the whole batch.
type inserter struct {
	blk  *chblock.Block
	row  row.Row
	rows batchRows // the batch's ids, time range and services (see doubts)
	// small is the driver batch kept for the inserts of small blocks (see
	// insert).
	small reusedBatch
	// cols is the INSERT of the last block (see columnsFor).
	cols insertColumns
}

// insertColumns is an INSERT statement naming some of the columns: which
// are their places in row.Columns (empty: all of them).
type insertColumns struct {
	which []int
	sql   string
	// Scratch: the block's columns of zero values only, and the columns
	// of the next INSERT.
	zero []bool
	next []int
}

// columnsFor sets c to the INSERT of blk into table: every column but
// those whose every row holds the zero value and which omit allows the
// INSERT to leave out (schema.Omittable; nil: none). The server fills them
// in with the same value, so the stored rows are the same; the columns go
// unsent, unencoded and uncompressed, and the server does not decode them.
// (A batch of events with a message and string attributes only leaves out
// about two thirds of them.)
func (c *insertColumns) columnsFor(blk *chblock.Block, table schema.Table, omit []bool) {
	c.next = c.next[:0]
	if omit != nil {
		c.zero = blk.ZeroColumns(c.zero)
		for i, z := range c.zero {
			if !z || i >= len(omit) || !omit[i] {
				c.next = append(c.next, i)
			}
		}
		if len(c.next) == len(c.zero) {
			c.next = c.next[:0] // every column
		}
	}
	if c.sql == "" || !slices.Equal(c.next, c.which) {
		c.which = append(c.which[:0], c.next...)
		c.sql = schema.InsertColumns(table, c.which)
	}
}

func newInserter() *inserter {
	ins := &inserter{blk: chblock.New()}
	ins.rows.reset()
	return ins
}

// sendBlockBytes is about how much of the batch goes in each block of an
// INSERT: the driver copies it into columns it allocates for each INSERT
// (about five times these bytes: an offset pair per string), encodes and
// compresses it before it writes it. Small enough that those columns do not
// churn the heap's pages under a memory limit (the runtime returns them to
// the system and faults them in again; see the README's insert path), and
// large enough that a block costs the server little. The
// server joins the blocks of one INSERT into parts of min_insert_block_size
// rows, so the parts are as large as with one block.
const sendBlockBytes = 256 << 10

// sendBlockRows bounds the rows of a block of an INSERT, whatever their size.
const (
	minSendBlockRows = 512
	maxSendBlockRows = 16384
)

// blockRows is how many rows of blk go in each block of its INSERT.
func blockRows(blk *chblock.Block) int {
	n := blk.Len()
	if blk.Bytes() <= 0 {
		return min(n, maxSendBlockRows)
	}
	per := int(int64(n) * sendBlockBytes / int64(blk.Bytes()))
	return max(min(per, maxSendBlockRows), minSendBlockRows)
}

// reuseMaxBytes is the largest block (Block.Bytes) sent through the
// inserter's kept batch (see insert).
const reuseMaxBytes = 1 << 20

// insert sends blk as one INSERT of sql over conn, within ctx. sent tells
// whether the failure came after the rows started to leave: only then may
// they be stored despite the error.
//
// A small block (up to reuseMaxBytes, as at light load, when the batcher
// sends at once) goes through a batch the inserter keeps, whose columns are
// reset and filled again: a new batch's columns for every insert would be
// most of what the collector allocates at a few thousand events a second.
// A larger block goes through a new batch in pieces (see insertPieces), so
// that no columns as large as the batch are kept.
//
// The INSERT names the columns of the block but those columnsFor leaves
// out.
func (ins *inserter) insert(ctx context.Context, conn driver.Conn, table schema.Table, omit []bool) (sent bool, err error) {
	ins.cols.columnsFor(ins.blk, table, omit)
	if ins.blk.Bytes() <= reuseMaxBytes {
		return ins.small.send(ctx, conn, &ins.cols, ins.blk)
	}
	return ins.insertPieces(ctx, conn)
}

// insertPieces sends blk as one INSERT of ins.cols in blocks of blockRows
// rows.
func (ins *inserter) insertPieces(ctx context.Context, conn driver.Conn) (sent bool, err error) {
	batch, err := conn.PrepareBatch(ctx, ins.cols.sql)
	if err != nil {
		return false, err
	}
	// After Send, Abort only says the batch was sent; on any error before,
	// it closes the connection, which ends the INSERT without storing it.
	defer func() { _ = batch.Abort() }()
	cols := batch.Columns()
	n, step := ins.blk.Len(), blockRows(ins.blk)
	for from := 0; from < n; from += step {
		to := min(from+step, n)
		if err := ins.blk.AppendColumns(cols, ins.cols.which, from, to); err != nil {
			return sent, asAppendError(err)
		}
		if to == n {
			break
		}
		// Flush sends the block and empties the columns for the next one.
		sent = true
		if err := batch.Flush(); err != nil {
			return true, err
		}
	}
	return true, batch.Send()
}

// asAppendError reports a column the driver refused as an appendError.
func asAppendError(err error) error {
	var ce *chblock.ColumnError
	if errors.As(err, &ce) {
		return &appendError{column: ce.Column, err: ce.Err}
	}
	return err
}

// reusedBatch is a driver batch sent again and again: a batch that has been
// sent can be sent again (Send then opens a new INSERT on a pooled
// connection and writes the block it holds), so its columns are reset
// (capacity kept) and filled for the next INSERT. Any error discards it.
type reusedBatch struct {
	ctx   pushContext
	batch driver.Batch
	sql   string // the batch's INSERT
	cols  []column.Interface
}

// send inserts the whole of blk as one block, as the INSERT of ic. A batch
// of another INSERT (other columns) is prepared anew.
func (r *reusedBatch) send(ctx context.Context, conn driver.Conn, ic *insertColumns, blk *chblock.Block) (sent bool, err error) {
	r.ctx.set(ctx)
	defer r.ctx.set(context.Background())
	if r.batch != nil && r.sql != ic.sql {
		r.discard()
	}
	if r.batch == nil {
		// The batch keeps the context it is prepared with for every later
		// Send: give it the one that follows the current insert.
		batch, err := conn.PrepareBatch(&r.ctx, ic.sql)
		if err != nil {
			return false, err
		}
		r.batch, r.cols, r.sql = batch, batch.Columns(), ic.sql
	} else {
		for _, col := range r.cols {
			col.Reset()
		}
	}
	if err := blk.AppendColumns(r.cols, ic.which, 0, blk.Len()); err != nil {
		r.discard()
		return false, asAppendError(err)
	}
	if err := r.batch.Send(); err != nil {
		r.discard()
		return true, err
	}
	return true, nil
}

// discard drops the batch (releasing its connection if it still holds one).
func (r *reusedBatch) discard() {
	if r.batch != nil {
		_ = r.batch.Abort()
	}
	r.batch, r.cols, r.sql = nil, nil, ""
}

// pushContext is the context a reused batch is prepared with. clickhouse-go
// keeps a batch's context for its whole life (connection acquire, deadlines,
// the watchdog that closes a connection on cancellation); this one answers
// with the context of the insert in progress, so each Send obeys its own
// deadline. Between inserts it is a context that is never done.
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

// put returns ins for reuse, or drops it when enough are idle.
func (p *inserterPool) put(ins *inserter) {
	ins.blk.Reset()
	ins.row.Clear()
	ins.rows.reset()
	select {
	case p.idle <- ins:
	default:
		ins.small.discard()
	}
}

// close discards every idle inserter.
func (p *inserterPool) close() {
	for {
		select {
		case ins := <-p.idle:
			ins.small.discard()
		default:
			return
		}
	}
}
