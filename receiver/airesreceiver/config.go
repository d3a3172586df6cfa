package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"errors"
	"fmt"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configgrpc"
	"go.opentelemetry.io/collector/config/configoptional"
)

const (
	defaultGRPCEndpoint          = "localhost:4320"
	defaultMaxEventsPerBatch     = 10000
	defaultMaxAttributesPerEvent = 256
	defaultRetryAfter            = time.Second

	// maxRetryAfter bounds retry_after: a client told to wait longer than
	// this would rather drop its data than wait.
	maxRetryAfter = 10 * time.Minute
)

// Config is the configuration of the aires receiver.
type Config struct {
	// Protocols holds the servers the receiver runs. Only gRPC exists today;
	// the shape follows the OTLP receiver's so an HTTP protocol fits beside it.
	Protocols ProtocolsConfig `mapstructure:"protocols"`

	// MaxEventsPerBatch is the largest number of events one batch may hold;
	// a larger batch is refused as a whole with INVALID_ARGUMENT.
	MaxEventsPerBatch int `mapstructure:"max_events_per_batch"`

	// MaxAttributesPerEvent is the largest number of attributes one event may
	// carry, nested key/values of maps included; a larger event is rejected.
	MaxAttributesPerEvent int `mapstructure:"max_attributes_per_event"`

	// RetryAfter is the delay sent in the RetryInfo detail of an UNAVAILABLE
	// status when the pipeline refuses data (memory limiter, full queue).
	RetryAfter time.Duration `mapstructure:"retry_after"`

	// prevent unkeyed literal initialization
	_ struct{}
}

// ProtocolsConfig lists the protocols the receiver serves.
type ProtocolsConfig struct {
	// GRPC is the gRPC server serving aires.v1.IngestService.
	GRPC configoptional.Optional[configgrpc.ServerConfig] `mapstructure:"grpc"`

	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	grpcCfg := configgrpc.NewDefaultServerConfig()
	grpcCfg.NetAddr.Endpoint = defaultGRPCEndpoint
	// The receiver writes little (one small response per batch), so only the
	// read buffer is enlarged, as the OTLP receiver does.
	grpcCfg.ReadBufferSize = 512 * 1024
	return &Config{
		Protocols: ProtocolsConfig{
			GRPC: configoptional.Default(grpcCfg),
		},
		MaxEventsPerBatch:     defaultMaxEventsPerBatch,
		MaxAttributesPerEvent: defaultMaxAttributesPerEvent,
		RetryAfter:            defaultRetryAfter,
	}
}

// Validate checks the configuration. It has no side effects.
func (cfg *Config) Validate() error {
	var errs []error
	if !cfg.Protocols.GRPC.HasValue() {
		errs = append(errs, errors.New(
			"protocols.grpc is not set: the aires receiver needs its gRPC server, "+
				"write at least `protocols: {grpc: {endpoint: localhost:4320}}`"))
	}
	if cfg.MaxEventsPerBatch < 1 {
		errs = append(errs, fmt.Errorf(
			"max_events_per_batch must be at least 1, got %d: set it to the largest batch a client may send (default %d)",
			cfg.MaxEventsPerBatch, defaultMaxEventsPerBatch))
	}
	if cfg.MaxAttributesPerEvent < 1 {
		errs = append(errs, fmt.Errorf(
			"max_attributes_per_event must be at least 1, got %d: set it to the most attributes one event may carry (default %d)",
			cfg.MaxAttributesPerEvent, defaultMaxAttributesPerEvent))
	}
	if cfg.RetryAfter <= 0 || cfg.RetryAfter > maxRetryAfter {
		errs = append(errs, fmt.Errorf(
			"retry_after must be greater than 0 and at most %s, got %s: it is the delay clients wait before retrying a refused batch (default %s)",
			maxRetryAfter, cfg.RetryAfter, defaultRetryAfter))
	}
	return errors.Join(errs...)
}
