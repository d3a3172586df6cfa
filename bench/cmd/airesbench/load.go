package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"
	"time"

	aires "github.com/aires-dev/aires/sdk"
)

// fleet is the SDK side: several clients (think: application instances),
// each driven by several goroutines.
type fleet struct {
	clients    []*aires.Client
	goroutines int // per client
	tmpls      []*evTemplate
	// pacedLimit is the SDK backlog above which a paced producer waits (so
	// a max-rate run measures the pipeline, not SDK drops).
	pacedLimit uint64
	// offered counts the events the producers have logged so far, in all
	// runs (a phase reads it at the start and end of its window).
	offered atomic.Uint64
}

// sdkSettings are the load's SDK settings (zero: the SDK's defaults).
type sdkSettings struct {
	batchSize   int    // Config.BatchSize
	compression string // Config.Compression
	concurrent  int    // Config.MaxConcurrentRequests
}

func newFleet(endpoint string, nClients, goroutines int, sdk sdkSettings, tmpls []*evTemplate) (*fleet, error) {
	host, _ := os.Hostname()
	var res []aires.Option
	for _, kv := range resourceAttrs {
		res = append(res, aires.String(kv[0], kv[1]))
	}
	f := &fleet{goroutines: goroutines, tmpls: tmpls, pacedLimit: aires.DefaultQueueSize / 2}
	for range nClients {
		c, err := aires.New(aires.Config{
			Endpoint: endpoint, Service: serviceLoad, Environment: benchEnv, Release: benchRelease, Host: host,
			ResourceAttributes: res, Compression: sdk.compression, BatchSize: sdk.batchSize,
			MaxConcurrentRequests: sdk.concurrent,
			Logger:                slog.New(slog.DiscardHandler),
		})
		if err != nil {
			return nil, err
		}
		f.clients = append(f.clients, c)
	}
	return f, nil
}

func (f *fleet) stats() aires.Stats {
	var s aires.Stats
	for _, c := range f.clients {
		st := c.Stats()
		s.Enqueued += st.Enqueued
		s.Sent += st.Sent
		s.Dropped += st.Dropped
		s.Failed += st.Failed
	}
	return s
}

func (f *fleet) flush(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range f.clients {
		wg.Go(func() { _ = c.Flush(ctx) })
	}
	wg.Wait()
}

func (f *fleet) shutdown(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var wg sync.WaitGroup
	for _, c := range f.clients {
		wg.Go(func() { _ = c.Shutdown(ctx) })
	}
	wg.Wait()
}

// run produces events until ctx ends. rate is the total events/s over all
// goroutines; 0 means as fast as the pipeline takes them (paced on the SDK
// backlog, nothing dropped by the SDK). With rate > 0 and paced false the
// producers never wait: what the SDK cannot queue it drops, as in an
// application. The logging calls are counted in f.offered as they go.
func (f *fleet) run(ctx context.Context, rate float64, paced bool) {
	var wg sync.WaitGroup
	n := len(f.clients) * f.goroutines
	start := time.Now()
	for g := range n {
		c := f.clients[g%len(f.clients)]
		wg.Go(func() {
			perG := rate / float64(n)
			var done uint64
			i := g * 7919
			for ctx.Err() == nil {
				due := uint64(1 << 62)
				if rate > 0 {
					due = uint64(time.Since(start).Seconds() * perG)
					if done >= due {
						time.Sleep(time.Millisecond)
						continue
					}
				}
				if paced {
					st := c.Stats()
					if st.Enqueued-st.Sent-st.Failed > f.pacedLimit {
						time.Sleep(200 * time.Microsecond)
						continue
					}
				}
				// A slice of up to 64 events, then check the clock/backlog again.
				k := uint64(0)
				for ; k < 64 && done < due; k++ {
					t := f.tmpls[i%len(f.tmpls)]
					i++
					c.Log(t.sev, t.msg, t.opts...)
					done++
				}
				f.offered.Add(k)
			}
		})
	}
	wg.Wait()
}

// probeLoop sends one probe event every interval until ctx ends, stamped
// with an explicit timestamp so its latency can be computed from the row.
func (f *fleet) probeLoop(ctx context.Context, interval time.Duration, sent *sync.Map, count *atomic.Int64) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		now := time.Now()
		c := f.clients[i%len(f.clients)]
		c.Info("latency probe", aires.WithService(serviceProbe), aires.WithTimestamp(now),
			aires.Int("probe.seq", i), aires.String("probe.run", fmt.Sprint(os.Getpid())))
		sent.Store(uint64(now.UnixNano()), struct{}{})
		count.Add(1)
	}
}
