package aires

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// worker is the single goroutine that batches and encodes. It owns the
// events it receives from the queue and the encoder's buffer, which holds
// the batch being built: each event is encoded as it is taken from the
// queue and goes back to the pool at once. A batch that is due goes to a
// sender goroutine of its own (up to Config.MaxConcurrentRequests at once)
// while the worker goes on filling the next (see send).
type worker struct {
	c     *Client
	enc   encoder
	n     int // events in the batch being built
	timer *time.Timer
	// slots holds one token per batch in flight; send waits for a free one.
	slots chan struct{}
	// sending counts the batches in flight, for Flush and Shutdown.
	sending sync.WaitGroup
	// spare holds buffers of batches whose send ended, for the next batches.
	spare chan []byte
	// lastSend is when the last send ended (Unix nanoseconds; 0: none yet).
	// A batch begun when no batch is in flight and more than FlushInterval
	// after that is an idle application's: it goes out after IdleDelay
	// instead of FlushInterval.
	lastSend atomic.Int64
}

func newWorker(c *Client) *worker {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &worker{
		c:     c,
		timer: t,
		slots: make(chan struct{}, c.cfg.MaxConcurrentRequests),
		spare: make(chan []byte, c.cfg.MaxConcurrentRequests),
	}
}

func (w *worker) run() {
	c := w.c
	defer func() {
		w.timer.Stop()
		w.sending.Wait() // Shutdown's deadline cancels sendCtx, which ends them
		_ = safeClose(c.exporter)
		c.cancelSend()
		close(c.done)
	}()
	for {
		select {
		case ev := <-c.queue:
			w.add(ev)
			// Take what else is already there, up to a full batch, without
			// going back to select.
			if w.n > 0 {
				w.drain(c.cfg.BatchSize - w.n)
			}
		case <-w.timer.C:
			w.send()
		case ack := <-c.flushReq:
			w.drain(len(c.queue))
			w.send()
			w.sending.Wait()
			close(ack)
		case <-c.stop:
			// No new events can enter (closed is set); take all that did.
			w.drain(len(c.queue))
			w.send()
			// An event may have raced past the closed check: count it.
			for {
				select {
				case ev := <-c.queue:
					c.dropped.Add(1)
					putEvent(ev)
				default:
					return
				}
			}
		}
	}
}

func (w *worker) add(ev *event) {
	cfg := &w.c.cfg
	if w.n == 0 {
		w.enc.start(w.c.resource)
		last := w.lastSend.Load()
		w.timer.Reset(batchDelay(cfg, len(w.slots), last == 0, time.Since(time.Unix(0, last))))
	}
	w.enc.add(ev)
	putEvent(ev) // the bytes hold everything now
	w.n++
	if w.n >= cfg.BatchSize || len(w.enc.buf) >= cfg.MaxBatchBytes {
		w.send()
	}
}

// batchDelay is how long a batch begun now may wait for more events: the
// FlushInterval, or the short IdleDelay when the application is idle: no
// batch in flight (inFlight) and nothing sent for a whole FlushInterval
// (since the last send ended), or ever. An idle application's event is then
// visible at once; a busy one's batches are full before either timer
// matters, and one with a moderate rate still gathers a FlushInterval's
// events per request.
func batchDelay(cfg *Config, inFlight int, neverSent bool, sinceLastSend time.Duration) time.Duration {
	idle := inFlight == 0 && (neverSent || sinceLastSend >= cfg.FlushInterval)
	if idle && cfg.IdleDelay > 0 && cfg.IdleDelay < cfg.FlushInterval {
		return cfg.IdleDelay
	}
	return cfg.FlushInterval
}

// drain moves n queued events into batches, sending the full ones.
func (w *worker) drain(n int) {
	for ; n > 0; n-- {
		select {
		case ev := <-w.c.queue:
			w.add(ev)
		default:
			return
		}
	}
}

