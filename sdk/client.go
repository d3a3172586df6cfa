package aires

import (
	"context"
	"errors"
	"sync/atomic"
)

// ErrClosed is returned by Flush after Shutdown.
var ErrClosed = errors.New("aires: client is shut down")

// Client sends events to an Aires collector. All its methods are safe for
// concurrent use, never block on the network, and never panic; a nil *Client
// is valid and does nothing.
type Client struct {
	cfg      Config
	resource []byte // marshalled aires.v1.Resource, field 1 of every batch
	exporter Exporter

	queue    chan *event
	flushReq chan chan struct{}
	stop     chan struct{} // closed by Shutdown
	done     chan struct{} // closed when the worker has exited

	// sendCtx bounds the worker's network calls; cancelled when a
	// Shutdown's deadline passes.
	sendCtx    context.Context
	cancelSend context.CancelFunc

	closed atomic.Bool // set once, by the Shutdown that closes stop

	enqueued, sent, dropped, failed atomic.Uint64
	// refusedWarned is set once the collector's refusal of the credentials
	// has been reported (worker.warnRefused); cleared by an accepted batch.
	refusedWarned atomic.Bool
}

// Stats are the client's counters since New. Every event given to a logging
// method ends in exactly one of Dropped, Sent or Failed (Enqueued counts
// those that entered the queue; Enqueued - Sent - Failed are still queued or
// in flight).
type Stats struct {
	Enqueued uint64 // events accepted into the queue
	Sent     uint64 // events the collector accepted
	Dropped  uint64 // events dropped because the queue was full or the client shut down
	Failed   uint64 // events lost after retries, refused (permanent error) or rejected one by one by the collector
}

// New returns a running client. It does not connect yet (grpc.NewClient is
// lazy): an unreachable collector shows up as failed batches, never as an
// error here. The error is only for an unusable configuration.
func New(cfg Config) (*Client, error) {
	cfg = cfg.withDefaults()
	exp := cfg.Exporter
	if exp == nil {
		g, err := newGRPCExporter(&cfg)
		if err != nil {
			return nil, err
		}
		exp = g
	}
	c := &Client{
		cfg:      cfg,
		resource: encodeResource(&cfg),
		exporter: exp,
		queue:    make(chan *event, cfg.QueueSize),
		flushReq: make(chan chan struct{}),
		stop:     make(chan struct{}),
		done:     make(chan struct{}),
	}
	c.sendCtx, c.cancelSend = context.WithCancel(context.Background())
	w := newWorker(c)
	go w.run()
	return c, nil
}

// Trace logs msg at trace severity.
func (c *Client) Trace(msg string, opts ...Option) { c.Log(SeverityTrace, msg, opts...) }

// Debug logs msg at debug severity.
func (c *Client) Debug(msg string, opts ...Option) { c.Log(SeverityDebug, msg, opts...) }

// Info logs msg at info severity.
func (c *Client) Info(msg string, opts ...Option) { c.Log(SeverityInfo, msg, opts...) }

// Warn logs msg at warn severity.
func (c *Client) Warn(msg string, opts ...Option) { c.Log(SeverityWarn, msg, opts...) }

// Error logs msg at error severity.
func (c *Client) Error(msg string, opts ...Option) { c.Log(SeverityError, msg, opts...) }

// Fatal logs msg at fatal severity, then flushes the queue for at most
// Config.FatalFlushTimeout (default 2s). It does NOT exit the process: a
// library that kills its host takes the decision away from the application
// (deferred cleanups, other loggers, a supervisor's graceful stop). Call
// os.Exit yourself after Fatal if that is what you want.
func (c *Client) Fatal(msg string, opts ...Option) {
	if c == nil {
		return
	}
	c.Log(SeverityFatal, msg, opts...)
	ctx, cancel := context.WithTimeout(context.Background(), c.cfg.FatalFlushTimeout)
	defer cancel()
	_ = c.Flush(ctx)
}

// Log logs msg at the given severity. It never blocks: when the queue is
// full the event is dropped and counted in Stats.Dropped.
func (c *Client) Log(sev Severity, msg string, opts ...Option) {
	if c == nil {
		return
	}
	c.emit(sev, msg, 0, opts)
}

// emit builds the event on the caller's goroutine and hands it to the
// worker. ts 0 means now.
func (c *Client) emit(sev Severity, msg string, ts int64, opts []Option) {
	defer recoverEmit()
	// A full queue drops the event before any work on it: an application
	// logging faster than the collector takes its events spends a few
	// nanoseconds on each it loses, not an encoding. The select below
	// still drops an event that finds the queue full after this check.
	if c.closed.Load() || len(c.queue) == cap(c.queue) {
		c.dropped.Add(1)
		return
	}
	if ts == 0 {
		ts = nowUnixNano()
	}
	ev := encodeEvent(sev, msg, ts, opts)
	select {
	case c.queue <- ev:
		c.enqueued.Add(1)
	default:
		c.dropped.Add(1)
		putEvent(ev)
	}
}

// recoverEmit is the last resort: nothing in a logging call may take the
// application down (a panicking String or Error method is already handled
// where it is called; this catches what we did not foresee).
func recoverEmit() { _ = recover() }

// Stats returns the client's counters.
func (c *Client) Stats() Stats {
	if c == nil {
		return Stats{}
	}
	return Stats{
		Enqueued: c.enqueued.Load(),
		Sent:     c.sent.Load(),
		Dropped:  c.dropped.Load(),
		Failed:   c.failed.Load(),
	}
}

// Flush sends every event queued before the call and waits until each is
// sent or has failed, or until ctx is done (then it returns ctx.Err(); the
// worker goes on in the background). Check Stats to learn about failures.
func (c *Client) Flush(ctx context.Context) error {
	if c == nil {
		return nil
	}
	ack := make(chan struct{})
	select {
	case c.flushReq <- ack:
	case <-c.done:
		return ErrClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case <-ack:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown stops accepting events, sends what is queued and closes the
// connection. It returns when that is done, or when ctx is done: then
// pending sends are cancelled, the events left are counted as failed, and
// Shutdown returns ctx.Err() without waiting further. Later logging calls are
// counted as dropped. Calling Shutdown again waits for the same end.
func (c *Client) Shutdown(ctx context.Context) error {
	if c == nil {
		return nil
	}
	if c.closed.CompareAndSwap(false, true) {
		close(c.stop)
	}
	select {
	case <-c.done:
		return nil
	case <-ctx.Done():
		c.cancelSend()
		return ctx.Err()
	}
}
