package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"runtime"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/status"

	// The SDKs send gzip: register a faster "gzip" compressor (same format)
	// in place of grpc's, for the whole collector.
	"github.com/aires-dev/aires/internal/grpcgzip"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

const (
	// transport and dataFormat label the receiver's internal telemetry.
	transport  = "grpc"
	dataFormat = "aires"

	// gracefulStopTimeout bounds how long Shutdown waits for in-flight
	// requests before it closes the connections.
	gracefulStopTimeout = 5 * time.Second
)

// errRejectedEvents is recorded in the receiver's telemetry for events that
// failed validation: they count as refused.
var errRejectedEvents = errors.New("events rejected by validation")

type airesReceiver struct {
	cfg          *Config
	settings     receiver.Settings
	next         consumer.Logs
	obsrep       *receiverhelper.ObsReport
	scopeVersion string

	// stopping is closed by Shutdown: streams end after their current batch.
	stopping     chan struct{}
	stoppingOnce sync.Once

	mu     sync.Mutex
	server *grpc.Server
	addr   net.Addr // listening address, for tests

	serveWG sync.WaitGroup
}

var _ ingestServer = (*airesReceiver)(nil)

func newReceiver(cfg *Config, set receiver.Settings, next consumer.Logs) (*airesReceiver, error) {
	obsrep, err := receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              transport,
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, err
	}
	return &airesReceiver{
		cfg:          cfg,
		settings:     set,
		next:         next,
		obsrep:       obsrep,
		scopeVersion: set.BuildInfo.Version,
		stopping:     make(chan struct{}),
	}, nil
}

// Start creates the gRPC server, listens and serves in the background.
func (r *airesReceiver) Start(ctx context.Context, host component.Host) error {
	if !r.cfg.Protocols.GRPC.HasValue() {
		return nil
	}
	grpcCfg := r.cfg.Protocols.GRPC.Get()
	srv, err := grpcCfg.ToServer(ctx, host.GetExtensions(), r.settings.TelemetrySettings,
		// The raw codec is forced on this server only: it lets the handlers
		// decode batches leniently and alias their bytes (see decodeConvert).
		configgrpc.WithGrpcServerOption(grpc.ForceServerCodecV2(newRawCodec())),
		// So is the faster gzip inflater: the process-wide "gzip" stays
		// grpc's for every other component (internal/grpcgzip).
		configgrpc.WithGrpcServerOption(grpcgzip.ServerOption(grpcCfg.MaxRecvMsgSizeMiB<<20)),
		// Requests are served by lasting goroutines, one per core, instead
		// of a new goroutine per request whose stack grows again, copy by
		// copy, through decoding and the pipeline (runtime.morestack, the
		// reason grpc has the option); a request that finds them all busy
		// still gets a goroutine of its own.
		configgrpc.WithGrpcServerOption(grpc.NumStreamWorkers(uint32(runtime.GOMAXPROCS(0)))))
	if err != nil {
		return fmt.Errorf("aires receiver: cannot create the gRPC server: %w", err)
	}
	srv.RegisterService(&ingestServiceDesc, r)

	ln, err := grpcCfg.NetAddr.Listen(ctx)
	if err != nil {
		srv.Stop()
		return fmt.Errorf("aires receiver: cannot listen on %q: %w", grpcCfg.NetAddr.Endpoint, err)
	}
	r.settings.Logger.Info("Starting gRPC server", zap.String("endpoint", ln.Addr().String()))

	r.mu.Lock()
	r.server = srv
	r.addr = ln.Addr()
	r.mu.Unlock()

	r.serveWG.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, grpc.ErrServerStopped) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(err))
		}
	})
	return nil
}

// Shutdown stops the server: in-flight batches finish (bounded by
// gracefulStopTimeout and ctx), open streams end after their current batch.
// It is idempotent and safe without Start.
func (r *airesReceiver) Shutdown(ctx context.Context) error {
	r.stoppingOnce.Do(func() { close(r.stopping) })

	r.mu.Lock()
	srv := r.server
	r.server = nil
	r.mu.Unlock()

	if srv != nil {
		stopped := make(chan struct{})
		go func() {
			srv.GracefulStop()
			close(stopped)
		}()
		timer := time.NewTimer(gracefulStopTimeout)
		defer timer.Stop()
		select {
		case <-stopped:
		case <-ctx.Done():
			srv.Stop()
			<-stopped
		case <-timer.C:
			srv.Stop()
			<-stopped
		}
	}
	r.serveWG.Wait()
	return nil
}

