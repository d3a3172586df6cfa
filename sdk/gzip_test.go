package aires

import (
	"bytes"
	stdgzip "compress/gzip"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	klauspostgzip "github.com/klauspost/compress/gzip"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/protobuf/proto"
)

// TestRequestsAreGzipped: with Compression "gzip", a stock gRPC server
// (grpc's own registered gzip) receives the client's requests compressed, and the SDK registered nothing
// in place of grpc's "gzip".
func TestRequestsAreGzipped(t *testing.T) {
	if got := reflect.TypeOf(encoding.GetCompressor("gzip")).Elem().PkgPath(); got != "google.golang.org/grpc/encoding/gzip" {
		t.Fatalf(`the registered "gzip" compressor comes from %s, want grpc's`, got)
	}
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	sizes := &compressionSeen{}
	s := &fakeServer{addr: lis.Addr().String()}
	gs := grpc.NewServer(grpc.StatsHandler(sizes))
	airesv1.RegisterIngestServiceServer(gs, s)
	go func() { _ = gs.Serve(lis) }()
	t.Cleanup(gs.Stop)

	c := newTestClient(t, Config{Endpoint: s.addr, Compression: CompressionGzip})
	logOrders(t, c, 200)
	if n := len(s.events()); n != 200 {
		t.Fatalf("server stored %d events, want 200", n)
	}
	sizes.mu.Lock()
	defer sizes.mu.Unlock()
	if len(sizes.wire) == 0 || sizes.wire[0] >= sizes.decoded[0]/2 {
		t.Fatalf("requests not compressed: wire %v, decoded %v", sizes.wire, sizes.decoded)
	}
}

// BenchmarkGzipBatch compresses a 256-event batch (as the worker encodes
// it) with grpc's NewGZIPCompressorWithLevel(BestSpeed), which the SDK used
// before, with klauspost writing straight to grpc (as the SDK did next) and
// with the SDK's gzipCompressor, into grpc's message writer (mem.NewWriter,
// which copies every Write), as a request does. MB/s is of uncompressed
// bytes.
func BenchmarkGzipBatch(b *testing.B) {
	raw := typicalBatch(b, 256)
	//lint:ignore SA1019 the compressor this benchmark compares against
	grpcs, err := grpc.NewGZIPCompressorWithLevel(stdgzip.BestSpeed)
	if err != nil {
		b.Fatal(err)
	}
	for _, cp := range []struct {
		name string
		c    interface {
			Do(io.Writer, []byte) error
		}
	}{{"compress-gzip", grpcs}, {"klauspost-unbuffered", &unbufferedGzip{}}, {"klauspost", &gzipCompressor{}}} {
		b.Run(cp.name, func(b *testing.B) { benchmarkCompress(b, cp.c, raw, 256) })
	}
}

// unbufferedGzip is the SDK's compressor as it was before it buffered its
// output: klauspost's writer straight on grpc's, for BenchmarkGzipBatch.
type unbufferedGzip struct{ writers sync.Pool }

func (c *unbufferedGzip) Do(w io.Writer, p []byte) error {
	z, ok := c.writers.Get().(*klauspostgzip.Writer)
	if ok {
		z.Reset(w)
	} else {
		var err error
		if z, err = klauspostgzip.NewWriterLevel(w, klauspostgzip.BestSpeed); err != nil {
			return err
		}
	}
	defer c.writers.Put(z)
	if _, err := z.Write(p); err != nil {
		return err
	}
	return z.Close()
}

