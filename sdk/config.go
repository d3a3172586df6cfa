package aires

import (
	"crypto/tls"
	"log/slog"
	"os"
	"slices"
	"time"

	"google.golang.org/grpc"
)

// Defaults used for the zero fields of Config.
const (
	DefaultEndpoint              = "localhost:4320"
	DefaultQueueSize             = 8192
	DefaultMaxConcurrentRequests = 1
	DefaultBatchSize             = 2048
	DefaultMaxBatchBytes         = 1 << 20
	DefaultIdleDelay             = 5 * time.Millisecond
	DefaultFlushInterval         = 500 * time.Millisecond
	DefaultMaxRetries            = 3
	DefaultInitialBackoff        = 100 * time.Millisecond
	DefaultMaxBackoff            = 5 * time.Second
	DefaultMaxRetryDelay         = 30 * time.Second
	DefaultRequestTimeout        = 10 * time.Second
	DefaultFatalFlushTimeout     = 2 * time.Second
)

// Limits applied by the worker before sending (values are truncated, never
// rejected; truncated strings end on a valid UTF-8 boundary). They keep one
// runaway call from producing a batch the collector refuses.
const (
	MaxMessageBytes = 32 << 10 // Event.message
	MaxValueBytes   = 8 << 10  // each string attribute value, id, tag, HTTP field
	MaxKeyBytes     = 256      // each attribute key
	MaxAttributes   = 128      // attributes per event (extra ones dropped)
	MaxListItems    = 256      // items per list attribute
	MaxTags         = 64       // tags per event
	MaxStackBytes   = 16 << 10 // ErrorInfo.stack
	MaxErrorBytes   = 8 << 10  // ErrorInfo.message
)

