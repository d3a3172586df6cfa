package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/aires-dev/aires/internal/query"
)

// tailLookback is how late an event may land (after its own timestamp) and
// still be shown: SDK batching and the exporter's batches delay it by about
// a second; a collector's retry can take longer.
const tailLookback = 30 * time.Second

func runTail(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("aires tail", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var conn connFlags
	var filter filterFlags
	conn.register(fs)
	filter.register(fs)
	every := fs.Duration("every", 500*time.Millisecond, "how often to look for new events")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "Usage: aires tail [flags]\n\nFollows new events as they land, oldest first, until interrupted.\n\nFlags:")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("tail takes no arguments (got %q): filter with --service, --severity, --where", fs.Args())
	}
	if *every < 100*time.Millisecond {
		return fmt.Errorf("--every %s: use at least 100ms", *every)
	}
	var f query.Filter
	if err := filter.apply(&f); err != nil {
		return err
	}
	table, db, err := conn.open(ctx)
	if err != nil {
		return err
	}
	defer db.Close()
	out := newPrinter(stdout, conn.json)
	// Events already stored when tail starts are not shown: only what lands
	// after. An event is shown once, whenever it lands within the lookback.
	start := time.Now()
	seen := map[string]time.Time{}
	tick := time.NewTicker(*every)
	defer tick.Stop()
	for first := true; ; first = false {
		now := time.Now()
		f.Since, f.Until, f.Limit = now.Add(-tailLookback), now.Add(time.Minute), query.MaxLimit
		sql, qargs, err := query.Search(table, f, query.OldestFirst)
		if err != nil {
			return err
		}
		events, err := fetch(conn.queryContext(ctx, f.Limit), db, table, sql, qargs)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return err
		}
		for _, e := range events {
			if _, ok := seen[e.ID]; ok {
				continue
			}
			seen[e.ID] = e.Time
			if first && e.Time.Before(start) {
				continue // stored before tail started
			}
			if err := out.print(e); err != nil {
				return err
			}
		}
		for id, t := range seen {
			if t.Before(now.Add(-2 * tailLookback)) {
				delete(seen, id)
			}
		}
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}