// typicalBatch is a batch of n events encoded by the worker's encoder,
// shaped like the load of `make bench` (bench/cmd/airesbench/events.go):
// HTTP requests, failed ones with an error and a stack, business events,
// slow queries; random ids, most with a user and a session. Deterministic.
func typicalBatch(tb testing.TB, n int) []byte {
	tb.Helper()
	r := rand.New(rand.NewPCG(42, 7))
	pick := func(s ...string) string { return s[r.IntN(len(s))] }
	hexID := func(n int) string {
		const digits = "0123456789abcdef"
		b := make([]byte, 2*n)
		for i := range b {
			b[i] = digits[r.IntN(16)]
		}
		return string(b)
	}
	stack := func() string {
		var b strings.Builder
		b.WriteString("goroutine 1842 [running]:\n")
		for _, fn := range []string{"main.(*OrderService).Place", "main.(*Handler).ServeOrders", "net/http.HandlerFunc.ServeHTTP", "net/http.(*ServeMux).ServeHTTP", "net/http.serverHandler.ServeHTTP"} {
			fmt.Fprintf(&b, "%s(0xc000%06x, 0xc000%06x)\n\t/src/app/%s.go:%d +0x%x\n", fn, r.IntN(1<<24), r.IntN(1<<24), strings.ToLower(fn[strings.LastIndex(fn, ".")+1:]), 20+r.IntN(400), r.IntN(1<<12))
		}
		return b.String()
	}
	ts := time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC).UnixNano()
	evs := make([]*event, n)
	for i := range evs {
		opts := []Option{WithTraceID(hexID(16)), WithSpanID(hexID(8))}
		if r.IntN(10) < 8 {
			opts = append(opts, WithUserID(fmt.Sprintf("user-%d", r.IntN(50000))), WithSessionID(fmt.Sprintf("sess-%08x", r.Uint32())))
		}
		sev, msg := SeverityInfo, ""
		switch kind := r.IntN(100); {
		case kind < 75:
			route := pick("/api/orders", "/api/orders/{id}", "/api/cart", "/api/users/{id}", "/api/search", "/healthz", "/api/payments")
			h := HTTP{
				Method: pick("GET", "GET", "GET", "POST", "PUT", "DELETE"), Route: route,
				Path:       strings.ReplaceAll(route, "{id}", fmt.Sprint(r.IntN(100000))),
				StatusCode: 200, Duration: time.Duration(1+r.IntN(250)) * time.Millisecond,
				RequestSize: int64(r.IntN(2048)), ResponseSize: int64(256 + r.IntN(16384)),
				UserAgent:     pick("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36", "okhttp/4.12.0", "curl/8.5.0"),
				ClientAddress: fmt.Sprintf("10.%d.%d.%d", r.IntN(256), r.IntN(256), 1+r.IntN(254)),
			}
			msg = h.Method + " " + route
			if kind >= 65 {
				h.StatusCode, sev, msg = 500, SeverityError, "request failed"
				opts = append(opts, WithErrorInfo(pick("*net.OpError", "*url.Error", "*pq.Error"), pick("context deadline exceeded", "payment provider returned 502", "inventory: item out of stock"), stack()))
			}
			opts = append(opts, WithHTTP(h),
				String("customer.tier", pick("free", "pro", "enterprise")), String("request.id", fmt.Sprintf("req-%016x", r.Uint64())),
				Int("db.queries", r.IntN(12)), Bool("cache.hit", r.IntN(2) == 0), Float64("cpu.ms", float64(r.IntN(20000))/100))
		case kind < 95:
			msg = pick("order placed", "cart updated", "payment authorized", "user signed in")
			opts = append(opts, String("order.id", fmt.Sprintf("A-%d", r.IntN(1_000_000))), String("currency", pick("EUR", "USD", "GBP")),
				Int("order.items", 1+r.IntN(9)), Float64("order.total", float64(r.IntN(100000))/100), Bool("order.gift", r.IntN(5) == 0),
				WithTags("checkout", "v2"))
		default:
			sev, msg = SeverityWarn, "slow query"
			opts = append(opts, String("db.system", "postgresql"), String("db.operation", pick("SELECT", "UPDATE")),
				Float64("db.duration_ms", 500+float64(r.IntN(500000))/100), Int("db.rows", r.IntN(100000)))
		}
		ts += int64(r.IntN(2_000_000))
		ev := getEvent()
		ev.ts, ev.sev, ev.msg = ts, sev, msg
		ev.apply(opts)
		ev.id = newUUIDv7(ev.ts)
		evs[i] = ev
	}
	var enc encoder
	res := encodeResource(&Config{Service: "checkout", Environment: "production", Release: "1.0.0"})
	raw := bytes.Clone(enc.encode(res, evs))
	if err := proto.Unmarshal(raw, &airesv1.EventBatch{}); err != nil {
		tb.Fatal(err)
	}
	return raw
}
