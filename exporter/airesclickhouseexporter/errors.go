package airesclickhouseexporter

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/ClickHouse/clickhouse-go/v2"
	"go.opentelemetry.io/collector/consumer/consumererror"
)

// permanentCodes are ClickHouse exceptions that no retry can fix: the batch
// or the table is wrong, and sending the same bytes again fails the same way.
//
// Everything else is retried: network errors, timeouts, overload
// (TOO_MANY_PARTS 252, TOO_MANY_SIMULTANEOUS_QUERIES 202,
// MEMORY_LIMIT_EXCEEDED 241, ...) and also authentication and access errors
// (READONLY 164, WRONG_PASSWORD 193, ACCESS_DENIED 497, ...): a bad password
// is already caught when the exporter starts, so at run time those come from
// a server-side change that an operator can revert while the queue holds the
// data.
var permanentCodes = map[int32]string{
	6:   "CANNOT_PARSE_TEXT",
	8:   "THERE_IS_NO_COLUMN",
	10:  "NOT_FOUND_COLUMN_IN_BLOCK",
	16:  "NO_SUCH_COLUMN_IN_TABLE",
	20:  "NUMBER_OF_COLUMNS_DOESNT_MATCH",
	27:  "CANNOT_PARSE_INPUT_ASSERTION_FAILED",
	36:  "BAD_ARGUMENTS",
	38:  "CANNOT_PARSE_DATE",
	41:  "CANNOT_PARSE_DATETIME",
	43:  "ILLEGAL_TYPE_OF_ARGUMENT",
	44:  "ILLEGAL_COLUMN",
	47:  "UNKNOWN_IDENTIFIER",
	50:  "UNKNOWN_TYPE",
	53:  "TYPE_MISMATCH",
	60:  "UNKNOWN_TABLE",
	62:  "SYNTAX_ERROR",
	69:  "ARGUMENT_OUT_OF_BOUND",
	70:  "CANNOT_CONVERT_TYPE",
	72:  "CANNOT_PARSE_NUMBER",
	81:  "UNKNOWN_DATABASE",
	117: "INCORRECT_DATA",
	128: "TOO_LARGE_ARRAY_SIZE",
	131: "TOO_LARGE_STRING_SIZE",
	349: "CANNOT_INSERT_NULL_IN_ORDINARY_COLUMN",
}

// appendError is a batch the client library refused while filling its
// columns (for example a table whose column types differ from the Aires
// schema). Resending it cannot succeed.
type appendError struct {
	column string
	err    error
}

func (e *appendError) Error() string {
	return fmt.Sprintf("column %s: %v; check that the table has the Aires schema (create_schema: true creates it)", e.column, e.err)
}

func (e *appendError) Unwrap() error { return e.err }

// classify marks err permanent when no retry can fix it; other errors are
// returned as they are and retried by exporterhelper.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var ae *appendError
	if errors.As(err, &ae) {
		return consumererror.NewPermanent(err)
	}
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		if name, ok := permanentCodes[ex.Code]; ok {
			return consumererror.NewPermanent(fmt.Errorf("ClickHouse rejected the batch (%s): %w", name, err))
		}
	}
	return err
}

// unreachable tells a server that cannot be reached (refused, timed out,
// connection dropped) from one that answered with an error: the first is
// waited for, the second is a configuration problem reported at start.
func unreachable(err error) bool {
	var ex *clickhouse.Exception
	if errors.As(err, &ex) {
		return false
	}
	var netErr net.Error
	return errors.As(err, &netErr) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, driver.ErrBadConn)
}