// send hands the current batch to a sender goroutine, which delivers it
// (with retries); its events went back to the pool when they were encoded.
// It waits while MaxConcurrentRequests batches are in flight: the queue
// then fills behind the worker, and a full queue drops new events, so
// memory stays bounded whatever the collector's pace. (More than one in
// flight is for a collector that acknowledges a batch once it is stored:
// see DESIGN.md, Batches in flight.)
func (w *worker) send() {
	w.timer.Stop()
	if w.n == 0 {
		return
	}
	n := uint64(w.n)
	w.n = 0
	w.slots <- struct{}{}
	b := w.enc.buf
	select {
	case w.enc.buf = <-w.spare:
	default:
		w.enc.buf = nil // start allocates
	}
	w.sending.Add(1)
	go func() {
		defer func() {
			select {
			case w.spare <- b:
			default:
			}
			<-w.slots
			w.sending.Done()
		}()
		w.deliver(b, n)
	}()
}

// deliver sends the encoded batch b of n events and counts the outcome.
func (w *worker) deliver(b []byte, n uint64) {
	c := w.c
	resp, attempts, err := w.export(b)
	w.lastSend.Store(time.Now().UnixNano())

	if err != nil {
		c.failed.Add(n)
		if refused(err) {
			c.warnRefused(err)
			return
		}
		c.warn("aires: dropped a batch of events after a failed send",
			"events", n, "attempts", attempts, "error", err.Error())
		return
	}
	// Credentials accepted again (a key rotated on both sides): a later
	// refusal is news worth a warning.
	c.refusedWarned.Store(false)
	rs := resp.GetRejections()
	rejected := min(max(resp.GetRejected(), uint64(len(rs))), n)
	c.sent.Add(n - rejected)
	if rejected > 0 {
		c.failed.Add(rejected)
		reason := ""
		if len(rs) > 0 {
			reason = rs[0].GetReason()
		}
		c.warn("aires: the collector rejected events of a batch",
			"rejected", rejected, "events", n, "first_reason", reason)
	}
}

// export tries the batch up to 1+MaxRetries times.
func (w *worker) export(b []byte) (*airesv1.IngestResponse, int, error) {
	c := w.c
	for attempt := 0; ; attempt++ {
		if err := c.sendCtx.Err(); err != nil {
			return nil, attempt, fmt.Errorf("shutdown deadline passed: %w", err)
		}
		ctx, cancel := context.WithTimeout(c.sendCtx, c.cfg.RequestTimeout)
		resp, err := w.exportOnce(ctx, b)
		cancel()
		if err == nil {
			return resp, attempt + 1, nil
		}
		retry, delay := classify(err)
		if !retry || attempt >= c.cfg.MaxRetries {
			return nil, attempt + 1, err
		}
		if delay > 0 {
			delay = min(delay, c.cfg.MaxRetryDelay)
		} else {
			delay = backoff(c.cfg.InitialBackoff, c.cfg.MaxBackoff, attempt)
		}
		t := time.NewTimer(delay)
		select {
		case <-t.C:
		case <-c.sendCtx.Done():
			t.Stop()
			return nil, attempt + 1, fmt.Errorf("shutdown deadline passed while waiting to retry after: %w", err)
		}
	}
}

// classify applies the OTLP rules: transient codes are retried; a server
// delay in a RetryInfo detail replaces the backoff; RESOURCE_EXHAUSTED is
// retried only when it carries RetryInfo; everything else (INVALID_ARGUMENT,
// PERMISSION_DENIED, UNAUTHENTICATED, UNIMPLEMENTED, ...) is permanent.
func classify(err error) (retry bool, delay time.Duration) {
	st, ok := status.FromError(err)
	if !ok {
		return false, 0
	}
	var hasInfo bool
	for _, d := range st.Details() {
		if ri, ok := d.(*errdetails.RetryInfo); ok && ri.GetRetryDelay() != nil {
			hasInfo = true
			delay = ri.GetRetryDelay().AsDuration()
			if delay < 0 {
				delay = 0
			}
		}
	}
	switch st.Code() {
	case codes.Canceled, codes.DeadlineExceeded, codes.Aborted, codes.OutOfRange,
		codes.Unavailable, codes.DataLoss:
		return true, delay
	case codes.ResourceExhausted:
		return hasInfo, delay
	}
	return false, 0
}

