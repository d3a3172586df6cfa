package airesclickhouseexporter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/consumer/consumererror"

	"github.com/aires-dev/aires/internal/schema"
)

func TestClassify(t *testing.T) {
	ex := func(code int32) error { return &clickhouse.Exception{Code: code, Message: "boom"} }
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"unknown table", ex(60), true},
		{"unknown database", ex(81), true},
		{"unknown column", ex(16), true},
		{"type mismatch", ex(53), true},
		{"cannot parse text", ex(6), true},
		{"illegal column", ex(44), true},
		{"too large array", ex(128), true},
		{"syntax error", ex(62), true},
		{"unknown identifier", ex(47), true},
		{"wrapped exception", fmt.Errorf("send: %w", ex(53)), true},
		{"client refused a column", &appendError{column: "severity", err: errors.New("unknown element")}, true},
		{"too many parts", ex(252), false},
		{"too many queries", ex(202), false},
		{"memory limit", ex(241), false},
		{"timeout exceeded", ex(159), false},
		{"readonly", ex(164), false},
		{"wrong password", ex(193), false},
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, false},
		{"eof", io.EOF, false},
		{"deadline", context.DeadlineExceeded, false},
		{"acquire timeout", clickhouse.ErrAcquireConnTimeout, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := classify(tt.err)
			assert.ErrorIs(t, got, tt.err)
			assert.Equal(t, tt.permanent, consumererror.IsPermanent(got))
		})
	}
	assert.NoError(t, classify(nil))
}

// On one server an exception means nothing was stored; through a
// Distributed table a retryable one can follow a shard's stored part.
func TestInDoubt(t *testing.T) {
	ex := func(code int32) error { return &clickhouse.Exception{Code: code, Message: "boom"} }
	single := schema.Schema{}
	cluster := schema.Schema{Cluster: schema.Cluster{Name: "logs"}}
	tests := []struct {
		name string
		err  error
		sch  schema.Schema
		want bool
	}{
		{"connection broke", io.ErrUnexpectedEOF, single, true},
		{"connection broke, cluster", io.ErrUnexpectedEOF, cluster, true},
		{"exception", ex(252), single, false},
		{"shard's replica died after another shard stored", ex(210), cluster, true},
		{"refused for good, cluster", ex(60), cluster, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, inDoubt(tt.err, tt.sch))
		})
	}
}
