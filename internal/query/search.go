package query

import (
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/aires-dev/aires/internal/schema"
)

// Event is one row as the read side shows it.
type Event struct {
	ID          string            `json:"id"`
	TimestampNs uint64            `json:"timestamp_ns"`
	Time        time.Time         `json:"time"`
	Service     string            `json:"service"`
	Environment string            `json:"environment,omitempty"`
	Release     string            `json:"release,omitempty"`
	Host        string            `json:"host,omitempty"`
	Severity    string            `json:"severity"`
	Message     string            `json:"message"`
	TraceID     string            `json:"trace_id,omitempty"`
	SpanID      string            `json:"span_id,omitempty"`
	SessionID   string            `json:"session_id,omitempty"`
	UserID      string            `json:"user_id,omitempty"`
	Tags        []string          `json:"tags,omitempty"`
	HTTPMethod  string            `json:"http_method,omitempty"`
	HTTPRoute   string            `json:"http_route,omitempty"`
	HTTPPath    string            `json:"http_path,omitempty"`
	HTTPStatus  uint16            `json:"http_status,omitempty"`
	HTTPMs      float64           `json:"http_duration_ms,omitempty"`
	ErrorType   string            `json:"error_type,omitempty"`
	ErrorMsg    string            `json:"error_message,omitempty"`
	ErrorStack  string            `json:"error_stack,omitempty"`
	Attributes  map[string]any    `json:"attributes,omitempty"`
	Resource    map[string]string `json:"resource,omitempty"`
}

// selectList is what Search reads, in the order Scan expects.
const selectList = `toString(id), timestamp_ns, service, environment, release, host, toString(severity), message,
    trace_id, span_id, session_id, user_id, tags,
    http_method, http_route, http_path, http_status, http_duration_ms,
    error_type, error_message, error_stack,
    attr_str_keys, attr_str_values, attr_int_keys, attr_int_values,
    attr_float_keys, attr_float_values, attr_bool_keys, attr_bool_values,
    resource_keys, resource_values`

// Order of the results.
const (
	NewestFirst = "DESC"
	OldestFirst = "ASC"
)

