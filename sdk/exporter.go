package aires

import (
	"context"
	"fmt"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	// Registers the "gzip" decompressor: responses come back gzipped, and
	// in-process test servers read the requests with it.
	_ "google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
)

// Exporter sends one batch. The client calls it for one batch at a time
// unless Config.MaxConcurrentRequests is above 1 (then Export must be safe
// for concurrent use). The batch may be reused after Export returns, so an
// Exporter must not keep it (clone it with proto.Clone if needed). Errors
// are classified by their gRPC status (status.FromError): see DESIGN.md for
// which codes are retried. The gRPC transport used by default is one
// Exporter.
type Exporter interface {
	Export(ctx context.Context, batch *airesv1.EventBatch) (*airesv1.IngestResponse, error)
	// Close releases the transport; called once by Client.Shutdown.
	Close() error
}

type grpcExporter struct {
	conn   *grpc.ClientConn
	client airesv1.IngestServiceClient
	md     metadata.MD
	certs  *certWatch
}

func newGRPCExporter(cfg *Config) (*grpcExporter, error) {
	if err := checkEndpoints(cfg); err != nil {
		return nil, err
	}
	tc, err := transportTLS(cfg)
	if err != nil {
		return nil, err
	}
	certs := &certWatch{}
	creds := insecure.NewCredentials()
	if tc != nil {
		creds = credentials.NewTLS(certs.watch(tc))
	}
	dopts := []grpc.DialOption{grpc.WithTransportCredentials(creds)}
	// Compression is set on this connection only (see compressorOption).
	// zstd and gzip at their fastest levels: compression was two thirds of
	// the SDK worker's CPU at gzip's default level (DESIGN.md).
	copt, err := compressorOption(cfg)
	if err != nil {
		return nil, err
	}
	if copt != nil {
		dopts = append(dopts, copt)
	}
	target, balance := dialTarget(cfg)
	dopts = append(dopts, balance...)
	// The application's options come last: they may replace the service
	// config (another load-balancing policy) or the resolvers.
	dopts = append(dopts, cfg.DialOptions...)
	conn, err := grpc.NewClient(target, dopts...)
	if err != nil {
		return nil, fmt.Errorf("aires: cannot create a gRPC client for endpoint %q (expected host:port or a gRPC target): %w", cfg.target(), err)
	}
	e := &grpcExporter{conn: conn, client: airesv1.NewIngestServiceClient(conn), certs: certs}
	if len(cfg.Headers) > 0 || cfg.APIKey != "" {
		e.md = metadata.New(cfg.Headers)
		if cfg.APIKey != "" {
			e.md.Set("authorization", "Bearer "+cfg.APIKey)
		}
	}
	return e, nil
}

func (e *grpcExporter) Export(ctx context.Context, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
	if e.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, e.md)
	}
	resp, err := e.client.Ingest(ctx, b)
	return resp, e.certs.explain(err)
}

func (e *grpcExporter) Close() error { return e.conn.Close() }

// rawExporter is the fast path of the built-in transport: the worker's
// encoder already produced the request bytes.
type rawExporter interface {
	exportRaw(ctx context.Context, batch []byte) (*airesv1.IngestResponse, error)
}

const ingestMethod = "/aires.v1.IngestService/Ingest"

func (e *grpcExporter) exportRaw(ctx context.Context, b []byte) (*airesv1.IngestResponse, error) {
	if e.md != nil {
		ctx = metadata.NewOutgoingContext(ctx, e.md)
	}
	resp := new(airesv1.IngestResponse)
	if err := e.conn.Invoke(ctx, ingestMethod, rawBatch(b), resp, rawCodecOpt); err != nil {
		return nil, e.certs.explain(err)
	}
	return resp, nil
}

// rawBatch is an already-encoded EventBatch.
type rawBatch []byte

var rawCodecOpt = grpc.ForceCodec(rawCodec{})

// rawCodec sends rawBatch as is and decodes responses as protobuf. Its name
// is "proto" so the content type stays application/grpc+proto.
type rawCodec struct{}

func (rawCodec) Name() string { return "proto" }

func (rawCodec) Marshal(v any) ([]byte, error) {
	if b, ok := v.(rawBatch); ok {
		return b, nil
	}
	m, ok := v.(proto.Message)
	if !ok {
		return nil, fmt.Errorf("aires: cannot marshal %T", v)
	}
	return proto.Marshal(m)
}

func (rawCodec) Unmarshal(data []byte, v any) error {
	m, ok := v.(proto.Message)
	if !ok {
		return fmt.Errorf("aires: cannot unmarshal into %T", v)
	}
	return proto.Unmarshal(data, m)
}
