// Command quickstart sends a few events to an Aires collector.
//
// Start the collector (it listens on localhost:4320 by default), then:
//
//	cd examples/quickstart && go run .
//	go run . -endpoint collector.internal:4320 -service checkout
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"time"

	aires "github.com/aires-dev/aires/sdk"
)

func main() {
	endpoint := flag.String("endpoint", aires.DefaultEndpoint, "collector gRPC address")
	service := flag.String("service", "quickstart", "service name")
	flag.Parse()

	if err := aires.Init(aires.Config{
		Endpoint:    *endpoint,
		Service:     *service,
		Environment: "dev",
		Release:     "0.1.0",
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	// Typed attributes, ids and tags.
	aires.Info("order placed",
		aires.String("order_id", "o-1001"),
		aires.Int("items", 3),
		aires.Float64("total_eur", 42.5),
		aires.WithUserID("u-42"),
		aires.WithSessionID("s-7"),
		aires.WithTags("checkout", "quickstart"),
	)

	// An error with its type, message and stack.
	err := fmt.Errorf("charging card: %w", errors.New("card declined"))
	aires.Error("payment failed", aires.WithError(err), aires.String("order_id", "o-1001"))

	// An HTTP request (the Middleware does this for you in a server).
	aires.Info("GET /orders/{id}", aires.WithHTTP(aires.HTTP{
		Method: "GET", Route: "/orders/{id}", Path: "/orders/1001",
		StatusCode: 200, Duration: 12 * time.Millisecond, ResponseSize: 512,
	}))

	// log/slog works too.
	log := slog.New(aires.NewSlogHandler(nil, nil))
	log.Warn("stock low", "sku", "A-12", "left", 2)

	// Deliver everything before exiting.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := aires.Shutdown(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "shutdown:", err)
	}
	st := aires.Default().Stats()
	fmt.Printf("sent %d events (dropped %d, failed %d)\n", st.Sent, st.Dropped, st.Failed)
	if st.Failed > 0 {
		fmt.Fprintf(os.Stderr, "is the collector running on %s?\n", *endpoint)
		os.Exit(1)
	}
}