// Search is the SQL and its arguments for the events f selects, in order
// (NewestFirst or OldestFirst), at most f.Limit of them. The time range
// comes first in the WHERE clause: the table is partitioned by day and
// ordered by (service, severity, timestamp), so the server reads only the
// partitions, and with a service only the granules, of the range.
func Search(t schema.Table, f Filter, order string) (string, []any, error) {
	if err := f.check(); err != nil {
		return "", nil, err
	}
	if order != NewestFirst && order != OldestFirst {
		return "", nil, fmt.Errorf("order %q: use NewestFirst or OldestFirst", order)
	}
	var where, prewhere []string
	var args, preArgs []any
	add := func(cond string, a ...any) {
		where = append(where, cond)
		args = append(args, a...)
	}
	// An id equality reads one column and keeps a handful of rows: in
	// PREWHERE the server reads the other columns only for the granules
	// that match. Left to itself, 18.16 moves the time range there instead
	// and reads every column of the range.
	pre := func(cond string, a ...any) {
		prewhere = append(prewhere, cond)
		preArgs = append(preArgs, a...)
	}
	add("timestamp >= toDateTime(?) AND timestamp <= toDateTime(?)", f.Since.Unix(), f.Until.Unix())
	add("timestamp_ns >= ? AND timestamp_ns <= ?", uint64(f.Since.UnixNano()), uint64(f.Until.UnixNano()))
	if f.Service != "" {
		add("service = ?", f.Service)
	}
	if len(f.Services) > 0 {
		args := make([]any, len(f.Services))
		for i, s := range f.Services {
			args[i] = s
		}
		add("service IN "+inList(len(f.Services)), args...)
	}
	if f.MinSeverity != 0 {
		add("toInt8(severity) >= ?", f.MinSeverity.Enum8())
	}
	if f.Text != "" {
		add("positionCaseInsensitiveUTF8(message, ?) > 0", f.Text)
	}
	if f.TraceID != "" {
		pre("trace_id = ?", f.TraceID)
	}
	if f.SessionID != "" {
		pre("session_id = ?", f.SessionID)
	}
	if f.UserID != "" {
		pre("user_id = ?", f.UserID)
	}
	if f.ID != "" {
		if !uuidRE.MatchString(f.ID) {
			return "", nil, fmt.Errorf("event id %q: want a UUID such as 0190c1d2-7a4b-7c3d-8e9f-0a1b2c3d4e5f", f.ID)
		}
		pre("id = toUUID(?)", strings.ToLower(f.ID))
	}
	for _, c := range f.Where {
		if key, ok := strings.CutPrefix(c.Column, "attr."); ok {
			add("attr_str_values[indexOf(attr_str_keys, ?)] "+c.Op+" ?", key, c.Value)
			continue
		}
		// Column and Op were checked against row.Columns and ops by
		// ParseWhere; check again, so a Cond built by hand cannot inject.
		if _, ok := whereColumns[c.Column]; !ok || !validOp(c.Op) {
			return "", nil, fmt.Errorf("condition %s %s: unknown column or operator", c.Column, c.Op)
		}
		add(c.Column+" "+c.Op+" ?", c.Value)
	}
	sql := "SELECT " + selectList + "\nFROM " + t.String()
	if len(prewhere) > 0 {
		sql += "\nPREWHERE " + strings.Join(prewhere, " AND ")
		args = append(preArgs, args...)
	}
	sql += "\nWHERE " + strings.Join(where, "\n  AND ") +
		"\nORDER BY timestamp " + order + ", timestamp_ns " + order + "\nLIMIT ?"
	return sql, append(args, f.Limit), nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// TimeOfID is the time a UUID v7 holds (its first 48 bits, Unix
// milliseconds): Aires ids are v7, so an event is found by id within a
// minute of it instead of scanning the table. ok is false for other UUIDs.
func TimeOfID(id string) (t time.Time, ok bool) {
	if !uuidRE.MatchString(id) || id[14] != '7' {
		return time.Time{}, false
	}
	ms, err := strconv.ParseUint(id[0:8]+id[9:13], 16, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(int64(ms)).UTC(), true
}

func validOp(op string) bool {
	for _, o := range ops {
		if o == op {
			return true
		}
	}
	return false
}

func (f Filter) check() error {
	switch {
	case f.Since.IsZero() || f.Until.IsZero():
		return errors.New("a query needs a time range (since and until)")
	case f.Until.Before(f.Since):
		return fmt.Errorf("time range %s to %s ends before it starts", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
	case f.Limit <= 0 || f.Limit > MaxLimit:
		return fmt.Errorf("limit %d: use 1 to %d", f.Limit, MaxLimit)
	}
	return nil
}

// Scanner is a row of the result of Search (driver.Rows).
type Scanner interface {
	Scan(dest ...any) error
}

// Scan reads one row of Search's result.
func Scan(rows Scanner) (Event, error) {
	var e Event
	var strK, strV, intK, floatK, boolK, resK, resV []string
	var intV []int64
	var floatV []float64
	var boolV []uint8
	err := rows.Scan(&e.ID, &e.TimestampNs, &e.Service, &e.Environment, &e.Release, &e.Host, &e.Severity, &e.Message,
		&e.TraceID, &e.SpanID, &e.SessionID, &e.UserID, &e.Tags,
		&e.HTTPMethod, &e.HTTPRoute, &e.HTTPPath, &e.HTTPStatus, &e.HTTPMs,
		&e.ErrorType, &e.ErrorMsg, &e.ErrorStack,
		&strK, &strV, &intK, &intV, &floatK, &floatV, &boolK, &boolV, &resK, &resV)
	if err != nil {
		return e, err
	}
	e.Time = time.Unix(0, int64(e.TimestampNs)).UTC()
	attrs := map[string]any{}
	for i := range min(len(strK), len(strV)) {
		attrs[strK[i]] = strV[i]
	}
	for i := range min(len(intK), len(intV)) {
		attrs[intK[i]] = intV[i]
	}
	for i := range min(len(floatK), len(floatV)) {
		attrs[floatK[i]] = floatV[i]
	}
	for i := range min(len(boolK), len(boolV)) {
		attrs[boolK[i]] = boolV[i] != 0
	}
	if len(attrs) > 0 {
		e.Attributes = attrs
	}
	if len(resK) > 0 {
		e.Resource = make(map[string]string, len(resK))
		for i := range min(len(resK), len(resV)) {
			e.Resource[resK[i]] = resV[i]
		}
	}
	return e, nil
}
