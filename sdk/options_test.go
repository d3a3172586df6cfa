package aires_test

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	aires "github.com/aires-dev/aires/sdk"
	"github.com/aires-dev/aires/sdk/sdktest"
	"go.opentelemetry.io/otel/trace"
)

func one(t *testing.T, rec *sdktest.Recorder) *airesv1.Event {
	t.Helper()
	evs := rec.Events()
	if len(evs) != 1 {
		t.Fatalf("got %d events, want 1", len(evs))
	}
	return evs[0]
}

func TestOptionsSetProtocolFields(t *testing.T) {
	rec := sdktest.New(t, aires.Config{Service: "svc", Environment: "prod", Release: "r1", Host: "h"})
	before := time.Now()
	rec.Client.Warn("hello",
		aires.String("s", "v"), aires.Int("i", -3), aires.Float64("f", 1.5), aires.Bool("b", true),
		aires.Strings("ss", []string{"a", "b"}), aires.Ints("is", []int{1, 2}),
		aires.Float64s("fs", []float64{0.5}), aires.Bools("bs", []bool{true, false}),
		aires.Group("g", aires.String("x", "y"), aires.Int("n", 1)),
		aires.Map("m", map[string]any{"b": 2, "a": "z", "nested": map[string]any{"c": true}}),
		aires.Attrs(map[string]any{"top": 7.0}),
		aires.Uint64("big", math.MaxUint64), aires.Duration("d_ms", 1500*time.Microsecond),
		aires.WithTraceID("0af7651916cd43dd8448eb211c80319c"), aires.WithSpanID("b7ad6b7169203331"),
		aires.WithSessionID("sess"), aires.WithUserID("user"),
		aires.WithTags("a", "b"), aires.WithTags("c"),
		aires.WithService("other"), aires.WithEnvironment("staging"), aires.WithRelease("r2"),
	)
	e := one(t, rec)
	if e.Message != "hello" || e.Severity != airesv1.Severity_SEVERITY_WARN {
		t.Fatalf("message/severity: %v", e)
	}
	if ts := int64(e.TimestampUnixNano); ts < before.UnixNano() || ts > time.Now().UnixNano() {
		t.Fatalf("timestamp %d not the call time", ts)
	}
	if len(e.Id) != 16 || e.Id[6]>>4 != 7 || e.Id[8]>>6 != 2 {
		t.Fatalf("id %x is not a UUID v7", e.Id)
	}
	if ms := int64(e.Id[0])<<40 | int64(e.Id[1])<<32 | int64(e.Id[2])<<24 | int64(e.Id[3])<<16 | int64(e.Id[4])<<8 | int64(e.Id[5]); ms != int64(e.TimestampUnixNano)/1e6 {
		t.Fatalf("uuid time %d != event ms %d", ms, e.TimestampUnixNano/1e6)
	}
	want := map[string]any{
		"s": "v", "i": int64(-3), "f": 1.5, "b": true,
		"ss": []any{"a", "b"}, "is": []any{int64(1), int64(2)}, "fs": []any{0.5}, "bs": []any{true, false},
		"g":    map[string]any{"x": "y", "n": int64(1)},
		"m":    map[string]any{"a": "z", "b": int64(2), "nested": map[string]any{"c": true}},
		"top":  7.0,
		"big":  "18446744073709551615",
		"d_ms": 1.5,
	}
	for k, v := range want {
		if got := sdktest.Attr(e, k); fmt.Sprint(got) != fmt.Sprint(v) {
			t.Errorf("attr %s = %#v, want %#v", k, got, v)
		}
	}
	if fmt.Sprintf("%x", e.TraceId) != "0af7651916cd43dd8448eb211c80319c" || fmt.Sprintf("%x", e.SpanId) != "b7ad6b7169203331" {
		t.Errorf("trace/span = %x/%x", e.TraceId, e.SpanId)
	}
	if e.SessionId != "sess" || e.UserId != "user" || strings.Join(e.Tags, ",") != "a,b,c" {
		t.Errorf("ids/tags: %v", e)
	}
	if e.Service != "other" || e.Environment != "staging" || e.Release != "r2" {
		t.Errorf("overrides: %v", e)
	}
	r := rec.Batches()[0].Resource
	if r.Service != "svc" || r.Environment != "prod" || r.Release != "r1" || r.Host != "h" {
		t.Errorf("resource: %v", r)
	}
}

