package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/durationpb"
)

// consumerErrorStatus maps the error of the next consumer to the gRPC status
// the client receives:
//
//   - nil: OK;
//   - permanent (consumererror.IsPermanent): INVALID_ARGUMENT, never retried;
//   - the client's context ended: CANCELED or DEADLINE_EXCEEDED (with the
//     exporter's sending_queue.wait_for_result, possibly after the insert
//     started: the client's retry may then store the rows twice);
//   - anything else (memory limiter, full queue, exporter down):
//     UNAVAILABLE with a RetryInfo detail carrying retryAfter, the OTLP
//     throttling rule, so clients wait before they retry.
func consumerErrorStatus(err error, retryAfter time.Duration) error {
	switch {
	case err == nil:
		return nil
	case consumererror.IsPermanent(err):
		return status.Error(codes.InvalidArgument, fmt.Sprintf(
			"the collector pipeline rejected the batch permanently (%v): do not retry it unchanged", err))
	case errors.Is(err, context.Canceled):
		return status.Error(codes.Canceled, fmt.Sprintf("the request was canceled before the pipeline took the batch (with sending_queue.wait_for_result: before its insert finished; it may be stored): %v", err))
	case errors.Is(err, context.DeadlineExceeded):
		return status.Error(codes.DeadlineExceeded, fmt.Sprintf("the deadline passed before the pipeline took the batch (with sending_queue.wait_for_result: before its insert finished; it may be stored): %v", err))
	default:
		return unavailableStatus(fmt.Sprintf(
			"the collector pipeline refused the batch (%v): retry after %s", err, retryAfter), retryAfter)
	}
}

// unavailableStatus is UNAVAILABLE with a RetryInfo detail.
func unavailableStatus(msg string, retryAfter time.Duration) error {
	st := status.New(codes.Unavailable, msg)
	withRetry, err := st.WithDetails(&errdetails.RetryInfo{RetryDelay: durationpb.New(retryAfter)})
	if err != nil {
		// Cannot happen with a well-formed RetryInfo; the status alone still
		// tells the client to retry.
		return st.Err()
	}
	return withRetry.Err()
}
