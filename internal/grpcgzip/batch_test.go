package grpcgzip

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// realisticBatch is the wire form of an EventBatch of n events shaped like
// the load of `make bench` (bench/cmd/airesbench/events.go): 65% HTTP
// requests, 10% failed requests with an error and a ~700-byte stack, 20%
// business events, 5% slow queries; 5 to 10 typed attributes each, random
// ids, trace and span ids, most with a user and a session. Deterministic.
func realisticBatch(tb testing.TB, n int) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(42, 7))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	randBytes := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		return b
	}
	str := func(k, v string) *airesv1.KeyValue {
		return &airesv1.KeyValue{Key: k, Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_StringValue{StringValue: v}}}
	}
	num := func(k string, v int64) *airesv1.KeyValue {
		return &airesv1.KeyValue{Key: k, Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: v}}}
	}
	flt := func(k string, v float64) *airesv1.KeyValue {
		return &airesv1.KeyValue{Key: k, Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_DoubleValue{DoubleValue: v}}}
	}
	boolean := func(k string, v bool) *airesv1.KeyValue {
		return &airesv1.KeyValue{Key: k, Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_BoolValue{BoolValue: v}}}
	}
	stack := func() string {
		var b strings.Builder
		b.WriteString("goroutine 1842 [running]:\n")
		for _, fn := range []string{"main.(*OrderService).Place", "main.(*Handler).ServeOrders", "net/http.HandlerFunc.ServeHTTP", "github.com/aires-dev/aires/sdk.(*middleware).ServeHTTP", "net/http.(*ServeMux).ServeHTTP", "net/http.serverHandler.ServeHTTP"} {
			fmt.Fprintf(&b, "%s(0xc000%06x, 0xc000%06x)\n\t/src/app/%s.go:%d +0x%x\n", fn, r.IntN(1<<24), r.IntN(1<<24), strings.ToLower(fn[strings.LastIndex(fn, ".")+1:]), 20+r.IntN(400), r.IntN(1<<12))
		}
		return b.String()
	}

	batch := &airesv1.EventBatch{Resource: &airesv1.Resource{
		Service: "checkout", Environment: "production", Release: "1.0.0", Host: "checkout-7d9f8-x2x4q",
		Attributes: []*airesv1.KeyValue{str("k8s.pod.name", "checkout-7d9f8-x2x4q"), str("cloud.region", "eu-west-1")},
	}}
	ts := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)
	for range n {
		ts = ts.Add(time.Duration(r.IntN(2_000_000)))
		ev := &airesv1.Event{
			Id: randBytes(16), TimestampUnixNano: uint64(ts.UnixNano()), Severity: airesv1.Severity_SEVERITY_INFO,
			TraceId: randBytes(16), SpanId: randBytes(8),
		}
		if r.IntN(10) < 8 {
			ev.UserId = fmt.Sprintf("user-%d", r.IntN(50000))
			ev.SessionId = fmt.Sprintf("sess-%08x", r.Uint32())
		}
		switch kind := r.IntN(100); {
		case kind < 75: // HTTP request, possibly failing
			route := pick("/api/orders", "/api/orders/{id}", "/api/cart", "/api/users/{id}", "/api/search", "/healthz", "/api/payments")
			h := &airesv1.HttpInfo{
				Method: pick("GET", "GET", "GET", "POST", "PUT", "DELETE"), Route: route,
				Path:       strings.ReplaceAll(route, "{id}", fmt.Sprint(r.IntN(100000))),
				StatusCode: 200, DurationMs: float64(1 + r.IntN(250)),
				RequestSize: int64(r.IntN(2048)), ResponseSize: int64(256 + r.IntN(16384)),
				UserAgent:     pick("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "okhttp/4.12.0", "curl/8.5.0", "Go-http-client/2.0"),
				ClientAddress: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254)),
			}
			ev.Http, ev.Message = h, h.Method+" "+route
			if r.IntN(20) == 0 {
				h.StatusCode, ev.Severity = 404, airesv1.Severity_SEVERITY_WARN
			}
			if kind >= 65 {
				h.StatusCode, ev.Severity, ev.Message = 500, airesv1.Severity_SEVERITY_ERROR, "request failed"
				ev.Error = &airesv1.ErrorInfo{
					Type:    pick("*net.OpError", "*url.Error", "context.deadlineExceededError", "*pq.Error", "*errors.errorString"),
					Message: pick("dial tcp 10.0.3.7:5432: connect: connection refused", "context deadline exceeded", "payment provider returned 502", "inventory: item out of stock"),
					Stack:   stack(),
				}
			}
			ev.Attributes = append(ev.Attributes,
				str("customer.tier", pick("free", "pro", "enterprise")),
				str("request.id", fmt.Sprintf("req-%016x", r.Uint64())),
				num("db.queries", int64(r.IntN(12))),
				boolean("cache.hit", r.IntN(2) == 0),
				flt("cpu.ms", float64(r.IntN(20000))/100))
			for k := range r.IntN(4) {
				ev.Attributes = append(ev.Attributes, str(fmt.Sprintf("feature.flag_%d", k), pick("on", "off", "control")))
			}
		case kind < 95: // business event
			ev.Message = pick("order placed", "cart updated", "payment authorized", "user signed in")
			ev.Attributes = append(ev.Attributes,
				str("order.id", fmt.Sprintf("A-%d", r.IntN(1_000_000))),
				str("currency", pick("EUR", "USD", "GBP")),
				num("order.items", int64(1+r.IntN(9))),
				flt("order.total", float64(r.IntN(100000))/100),
				boolean("order.gift", r.IntN(5) == 0),
				str("customer.tier", pick("free", "pro", "enterprise")))
			for k := range r.IntN(5) {
				ev.Attributes = append(ev.Attributes, str(fmt.Sprintf("checkout.step_%d", k), fmt.Sprintf("step-%d", r.IntN(10))))
			}
			ev.Tags = []string{"checkout", "v2"}
		default: // slow query
			ev.Severity, ev.Message = airesv1.Severity_SEVERITY_WARN, "slow query"
			ev.Attributes = append(ev.Attributes,
				str("db.system", "postgresql"),
				str("db.operation", pick("SELECT", "UPDATE", "INSERT")),
				str("db.table", pick("orders", "users", "inventory")),
				flt("db.duration_ms", 500+float64(r.IntN(500000))/100),
				num("db.rows", int64(r.IntN(100000))),
				boolean("db.replica", r.IntN(2) == 0))
		}
		batch.Events = append(batch.Events, ev)
	}
	b, err := proto.Marshal(batch)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// frameSize is the payload of a default HTTP/2 DATA frame: grpc's transport
// copies each frame into its own pooled buffer, so a received message is a
// BufferSlice of pieces of this size.
const frameSize = 16 << 10

// asReceived is what grpc hands a decompressor: a mem.Reader over a
// BufferSlice of frame-sized pooled copies of b.
func asReceived(b []byte) *mem.Reader {
	var s mem.BufferSlice
	pool := mem.DefaultBufferPool()
	for len(b) > 0 {
		n := min(len(b), frameSize)
		s = append(s, mem.Copy(b[:n], pool))
		b = b[n:]
	}
	r := s.Reader()
	s.Free() // the reader holds its own references, as in grpc
	return r
}
