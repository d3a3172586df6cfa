package airesclickhouseexporter

import (
	"fmt"
	"strings"

	"github.com/ClickHouse/clickhouse-go/v2/lib/column"
	"github.com/google/uuid"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

// block is one INSERT's worth of rows in column form: a typed slice per
// column, appended to row by row and handed to the driver once per column.
// Strings are not copied (they point into the plog data, alive for the whole
// push); Reset keeps every capacity, so a reused block appends without
// allocating.
type block struct {
	row row.Row // scratch row the builder fills, reused

	id          []uuid.UUID
	timestamp   []int64 // Unix seconds, for DateTime
	timestampNs []uint64
	severity    []int8
	httpStatus  []uint16
	httpDurMs   []float64
	httpReqSize []int64
	httpResSize []int64

	// str holds the String columns, indexed by schema column index (other
	// indexes stay empty).
	str [schema.NumColumns][]string

	strArr   [schema.NumColumns]array[string] // Array(String) columns, same indexing
	intVals  array[int64]
	fltVals  array[float64]
	boolVals array[uint8]

	// dict maps LowCardinality values to one canonical pointer each (see
	// appendLowCardinality).
	dict lcDict
}

// array is an Array(T) column: all elements flat, plus where each row ends.
type array[T any] struct {
	vals []T
	ends []int
	ptrs []*T // &vals[i], built at insert
	row  []*T // the current row's elements, passed to the driver by pointer
}

func (a *array[T]) add(vs []T) {
	a.vals = append(a.vals, vs...)
	a.ends = append(a.ends, len(a.vals))
}

func (a *array[T]) reset() {
	clear(a.vals) // drop references to the plog strings
	clear(a.ptrs)
	a.vals, a.ends, a.ptrs, a.row = a.vals[:0], a.ends[:0], a.ptrs[:0], nil
}

// appendTo appends every row to an Array column.
//
// The driver's Array.Append takes [][]T and walks it by reflection, boxing
// each row (one allocation per row and column) and each string element. A
// pointer to a []*T is the one shape it takes without allocating: the row
// slice header is reached through the pointer and each element is a pointer.
func (a *array[T]) appendTo(col column.Interface) error {
	for i := range a.vals {
		a.ptrs = append(a.ptrs, &a.vals[i])
	}
	start := 0
	for _, end := range a.ends {
		a.row = a.ptrs[start:end]
		if err := col.AppendRow(&a.row); err != nil {
			return err
		}
		start = end
	}
	a.row = nil
	return nil
}

// lcDict gives each distinct string one stable pointer. The driver's
// LowCardinality column deduplicates by value in a map[any]int: fed strings it
// boxes every row (one allocation each); fed the canonical pointers it boxes
// nothing and still deduplicates correctly.
type lcDict struct {
	index map[string]int
	uniq  []string
	idx   []int32 // each value's index in uniq
	ptrs  []*string
}

func (d *lcDict) canonical(vals []string) []*string {
	if d.index == nil {
		d.index = make(map[string]int)
	}
	d.reset()
	// Pointers into uniq are taken once it stops growing.
	for _, v := range vals {
		j, ok := d.index[v]
		if !ok {
			j = len(d.uniq)
			d.index[v] = j
			d.uniq = append(d.uniq, v)
		}
		d.idx = append(d.idx, int32(j))
	}
	for _, j := range d.idx {
		d.ptrs = append(d.ptrs, &d.uniq[j])
	}
	return d.ptrs
}

// reset empties the dictionary, keeping capacity and dropping references to
// the batch's strings.
func (d *lcDict) reset() {
	clear(d.index)
	clear(d.uniq)
	clear(d.ptrs)
	d.uniq, d.idx, d.ptrs = d.uniq[:0], d.idx[:0], d.ptrs[:0]
}

// len is the number of rows.
func (b *block) len() int { return len(b.id) }

// add appends one row.
func (b *block) add(r *row.Row) {
	b.id = append(b.id, uuid.UUID(r.ID))
	b.timestamp = append(b.timestamp, int64(r.TimestampNs/1e9))
	b.timestampNs = append(b.timestampNs, r.TimestampNs)
	b.str[schema.ColService] = append(b.str[schema.ColService], r.Service)
	b.str[schema.ColEnvironment] = append(b.str[schema.ColEnvironment], r.Environment)
	b.str[schema.ColRelease] = append(b.str[schema.ColRelease], r.Release)
	b.str[schema.ColHost] = append(b.str[schema.ColHost], r.Host)
	b.severity = append(b.severity, int8(severityOrInfo(r.Severity)))
	b.str[schema.ColMessage] = append(b.str[schema.ColMessage], r.Message)
	b.str[schema.ColTraceID] = append(b.str[schema.ColTraceID], r.TraceID)
	b.str[schema.ColSpanID] = append(b.str[schema.ColSpanID], r.SpanID)
	b.str[schema.ColSessionID] = append(b.str[schema.ColSessionID], r.SessionID)
	b.str[schema.ColUserID] = append(b.str[schema.ColUserID], r.UserID)

	b.strArr[schema.ColTags].add(r.Tags)
	b.strArr[schema.ColAttrStrKeys].add(r.StrKeys)
	b.strArr[schema.ColAttrStrValues].add(r.StrValues)
	b.strArr[schema.ColAttrIntKeys].add(r.IntKeys)
	b.intVals.add(r.IntValues)
	b.strArr[schema.ColAttrFloatKeys].add(r.FloatKeys)
	b.fltVals.add(r.FloatValues)
	b.strArr[schema.ColAttrBoolKeys].add(r.BoolKeys)
	for _, v := range r.BoolValues {
		var u uint8
		if v {
			u = 1
		}
		b.boolVals.vals = append(b.boolVals.vals, u)
	}
	b.boolVals.ends = append(b.boolVals.ends, len(b.boolVals.vals))
	b.strArr[schema.ColResourceKeys].add(r.ResourceKeys)
	b.strArr[schema.ColResourceValues].add(r.ResourceValues)

	b.str[schema.ColHTTPMethod] = append(b.str[schema.ColHTTPMethod], r.HTTPMethod)
	b.str[schema.ColHTTPRoute] = append(b.str[schema.ColHTTPRoute], r.HTTPRoute)
	b.str[schema.ColHTTPPath] = append(b.str[schema.ColHTTPPath], r.HTTPPath)
	b.str[schema.ColHTTPURL] = append(b.str[schema.ColHTTPURL], r.HTTPURL)
	b.httpStatus = append(b.httpStatus, r.HTTPStatus)
	b.httpDurMs = append(b.httpDurMs, r.HTTPDurationMs)
	b.httpReqSize = append(b.httpReqSize, r.HTTPRequestSize)
	b.httpResSize = append(b.httpResSize, r.HTTPResponseSize)
	b.str[schema.ColHTTPUserAgent] = append(b.str[schema.ColHTTPUserAgent], r.HTTPUserAgent)
	b.str[schema.ColHTTPClientIP] = append(b.str[schema.ColHTTPClientIP], r.HTTPClientIP)
	b.str[schema.ColErrorType] = append(b.str[schema.ColErrorType], r.ErrorType)
	b.str[schema.ColErrorMessage] = append(b.str[schema.ColErrorMessage], r.ErrorMessage)
	b.str[schema.ColErrorStack] = append(b.str[schema.ColErrorStack], r.ErrorStack)
}

// severityOrInfo keeps the Enum8 valid whatever the builder returns: an
// out-of-range value would make the driver refuse the whole batch.
func severityOrInfo(s row.Severity) row.Severity {
	if s < row.SeverityTrace || s > row.SeverityFatal {
		return row.SeverityInfo
	}
	return s
}

// reset empties the block, keeping capacity and dropping references to the
// previous batch's strings so they can be collected.
func (b *block) reset() {
	b.id, b.timestamp, b.timestampNs, b.severity = b.id[:0], b.timestamp[:0], b.timestampNs[:0], b.severity[:0]
	b.httpStatus, b.httpDurMs, b.httpReqSize, b.httpResSize = b.httpStatus[:0], b.httpDurMs[:0], b.httpReqSize[:0], b.httpResSize[:0]
	for i := range b.str {
		clear(b.str[i])
		b.str[i] = b.str[i][:0]
	}
	for i := range b.strArr {
		b.strArr[i].reset()
	}
	b.intVals.reset()
	b.fltVals.reset()
	b.boolVals.reset()
	b.dict.reset()
	b.row.Clear()
}

// appendTo appends the whole block to the columns of a batch prepared with
// schema.Insert: one call per column, except Array columns (one call per row,
// without allocating; see array.appendTo).
func (b *block) appendTo(cols []column.Interface) error {
	if len(cols) != schema.NumColumns {
		return &appendError{column: "(all)", err: fmt.Errorf("the batch has %d columns, the INSERT names %d", len(cols), schema.NumColumns)}
	}
	for i, col := range cols {
		var err error
		switch i {
		case schema.ColID:
			_, err = col.Append(b.id)
		case schema.ColTimestamp:
			_, err = col.Append(b.timestamp)
		case schema.ColTimestampNs:
			_, err = col.Append(b.timestampNs)
		case schema.ColSeverity:
			_, err = col.Append(b.severity)
		case schema.ColHTTPStatus:
			_, err = col.Append(b.httpStatus)
		case schema.ColHTTPDurationMs:
			_, err = col.Append(b.httpDurMs)
		case schema.ColHTTPRequestSize:
			_, err = col.Append(b.httpReqSize)
		case schema.ColHTTPResponseSize:
			_, err = col.Append(b.httpResSize)
		case schema.ColAttrIntValues:
			err = b.intVals.appendTo(col)
		case schema.ColAttrFloatValues:
			err = b.fltVals.appendTo(col)
		case schema.ColAttrBoolValues:
			err = b.boolVals.appendTo(col)
		case schema.ColTags, schema.ColAttrStrKeys, schema.ColAttrStrValues, schema.ColAttrIntKeys,
			schema.ColAttrFloatKeys, schema.ColAttrBoolKeys, schema.ColResourceKeys, schema.ColResourceValues:
			err = b.strArr[i].appendTo(col)
		default: // String or LowCardinality(String)
			if strings.HasPrefix(string(col.Type()), "LowCardinality(") {
				_, err = col.Append(b.dict.canonical(b.str[i]))
			} else {
				_, err = col.Append(b.str[i])
			}
		}
		if err != nil {
			return &appendError{column: schema.Columns[i].Name, err: err}
		}
	}
	return nil
}
