package aires

import (
	"context"
	"sync/atomic"
	"time"
)

var defaultClient atomic.Pointer[Client]

// Init creates the client used by the package-level functions (Info, ...).
// Calling it again replaces that client; the previous one is shut down in
// the background (its queue is flushed for up to 5 seconds). Before Init, the
// package-level functions do nothing.
func Init(cfg Config) error {
	c, err := New(cfg)
	if err != nil {
		return err
	}
	if old := defaultClient.Swap(c); old != nil {
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = old.Shutdown(ctx)
		}()
	}
	return nil
}

// Default returns the client set by Init, or nil (a nil *Client does
// nothing).
func Default() *Client { return defaultClient.Load() }

// SetDefault makes c the client of the package-level functions (nil turns
// them off) and returns the previous one, which keeps running.
func SetDefault(c *Client) *Client { return defaultClient.Swap(c) }

// Trace logs with the default client at trace severity.
func Trace(msg string, opts ...Option) { defaultClient.Load().Log(SeverityTrace, msg, opts...) }

// Debug logs with the default client at debug severity.
func Debug(msg string, opts ...Option) { defaultClient.Load().Log(SeverityDebug, msg, opts...) }

// Info logs with the default client at info severity.
func Info(msg string, opts ...Option) { defaultClient.Load().Log(SeverityInfo, msg, opts...) }

// Warn logs with the default client at warn severity.
func Warn(msg string, opts ...Option) { defaultClient.Load().Log(SeverityWarn, msg, opts...) }

// Error logs with the default client at error severity.
func Error(msg string, opts ...Option) { defaultClient.Load().Log(SeverityError, msg, opts...) }

// Fatal logs with the default client at fatal severity and flushes for at
// most Config.FatalFlushTimeout. It does not exit the process (see
// Client.Fatal).
func Fatal(msg string, opts ...Option) { defaultClient.Load().Fatal(msg, opts...) }

// Log logs with the default client at the given severity.
func Log(sev Severity, msg string, opts ...Option) { defaultClient.Load().Log(sev, msg, opts...) }

// Flush flushes the default client (see Client.Flush).
func Flush(ctx context.Context) error { return defaultClient.Load().Flush(ctx) }

// Shutdown shuts the default client down (see Client.Shutdown).
func Shutdown(ctx context.Context) error { return defaultClient.Load().Shutdown(ctx) }

// GetStats returns the default client's counters.
//
// Deprecated: use Default().Stats(). Like log/slog, the package mirrors a
// client method under the method's own name (Info, Flush, Shutdown); Stats
// cannot be mirrored so, since it names the counters' type, and the default
// client's other methods are reached through Default (nil-safe before Init).
func GetStats() Stats { return Default().Stats() }
