package aires_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	aires "github.com/aires-dev/aires/sdk"
	"github.com/aires-dev/aires/sdk/sdktest"
)

// The package-level API: Init once, log anywhere, Shutdown before exit.
func ExampleInit() {
	if err := aires.Init(aires.Config{
		Endpoint:    "localhost:4320", // the default
		Service:     "checkout",
		Environment: "prod",
		Release:     "1.4.2",
	}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = aires.Shutdown(ctx)
	}()

	aires.Info("order placed", aires.String("order_id", "o-123"), aires.Int("items", 3), aires.Float64("total", 42.5))
}

// An instance API for code that wants no globals; sdktest captures what the
// client would send, which is how this example can print it.
func ExampleNew() {
	rec := sdktest.New(nil, aires.Config{Service: "checkout"})
	c := rec.Client // in production: c, err := aires.New(aires.Config{...})
	defer c.Shutdown(context.Background())

	c.Warn("payment retried",
		aires.String("order_id", "o-123"),
		aires.Int("attempt", 2),
		aires.WithUserID("u-42"),
		aires.WithTags("payments", "retry"),
	)
	e := rec.Events()[0]
	fmt.Println(e.Severity, e.Message, e.UserId, e.Tags)
	fmt.Println(sdktest.Attr(e, "order_id"), sdktest.Attr(e, "attempt"))
	fmt.Printf("%+v\n", c.Stats())
	// Output:
	// SEVERITY_WARN payment retried u-42 [payments retry]
	// o-123 2
	// {Enqueued:1 Sent:1 Dropped:0 Failed:0}
}

// WithError records the error's type, message and a stack.
func ExampleWithError() {
	rec := sdktest.New(nil, aires.Config{})
	defer rec.Client.Shutdown(context.Background())

	_, err := os.Open("/does/not/exist")
	rec.Client.Error("cannot load config", aires.WithError(fmt.Errorf("startup: %w", err)))

	e := rec.Events()[0]
	fmt.Println(e.Error.Type)
	fmt.Println(e.Error.Message)
	fmt.Println(e.Error.Stack != "")
	// Output:
	// *fs.PathError
	// startup: open /does/not/exist: no such file or directory
	// true
}

// WithHTTP describes a request; the Middleware fills it for you.
func ExampleWithHTTP() {
	rec := sdktest.New(nil, aires.Config{})
	defer rec.Client.Shutdown(context.Background())

	rec.Client.Info("GET /orders/{id}", aires.WithHTTP(aires.HTTP{
		Method: "GET", Route: "/orders/{id}", Path: "/orders/7", StatusCode: 200,
		Duration: 12 * time.Millisecond, ResponseSize: 512,
	}))
	h := rec.Events()[0].Http
	fmt.Println(h.Method, h.Route, h.StatusCode, h.DurationMs)
	// Output:
	// GET /orders/{id} 200 12
}

// The slog adapter: attributes keep their types, groups become dotted keys.
func ExampleNewSlogHandler() {
	rec := sdktest.New(nil, aires.Config{})
	defer rec.Client.Shutdown(context.Background())

	log := slog.New(aires.NewSlogHandler(rec.Client, nil)).WithGroup("http")
	log.Info("request", "status", 200, slog.Group("client", "ip", "10.0.0.1"))

	e := rec.Events()[0]
	for _, kv := range e.Attributes {
		fmt.Println(kv.Key, "=", sdktest.Value(kv.Value))
	}
	// Output:
	// http.status = 200
	// http.client.ip = 10.0.0.1
}

// The net/http middleware records one event per request.
func ExampleMiddleware() {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "order %s", r.PathValue("id"))
	})
	// nil Client: the default client set by aires.Init.
	handler := aires.Middleware(aires.MiddlewareConfig{RecoverPanics: true})(mux)
	_ = http.ListenAndServe // http.ListenAndServe(":8080", handler)
	_ = handler
}

// Stats tells what happened to the events.
func ExampleClient_Stats() {
	rec := sdktest.New(nil, aires.Config{})
	defer rec.Client.Shutdown(context.Background())
	for range 3 {
		rec.Client.Info("tick")
	}
	_ = rec.Client.Flush(context.Background())
	st := rec.Client.Stats()
	fmt.Println(st.Enqueued, st.Sent, st.Dropped, st.Failed)
	// Output: 3 3 0 0
}
