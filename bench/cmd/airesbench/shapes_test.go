package main

import (
	"context"
	"net"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"google.golang.org/grpc"
	"google.golang.org/grpc/stats"
)

func TestMedianRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		runs []shapeRun
		want shapeRun
	}{
		{"none", nil, shapeRun{}},
		{"one", []shapeRun{{UsPerEvent: 5, AcceptedSec: 100, Failed: 1}}, shapeRun{UsPerEvent: 5, AcceptedSec: 100, Failed: 1, Rounds: []float64{5}}},
		{
			"odd: the middle round, every round's figure in order, all failures",
			[]shapeRun{{UsPerEvent: 7, AcceptedSec: 70}, {UsPerEvent: 5, AcceptedSec: 50, Failed: 2}, {UsPerEvent: 6, AcceptedSec: 60, Failed: 1}},
			shapeRun{UsPerEvent: 6, AcceptedSec: 60, Failed: 3, Rounds: []float64{7, 5, 6}},
		},
		{
			"even: the lower middle",
			[]shapeRun{{UsPerEvent: 4}, {UsPerEvent: 9}, {UsPerEvent: 1}, {UsPerEvent: 6}},
			shapeRun{UsPerEvent: 4, Rounds: []float64{4, 9, 1, 6}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := medianRun(tc.runs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("medianRun = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMedianRatio(t *testing.T) {
	runs := func(us ...float64) []shapeRun {
		var out []shapeRun
		for _, u := range us {
			out = append(out, shapeRun{UsPerEvent: u})
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		runs, base []shapeRun
		want       float64
	}{
		{"none", nil, nil, 0},
		{"round by round, not the ratio of the medians (1.2)", runs(6, 10, 4), runs(2, 10, 5), 1}, // 3, 1, 0.8
		{"even: the lower middle", runs(1, 2, 3, 4), runs(1, 1, 1, 1), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := medianRatio(tc.runs, tc.base); got != tc.want {
				t.Errorf("medianRatio = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOTLPRequestRecords(t *testing.T) {
	for _, tc := range []struct {
		name    string
		shape   eventShape
		records int
		want    int // -1: as many as fit in maxOTLPRequestBytes, fewer than records
	}{
		{"telemetrygen's 256", eventShape{Name: "small", Attrs: 4, BodyBytes: 20}, 256, 256},
		{"the SDKs' 2048", eventShape{Name: "small", Attrs: 4, BodyBytes: 20}, 2048, 2048},
		{"2048 large ones: cut at 1 MiB", eventShape{Name: "large", Attrs: 4, BodyBytes: 2048}, 2048, -1},
		{"none asked: one", eventShape{Name: "small", Attrs: 4, BodyBytes: 20}, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			req := otlpRequest(tc.shape, tc.records)
			got := req.Logs().LogRecordCount()
			size := new(plog.ProtoMarshaler).LogsSize(req.Logs())
			if size > maxOTLPRequestBytes {
				t.Errorf("otlpRequest(%s, %d) is %d bytes, over %d", tc.shape.Name, tc.records, size, maxOTLPRequestBytes)
			}
			switch {
			case tc.want >= 0 && got != tc.want:
				t.Errorf("otlpRequest(%s, %d) has %d records, want %d", tc.shape.Name, tc.records, got, tc.want)
			case tc.want < 0 && (got >= tc.records || size+size/got <= maxOTLPRequestBytes):
				t.Errorf("otlpRequest(%s, %d) has %d records in %d bytes: want as many as fit in %d", tc.shape.Name, tc.records, got, size, maxOTLPRequestBytes)
			}
		})
	}
}

// encodingRecorder is a gRPC server's stats handler that records the
// compression of the first request the server gets (grpc-encoding, which
// grpc keeps out of the handler's metadata).
type encodingRecorder struct {
	got chan string
}

func (e *encodingRecorder) TagRPC(ctx context.Context, _ *stats.RPCTagInfo) context.Context {
	return ctx
}

func (e *encodingRecorder) HandleRPC(_ context.Context, s stats.RPCStats) {
	if h, ok := s.(*stats.InHeader); ok {
		select {
		case e.got <- h.Compression:
		default:
		}
	}
}

func (e *encodingRecorder) TagConn(ctx context.Context, _ *stats.ConnTagInfo) context.Context {
	return ctx
}

func (e *encodingRecorder) HandleConn(context.Context, stats.ConnStats) {}

// acceptLogs acknowledges every OTLP logs request.
type acceptLogs struct {
	plogotlp.UnimplementedGRPCServer
}

func (*acceptLogs) Export(context.Context, plogotlp.ExportRequest) (plogotlp.ExportResponse, error) {
	return plogotlp.NewExportResponse(), nil
}

// startRecorder serves OTLP logs on a port of its own until the test ends,
// and reports the compression of its first request.
func startRecorder(t *testing.T) (addr string, got <-chan string) {
	t.Helper()
	lis, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	rec := &encodingRecorder{got: make(chan string, 1)}
	srv := grpc.NewServer(grpc.StatsHandler(rec))
	plogotlp.RegisterGRPCServer(srv, &acceptLogs{})
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	return lis.Addr().String(), rec.got
}

// TestOTLPSenderCompression sends requests with each -otlp-compression to a
// real gRPC server and checks how they arrived.
func TestOTLPSenderCompression(t *testing.T) {
	req := otlpRequest(eventShapes[0], 4)
	for _, tc := range []struct {
		compression, wantEncoding, wantErr string
	}{
		{"none", "", ""},
		{"gzip", "gzip", ""},
		{"zstd", "", `-otlp-compression "zstd": use gzip or none`},
	} {
		t.Run(tc.compression, func(t *testing.T) {
			addr, got := startRecorder(t)
			o, err := newOTLPSender(addr, tc.compression)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("newOTLPSender(%q) error = %v, want %q", tc.compression, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer o.close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			var accepted, failed atomic.Uint64
			done := make(chan struct{})
			go func() {
				o.run(ctx, req, 1000, 1, &accepted, &failed)
				close(done)
			}()
			defer func() { cancel(); <-done }()
			select {
			case enc := <-got:
				if enc != tc.wantEncoding {
					t.Errorf("-otlp-compression %s: request arrived with grpc-encoding %q, want %q", tc.compression, enc, tc.wantEncoding)
				}
			case <-ctx.Done():
				t.Fatal("no request arrived")
			}
		})
	}
}
