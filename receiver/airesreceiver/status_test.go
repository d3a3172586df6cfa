package airesreceiver

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// retryDelay returns the RetryInfo delay of a status error, or -1.
func retryDelay(t *testing.T, err error) time.Duration {
	t.Helper()
	st, ok := status.FromError(err)
	require.True(t, ok)
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok {
			return ri.GetRetryDelay().AsDuration()
		}
	}
	return -1
}

func TestConsumerErrorStatus(t *testing.T) {
	const retryAfter = 1500 * time.Millisecond
	tests := []struct {
		name    string
		err     error
		code    codes.Code
		retry   time.Duration // -1: no RetryInfo
		message string
	}{
		{name: "nil", err: nil, code: codes.OK, retry: -1},
		{name: "permanent", err: consumererror.NewPermanent(errors.New("bad column")), code: codes.InvalidArgument, retry: -1, message: "do not retry it unchanged"},
		{name: "wrapped permanent", err: fmt.Errorf("export: %w", consumererror.NewPermanent(errors.New("bad"))), code: codes.InvalidArgument, retry: -1},
		{name: "memory limiter", err: errors.New("data refused due to high memory usage"), code: codes.Unavailable, retry: retryAfter, message: "retry after 1.5s"},
		{name: "full queue", err: errors.New("sending queue is full"), code: codes.Unavailable, retry: retryAfter},
		{name: "downstream", err: consumererror.NewDownstream(errors.New("exporter down")), code: codes.Unavailable, retry: retryAfter},
		{name: "retryable wrapper", err: consumererror.NewRetryableError(errors.New("later")), code: codes.Unavailable, retry: retryAfter},
		{name: "canceled", err: context.Canceled, code: codes.Canceled, retry: -1},
		{name: "deadline", err: fmt.Errorf("insert: %w", context.DeadlineExceeded), code: codes.DeadlineExceeded, retry: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := consumerErrorStatus(tt.err, retryAfter)
			assert.Equal(t, tt.code, status.Code(got))
			if got == nil {
				return
			}
			assert.Equal(t, tt.retry, retryDelay(t, got))
			if tt.message != "" {
				assert.Contains(t, status.Convert(got).Message(), tt.message)
			}
			if tt.err != nil {
				assert.Contains(t, status.Convert(got).Message(), tt.err.Error(), "the cause is kept")
			}
		})
	}
}