func TestWithContextTakesOTelSpan(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(),
		trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}))
	rec.Client.Info("in span", aires.WithContext(ctx))
	rec.Client.Info("explicit wins", aires.WithSpanID("1111111111111111"), aires.WithContext(ctx))
	//lint:ignore SA1012 a nil context must be tolerated, not crash the host
	rec.Client.Info("no span", aires.WithContext(context.Background()), aires.WithContext(nil))
	evs := rec.Events()
	if fmt.Sprintf("%x/%x", evs[0].TraceId, evs[0].SpanId) != "4bf92f3577b34da6a3ce929d0e0e4736/00f067aa0ba902b7" {
		t.Errorf("from span: %x/%x", evs[0].TraceId, evs[0].SpanId)
	}
	if fmt.Sprintf("%x/%x", evs[1].TraceId, evs[1].SpanId) != "4bf92f3577b34da6a3ce929d0e0e4736/1111111111111111" {
		t.Errorf("explicit span id must win: %x/%x", evs[1].TraceId, evs[1].SpanId)
	}
	if len(evs[2].TraceId) != 0 || len(evs[2].SpanId) != 0 {
		t.Errorf("no span: %x/%x", evs[2].TraceId, evs[2].SpanId)
	}
}

type panicStringer struct{}

func (panicStringer) String() string { panic("stringer") }

type panicErr struct{}

func (*panicErr) Error() string { panic("error") }

func TestErrorOption(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	base := &fs.PathError{Op: "open", Path: "/nope", Err: fs.ErrNotExist}
	wrapped := fmt.Errorf("loading config: %w", base)
	rec.Client.Error("failed", aires.WithError(wrapped))
	rec.Client.Error("nil error", aires.WithError(nil))
	var nilPtr *panicErr
	rec.Client.Error("odd values", aires.WithError(nilPtr), aires.Any("s", panicStringer{}), aires.WithError(&panicErr{}))
	evs := rec.Events()
	if len(evs) != 3 {
		t.Fatalf("%d events", len(evs))
	}
	e := evs[0].Error
	if e.GetType() != "*fs.PathError" || e.GetMessage() != wrapped.Error() {
		t.Errorf("error info = %v", e)
	}
	if !strings.Contains(e.GetStack(), "TestErrorOption") {
		t.Errorf("stack should show the logging call, got %q", e.GetStack())
	}
	if evs[1].Error != nil {
		t.Errorf("nil error must add nothing: %v", evs[1].Error)
	}
	if !strings.Contains(evs[2].Error.GetMessage(), "panic") || !strings.Contains(fmt.Sprint(sdktest.Attr(evs[2], "s")), "panic") {
		t.Errorf("panicking methods: %v", evs[2])
	}
}

func TestSanitising(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	bad := "ok\xff\xfe"
	huge := strings.Repeat("é", aires.MaxValueBytes) // 2 bytes each: twice the limit
	many := make([]aires.Option, aires.MaxAttributes+10)
	for i := range many {
		many[i] = aires.Int(fmt.Sprintf("k%d", i), i)
	}
	rec.Client.Info(bad, aires.String(bad, bad), aires.String("huge", huge), aires.WithTags(bad), aires.WithUserID(bad))
	rec.Client.Info(strings.Repeat("m", aires.MaxMessageBytes+5), many...)
	evs := rec.Events()
	e := evs[0]
	for _, s := range []string{e.Message, e.Attributes[0].Key, sdktest.Attr(e, "ok\uFFFD").(string), e.Tags[0], e.UserId} {
		if !utf8.ValidString(s) || !strings.HasPrefix(s, "ok") {
			t.Errorf("not made valid: %q", s)
		}
	}
	h := sdktest.Attr(e, "huge").(string)
	if len(h) > aires.MaxValueBytes || !utf8.ValidString(h) || len(h) < aires.MaxValueBytes-4 {
		t.Errorf("huge value: len %d, valid %v", len(h), utf8.ValidString(h))
	}
	if len(evs[1].Message) != aires.MaxMessageBytes || len(evs[1].Attributes) != aires.MaxAttributes {
		t.Errorf("limits: message %d, attrs %d", len(evs[1].Message), len(evs[1].Attributes))
	}
}