func (r *airesReceiver) listenAddr() net.Addr {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.addr
}

// ingest serves the unary Ingest RPC.
func (r *airesReceiver) ingest(ctx context.Context, req *rawBatch) (*airesv1.IngestResponse, error) {
	defer req.release()
	answerUncompressed(ctx)
	return r.process(ctx, req.bytes())
}

// answerUncompressed sends the responses of the RPC of ctx (a handler's)
// uncompressed. grpc answers in the request's encoding by default: for a
// response of a few bytes, gzip costs a compressor reset and a flush per
// request and saves nothing. Clients accept identity whatever they sent.
func answerUncompressed(ctx context.Context) {
	// It fails only outside a handler's context or after the headers went
	// out: the response is then just compressed as before.
	_ = grpc.SetSendCompressor(ctx, encoding.Identity)
}

// ingestStream serves IngestStream: batches are processed one at a time, one
// response per batch, in order. A batch that fails as a whole ends the stream
// with that batch's status; the client resends from the first batch it has
// no response for.
func (r *airesReceiver) ingestStream(stream grpc.ServerStream) error {
	type received struct {
		batch *rawBatch
		err   error
	}
	// Receiving runs in its own goroutine so that the handler can leave
	// between batches when the receiver shuts down.
	batches := make(chan received)
	done := make(chan struct{})
	defer close(done)
	go func() {
		for {
			rb := new(rawBatch)
			err := stream.RecvMsg(rb)
			select {
			case batches <- received{batch: rb, err: err}:
			case <-done:
				rb.release()
				return
			}
			if err != nil {
				return
			}
		}
	}()

	ctx := stream.Context()
	answerUncompressed(ctx)
	for {
		select {
		case <-r.stopping:
			return unavailableStatus("the collector is shutting down: reopen the stream and resend the batches without a response", r.cfg.RetryAfter)
		case in := <-batches:
			if errors.Is(in.err, io.EOF) {
				return nil
			}
			if in.err != nil {
				return in.err
			}
			resp, err := r.process(ctx, in.batch.bytes())
			in.batch.release()
			if err != nil {
				return err
			}
			if err := stream.SendMsg(resp); err != nil {
				return err
			}
		}
	}
}

// process decodes, validates and converts one encoded batch, hands it to the
// next consumer and returns the response once the consumer returned.
func (r *airesReceiver) process(ctx context.Context, raw []byte) (*airesv1.IngestResponse, error) {
	now := time.Now()

	br, err := decodeConvert(raw, now, r.cfg.MaxEventsPerBatch, r.cfg.MaxAttributesPerEvent, r.scopeVersion)
	if err != nil {
		n := 0
		if be, ok := asBatchError(err); ok {
			n = be.events
		}
		opCtx := r.obsrep.StartLogsOp(ctx)
		r.obsrep.EndLogsOp(opCtx, dataFormat, n, err)
		return nil, status.Error(codes.InvalidArgument, err.Error())
	}

	resp := &airesv1.IngestResponse{Rejections: br.rejections}
	resp.Rejected = uint64(len(resp.Rejections))

	if resp.Rejected > 0 {
		opCtx := r.obsrep.StartLogsOp(ctx)
		r.obsrep.EndLogsOp(opCtx, dataFormat, len(resp.Rejections), errRejectedEvents)
	}
	if br.accepted == 0 {
		if resp.Rejected == 0 {
			// An empty batch: a request, no events.
			opCtx := r.obsrep.StartLogsOp(ctx)
			r.obsrep.EndLogsOp(opCtx, dataFormat, 0, nil)
		}
		return resp, nil
	}

	opCtx := r.obsrep.StartLogsOp(ctx)
	err = r.next.ConsumeLogs(opCtx, br.logs)
	r.obsrep.EndLogsOp(opCtx, dataFormat, br.accepted, err)
	if err != nil {
		return nil, consumerErrorStatus(err, r.cfg.RetryAfter)
	}
	resp.Accepted = uint64(br.accepted)
	return resp, nil
}