// Config configures a Client. The zero value is usable: it sends to
// localhost:4320 in plaintext with the defaults above.
type Config struct {
	// Endpoint of the Aires collector's gRPC receiver, as "host:port" or any
	// gRPC target. Default "localhost:4320" (unless Endpoints is set). A
	// "host:port" keeps one connection, to the first address of host that
	// answers. A target with the dns scheme ("dns:///collectors.example:4320",
	// a Kubernetes headless Service) connects to every address the name
	// resolves to and sends each batch to the next one (round robin).
	Endpoint string
	// Endpoints lists several collectors ("host:port" each), for use instead
	// of Endpoint: the client connects to all of them and sends each batch
	// to the next ready one (round robin). A batch that fails on a collector
	// that went away is retried on another; the lost one is reconnected to
	// in the background. Each name should lead to one collector.
	Endpoints []string
	// TLS enables transport security with this configuration; nil means
	// plaintext (fine on loopback, not across a network) unless a TLS file
	// below is set.
	TLS *tls.Config
	// TLSCAFile, TLSCertFile and TLSKeyFile are PEM files, read once by New;
	// setting any of them enables TLS (on a copy of TLS when it is set, else
	// with TLS 1.2 as the minimum version). TLSCAFile holds the CA
	// certificate(s) that signed the collector's certificate (default: the
	// system's roots); TLSCertFile and TLSKeyFile, set together, are the
	// client certificate and key presented to a collector that requires
	// mutual TLS (its receiver's tls.client_ca_file).
	TLSCAFile   string
	TLSCertFile string
	TLSKeyFile  string
	// APIKey, when set, is sent as the "authorization: Bearer <APIKey>"
	// header on every request (what the collector's bearertokenauth
	// extension checks).
	APIKey string
	// Headers are sent as gRPC metadata on every request.
	Headers map[string]string

	// Service, Environment, Release and Host fill aires.v1.Resource, sent once
	// per batch. Host defaults to os.Hostname().
	Service     string
	Environment string
	Release     string
	Host        string
	// ResourceAttributes are sent as Resource.attributes (attribute options
	// only; other kinds are ignored).
	ResourceAttributes []Option

	// QueueSize bounds the number of events waiting for the worker; when it
	// is full, new events are dropped and counted (Stats.Dropped). Default
	// 8192.
	QueueSize int
	// BatchSize is the most events per request (default 2048); a batch is
	// also sent when FlushInterval (default 500ms) has passed since its first
	// event, or when it holds MaxBatchBytes (default 1 MiB, encoded and
	// uncompressed; the receiver refuses requests over its
	// max_recv_msg_size_mib, 4 MiB by default). When nothing was sent for a
	// FlushInterval (the application was idle), the first event goes out
	// after IdleDelay (default 5ms; negative: wait for FlushInterval as
	// usual), together with whatever came meanwhile: at idle an event is
	// visible at once, under load batches still fill.
	BatchSize     int
	FlushInterval time.Duration
	MaxBatchBytes int
	IdleDelay     time.Duration
	// MaxConcurrentRequests is the most batches sent at once (default 1).
	// Raise it (4, say) when the collector acknowledges a batch only once
	// it is stored (the exporter's wait_for_result), or over a slow
	// network: with one batch in flight a client sends at most BatchSize
	// events per acknowledgement. Batches still go out only when full or
	// due (above), so more in flight does not mean smaller requests; but
	// an overloaded collector then refuses more of them (see DESIGN.md).
	MaxConcurrentRequests int

	// MaxRetries is the number of retries after the first attempt (default 3;
	// negative means none). Backoff starts at InitialBackoff (100ms), doubles
	// up to MaxBackoff (5s), with jitter. A RetryInfo delay from the server
	// replaces the computed backoff, capped at MaxRetryDelay (30s).
	MaxRetries     int
	InitialBackoff time.Duration
	MaxBackoff     time.Duration
	MaxRetryDelay  time.Duration
	// RequestTimeout bounds each attempt (default 10s).
	RequestTimeout time.Duration
	// Compression is how requests are compressed: "zstd" (the default, at
	// its fastest level), "gzip" (BestSpeed; for a server that has no zstd,
	// such as a proxy that re-encodes requests) or "none" (a sidecar or
	// loopback, where the bytes cost less than the CPU). The Aires collector
	// takes all three.
	Compression string
	// DisableCompression sends requests uncompressed, as Compression
	// "none" does (it wins over Compression).
	DisableCompression bool

	// FatalFlushTimeout bounds the flush done by Fatal (default 2s).
	FatalFlushTimeout time.Duration

	// Logger receives the SDK's own warnings (a batch dropped after retries,
	// rejected events). Default: a text logger on standard error. Do not point
	// it at an aires slog handler of the same client.
	Logger *slog.Logger

	// Exporter replaces the gRPC transport (tests, custom transports); when
	// set, Endpoint, Endpoints, the TLS settings, APIKey, Headers and DialOptions are
	// unused.
	Exporter Exporter
	// DialOptions are appended to the SDK's own when creating the gRPC
	// client (for example a custom dialer).
	DialOptions []grpc.DialOption
}

func (c Config) withDefaults() Config {
	if c.Endpoint == "" && len(c.Endpoints) == 0 {
		c.Endpoint = DefaultEndpoint
	}
	c.Endpoints = slices.Clone(c.Endpoints) // the caller may reuse its slice
	if c.Host == "" {
		c.Host, _ = os.Hostname()
	}
	orDefault(&c.QueueSize, DefaultQueueSize)
	orDefault(&c.BatchSize, DefaultBatchSize)
	orDefault(&c.FlushInterval, DefaultFlushInterval)
	orDefault(&c.MaxBatchBytes, DefaultMaxBatchBytes)
	orDefault(&c.MaxConcurrentRequests, DefaultMaxConcurrentRequests)
	if c.IdleDelay == 0 {
		c.IdleDelay = DefaultIdleDelay
	}
	if c.MaxRetries == 0 {
		c.MaxRetries = DefaultMaxRetries
	} else if c.MaxRetries < 0 {
		c.MaxRetries = 0
	}
	orDefault(&c.InitialBackoff, DefaultInitialBackoff)
	orDefault(&c.MaxBackoff, DefaultMaxBackoff)
	orDefault(&c.MaxRetryDelay, DefaultMaxRetryDelay)
	orDefault(&c.RequestTimeout, DefaultRequestTimeout)
	orDefault(&c.FatalFlushTimeout, DefaultFatalFlushTimeout)
	if c.Logger == nil {
		c.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return c
}

// orDefault replaces a zero or negative *p with def.
func orDefault[T int | time.Duration](p *T, def T) {
	if *p <= 0 {
		*p = def
	}
}
