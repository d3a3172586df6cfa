package airesclickhouseexporter

import (
	"context"
	"errors"

	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chblock"
	"github.com/aires-dev/aires/internal/row"
)

// inserter is one batch's INSERT machinery (see insertBatcher), kept between
// batches so that a steady stream of batches allocates little per row:
//
//   - blk, the typed column block rows are built into, which owns its bytes:
//     a request's data can go once its rows are in the block;
//   - row, the scratch row each record is built in before it is added;
//   - rows, what a doubt needs to find the batch's rows again.
//
// The block goes to ClickHouse as one INSERT in blocks of about
// sendBlockBytes (see insert), so the driver's columns and its encode and
// compression buffers hold one block's worth, not the whole batch.
type inserter struct {
	blk  *chblock.Block
	row  row.Row
	rows batchRows // the batch's ids, time range and services (see doubts)
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

// insert sends blk as one INSERT of sql over conn, within ctx, in blocks of
// blockRows rows. sent tells whether the failure came after the rows started
// to leave: only then may they be stored despite the error.
func (ins *inserter) insert(ctx context.Context, conn driver.Conn, sql string) (sent bool, err error) {
	batch, err := conn.PrepareBatch(ctx, sql)
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
		if err := ins.blk.AppendRange(cols, from, to); err != nil {
			var ce *chblock.ColumnError
			if errors.As(err, &ce) {
				return sent, &appendError{column: ce.Column, err: ce.Err}
			}
			return sent, err
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
	}
}

// close drops every idle inserter.
func (p *inserterPool) close() {
	for {
		select {
		case <-p.idle:
		default:
			return
		}
	}
}