// backoff is exponential with "equal jitter": half fixed, half random, so
// retries of many clients spread out but never collapse to zero.
func backoff(initial, maxDelay time.Duration, attempt int) time.Duration {
	d := initial << min(attempt, 30)
	if d <= 0 || d > maxDelay {
		d = maxDelay
	}
	half := d / 2
	return half + rand.N(half+1)
}

// exportOnce sends the encoded batch: as bytes to the built-in gRPC
// transport, decoded into an EventBatch for any other Exporter.
func (w *worker) exportOnce(ctx context.Context, b []byte) (resp *airesv1.IngestResponse, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = status.Errorf(codes.Internal, "aires: exporter panicked: %v", r)
		}
	}()
	if raw, ok := w.c.exporter.(rawExporter); ok {
		return raw.exportRaw(ctx, b)
	}
	decoded := &airesv1.EventBatch{}
	if err := proto.Unmarshal(b, decoded); err != nil {
		return nil, status.Errorf(codes.Internal, "aires: cannot decode own batch (a bug, please report): %v", err)
	}
	return w.c.exporter.Export(ctx, decoded)
}

func safeClose(e Exporter) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("aires: exporter panicked in Close: %v", r)
		}
	}()
	return e.Close()
}

// refused reports whether the collector refused the client's credentials:
// UNAUTHENTICATED (no key, or one its authenticator does not know) or
// PERMISSION_DENIED. Neither is retried (classify), and every later batch
// would be refused the same way until someone changes a configuration.
func refused(err error) bool {
	switch status.Code(err) {
	case codes.Unauthenticated, codes.PermissionDenied:
		return true
	}
	return false
}

// warnRefused warns once about refused credentials, not once per batch: a
// busy client would otherwise write a warning every FlushInterval, all
// saying the same thing. The warning comes back after a batch has been
// accepted. The refused events are counted in Stats.Failed.
func (c *Client) warnRefused(err error) {
	if c.refusedWarned.Swap(true) {
		return
	}
	var msg string
	switch {
	case status.Code(err) == codes.PermissionDenied:
		msg = "aires: the collector denied this client permission to send (PERMISSION_DENIED): " +
			"check Config.APIKey and the collector's authenticator settings; " +
			"batches are dropped, not retried, until it accepts them (not repeated until a batch is accepted)"
	case c.cfg.APIKey == "" && !hasAuthorizationHeader(c.cfg.Headers):
		msg = "aires: the collector requires an API key and Config.APIKey is empty (UNAUTHENTICATED): " +
			"set Config.APIKey to a token of the collector's bearertokenauth extension; " +
			"batches are dropped, not retried, until it accepts them (not repeated until a batch is accepted)"
	default:
		msg = "aires: the collector refused the API key (UNAUTHENTICATED): " +
			"check Config.APIKey and the collector's bearertokenauth token; " +
			"batches are dropped, not retried, until it accepts them (not repeated until a batch is accepted)"
	}
	c.warn(msg, "endpoint", c.cfg.target(), "error", err.Error())
}

// hasAuthorizationHeader reports whether the credentials are sent through
// Config.Headers (a custom header name or scheme) rather than APIKey.
func hasAuthorizationHeader(h map[string]string) bool {
	for k := range h {
		if strings.EqualFold(k, "authorization") {
			return true
		}
	}
	return false
}

func (c *Client) warn(msg string, args ...any) {
	defer func() { _ = recover() }()
	c.cfg.Logger.Warn(msg, args...)
}
