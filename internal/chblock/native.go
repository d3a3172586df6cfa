package chblock

import (
	"fmt"

	chproto "github.com/ClickHouse/ch-go/proto"
	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/ClickHouse/clickhouse-go/v2/lib/proto"

	"github.com/aires-dev/aires/internal/row"
)

// Native encodes the block in ClickHouse's Native format (the body of
// "INSERT ... FORMAT Native", or clickhouse-client --format Native) through
// the same column appends the exporter's INSERT uses. types are the columns'
// types on the target server, in row.Columns order (LowCardinality(String)
// where it has them); nil means the base types of row.Columns.
//
// Native allocates new driver columns on every call: it is for tests and
// tools, not the insert path.
func (b *Block) Native(types []string) ([]byte, error) {
	cols, err := Columns(types)
	if err != nil {
		return nil, err
	}
	if err := b.AppendTo(cols); err != nil {
		return nil, err
	}
	return EncodeNative(cols)
}

// Columns returns new, empty driver columns for row.Columns with the given
// types (nil: the base types).
func Columns(types []string) ([]column.Interface, error) {
	if types == nil {
		types = make([]string, len(row.Columns))
		for i, c := range row.Columns {
			types[i] = c.Type
		}
	}
	if len(types) != len(row.Columns) {
		return nil, fmt.Errorf("%d column types for %d columns: give one per row.Columns entry", len(types), len(row.Columns))
	}
	cols := make([]column.Interface, len(types))
	for i, typ := range types {
		col, err := column.Type(typ).Column(row.Columns[i].Name, &column.ServerContext{})
		if err != nil {
			return nil, &ColumnError{Column: row.Columns[i].Name, Err: err}
		}
		cols[i] = col
	}
	return cols, nil
}

// EncodeNative encodes filled driver columns as one Native block.
func EncodeNative(cols []column.Interface) ([]byte, error) {
	var buf chproto.Buffer
	if err := (&proto.Block{Columns: cols}).Encode(&buf, 0); err != nil {
		return nil, err
	}
	return buf.Buf, nil
}
