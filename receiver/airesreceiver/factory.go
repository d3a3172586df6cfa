package airesreceiver // import "github.com/aires-dev/aires/receiver/airesreceiver"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"

	"github.com/aires-dev/aires/receiver/airesreceiver/internal/metadata"
)

// NewFactory returns the factory of the aires receiver (type "aires").
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		metadata.Type,
		createDefaultConfig,
		receiver.WithLogs(createLogs, metadata.LogsStability),
	)
}

// createLogs only builds the receiver; the server is created and listens in
// Start.
func createLogs(
	_ context.Context,
	set receiver.Settings,
	cfg component.Config,
	next consumer.Logs,
) (receiver.Logs, error) {
	return newReceiver(cfg.(*Config), set, next)
}
