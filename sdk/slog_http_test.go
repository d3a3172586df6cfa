package aires_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/slogtest"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
	"github.com/aires-dev/aires/sdk/sdktest"
)

func TestSlogHandler(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	log := slog.New(aires.NewSlogHandler(rec.Client, &aires.SlogHandlerOptions{Level: slog.LevelDebug - 4}))
	log = log.With("app", "shop").WithGroup("req").With("id", 7)
	at := time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)
	r := slog.NewRecord(at, slog.LevelWarn, "slow", 0)
	r.AddAttrs(slog.Group("db", slog.String("table", "orders"), slog.Float64("ms", 12.5)), slog.Bool("ok", false),
		slog.Any("err", errors.New("timeout")), slog.Duration("took", 2*time.Millisecond))
	_ = log.Handler().Handle(context.Background(), r)
	log.Log(context.Background(), slog.LevelDebug-4, "trace level")
	log.Debug("debug")
	log.Error("err")
	log.Log(context.Background(), slog.LevelError+4, "fatal level")

	evs := rec.Events()
	if len(evs) != 5 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0]
	if e.Severity != airesv1.Severity_SEVERITY_WARN || e.Message != "slow" || int64(e.TimestampUnixNano) != at.UnixNano() {
		t.Errorf("event: %v", e)
	}
	want := map[string]any{
		"app": "shop", "req.id": int64(7), "req.db.table": "orders", "req.db.ms": 12.5, "req.ok": false,
		"req.err": "timeout", "req.took": 2.0,
	}
	for k, v := range want {
		if got := sdktest.Attr(e, k); got != v {
			t.Errorf("attr %s = %#v, want %#v", k, got, v)
		}
	}
	if e.Error.GetMessage() != "timeout" {
		t.Errorf("error info: %v", e.Error)
	}
	for i, sev := range []airesv1.Severity{airesv1.Severity_SEVERITY_TRACE, airesv1.Severity_SEVERITY_DEBUG, airesv1.Severity_SEVERITY_ERROR, airesv1.Severity_SEVERITY_FATAL} {
		if evs[i+1].Severity != sev {
			t.Errorf("event %d severity %v, want %v", i+1, evs[i+1].Severity, sev)
		}
	}
	// Default level is Info.
	h := aires.NewSlogHandler(rec.Client, nil)
	if h.Enabled(context.Background(), slog.LevelDebug) || !h.Enabled(context.Background(), slog.LevelInfo) {
		t.Error("default level should be Info")
	}
}

// TestSlogHandlerContract runs the standard library's handler conformance
// test, reading results back from the recorder.
func TestSlogHandlerContract(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	h := aires.NewSlogHandler(rec.Client, &aires.SlogHandlerOptions{Level: slog.LevelDebug})
	results := func() []map[string]any {
		var out []map[string]any
		for _, e := range rec.Events() {
			m := map[string]any{slog.MessageKey: e.Message, slog.LevelKey: e.Severity.String()}
			if e.TimestampUnixNano != 0 {
				m[slog.TimeKey] = time.Unix(0, int64(e.TimestampUnixNano))
			}
			for _, kv := range e.Attributes {
				// Dotted keys back to nested maps, as slogtest expects groups.
				cur := m
				parts := strings.Split(kv.Key, ".")
				for _, p := range parts[:len(parts)-1] {
					next, ok := cur[p].(map[string]any)
					if !ok {
						next = map[string]any{}
						cur[p] = next
					}
					cur = next
				}
				cur[parts[len(parts)-1]] = sdktest.Value(kv.Value)
			}
			out = append(out, m)
		}
		rec.Reset()
		return out
	}
	// The handler sends the record time even when zero is given: the SDK
	// stamps the call time instead, so skip that one case.
	slogtest.Run(t, func(*testing.T) slog.Handler { rec.Reset(); return h }, func(t *testing.T) map[string]any {
		rs := results()
		if len(rs) != 1 {
			t.Fatalf("%d events", len(rs))
		}
		if strings.HasSuffix(t.Name(), "/zero-time") {
			delete(rs[0], slog.TimeKey)
		}
		return rs[0]
	})
}

func TestMiddleware(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("POST /orders/{id}", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.WriteHeader(http.StatusCreated)
		fmt.Fprintf(w, "got %d bytes", len(b))
	})
	mux.HandleFunc("GET /boom", func(http.ResponseWriter, *http.Request) { panic("kaboom") })
	srv := httptest.NewServer(aires.Middleware(aires.MiddlewareConfig{Client: rec.Client, RecoverPanics: true})(mux))
	defer srv.Close()

	req, _ := http.NewRequest("POST", srv.URL+"/orders/42", strings.NewReader("hello"))
	req.Header.Set("User-Agent", "tester/1")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = http.Get(srv.URL + "/boom")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 500 {
		t.Fatalf("panic answered %d, want 500", resp.StatusCode)
	}
	evs := rec.Events()
	if len(evs) != 2 {
		t.Fatalf("%d events", len(evs))
	}
	h := evs[0].Http
	if evs[0].Message != "POST /orders/{id}" || h.Method != "POST" || h.Route != "/orders/{id}" || h.Path != "/orders/42" ||
		h.StatusCode != 201 || h.RequestSize != 5 || h.ResponseSize != int64(len("got 5 bytes")) ||
		h.UserAgent != "tester/1" || h.ClientAddress != "127.0.0.1" || h.DurationMs <= 0 {
		t.Errorf("request event: %v", evs[0])
	}
	p := evs[1]
	if p.Severity != airesv1.Severity_SEVERITY_ERROR || p.Http.StatusCode != 500 ||
		!strings.Contains(p.Error.GetMessage(), "kaboom") || !strings.Contains(p.Error.GetStack(), "panic") {
		t.Errorf("panic event: %v", p)
	}
}

func TestMiddlewareRePanics(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	h := aires.Middleware(aires.MiddlewareConfig{Client: rec.Client})(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		panic(errors.New("handler broke"))
	}))
	func() {
		defer func() {
			if r := recover(); r == nil {
				t.Error("panic was swallowed; want it re-raised by default")
			}
		}()
		h.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest("GET", "/x", nil))
	}()
	e := one(t, rec)
	if e.Error.GetType() != "*errors.errorString" || e.Http.StatusCode != 500 || e.Message != "GET /x" {
		t.Errorf("event: %v", e)
	}
}