func TestMutatingArgumentsAfterCallIsSafe(t *testing.T) {
	rec := sdktest.New(t, aires.Config{})
	list := []string{"a", "b"}
	tags := []string{"t1", "t2"}
	m := map[string]any{"k": "v"}
	rec.Client.Info("x", aires.Strings("l", list), aires.WithTags(tags...), aires.Map("m", m))
	list[0], tags[0], m["k"] = "changed", "changed", "changed"
	e := one(t, rec)
	if fmt.Sprint(sdktest.Attr(e, "l")) != "[a b]" || e.Tags[0] != "t1" || fmt.Sprint(sdktest.Attr(e, "m")) != "map[k:v]" {
		t.Fatalf("event changed after the call: %v", e)
	}
}

func TestUUIDsUniqueAndOrdered(t *testing.T) {
	rec := sdktest.New(t, aires.Config{QueueSize: 20000, BatchSize: 1000})
	for range 10000 {
		rec.Client.Info("x")
	}
	evs := rec.Events()
	seen := make(map[string]bool, len(evs))
	for i, e := range evs {
		if seen[string(e.Id)] {
			t.Fatalf("duplicate id %x", e.Id)
		}
		seen[string(e.Id)] = true
		// The first 8 bytes (ms + sub-ms fraction) never go backwards.
		if i > 0 && string(e.Id[:8]) < string(evs[i-1].Id[:8]) {
			t.Fatalf("ids not time-ordered at %d", i)
		}
	}
}

// skipUnderRace skips an allocation count under the race detector (see
// raceDetector); make test-sdk runs these tests again without it.
func skipUnderRace(t *testing.T) {
	t.Helper()
	if raceDetector {
		t.Skip("allocation counts are random under the race detector (sync.Pool drops items); make test-sdk runs this test without it")
	}
}

func TestAllocsPerInfoCall(t *testing.T) {
	skipUnderRace(t)
	// AllocsPerRun counts the whole process's allocations: keep the worker
	// from sending (encoding, gRPC) while the caller's path is measured.
	rec := sdktest.New(t, aires.Config{QueueSize: 1 << 16, BatchSize: 1 << 15, FlushInterval: time.Hour})
	c := rec.Client
	allocs := testing.AllocsPerRun(1000, func() {
		c.Info("order placed", aires.String("order_id", "o-123"), aires.Int("items", 3), aires.Bool("paid", true))
	})
	// Events are pooled; the hot path itself allocates nothing.
	if allocs > 1 {
		t.Fatalf("Info with 3 attributes: %.1f allocs/op, want <= 1", allocs)
	}
}

// Many options (more than Client.emit gathers on its stack) and tags: the
// pooled event keeps its slices' capacity, so the call still allocates
// nothing once warm.
func TestAllocsPerCallWithManyOptions(t *testing.T) {
	skipUnderRace(t)
	rec := sdktest.New(t, aires.Config{QueueSize: 1 << 16, BatchSize: 1 << 15, FlushInterval: time.Hour})
	c := rec.Client
	opts := []aires.Option{aires.WithTags("a", "b", "c", "d", "e", "f"), aires.WithUserID("u-1")}
	for i := range 12 {
		opts = append(opts, aires.Int("attr"+strconv.Itoa(i), i))
	}
	allocs := testing.AllocsPerRun(1000, func() { c.Info("order placed", opts...) })
	if allocs > 1 {
		t.Fatalf("Info with 14 options: %.1f allocs/op, want <= 1", allocs)
	}
}
