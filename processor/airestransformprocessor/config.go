package airestransformprocessor // import "github.com/aires-dev/aires/processor/airestransformprocessor"

import (
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/component"

	"github.com/aires-dev/aires/internal/row"
)

// maxAttributesCeiling bounds max_attributes: more would make one row heavier
// than ClickHouse handles comfortably.
const maxAttributesCeiling = 10000

// Config configures the aires_transform processor.
type Config struct {
	// MaxAttributes is the most typed attributes kept per event, counted after
	// nested maps are flattened. Further attributes are dropped and counted.
	MaxAttributes int `mapstructure:"max_attributes"`
	// MaxValueLength is the most bytes kept of one attribute value; longer
	// values are cut at a UTF-8 boundary. Message and error fields are kept
	// whole.
	MaxValueLength int `mapstructure:"max_value_length"`
	// Rename maps an attribute key to a new key, applied before flattening,
	// so renaming to a semantic key ("userId" -> "user.id") fills its column.
	Rename map[string]string `mapstructure:"rename"`
	// Drop lists attribute keys removed from every event.
	Drop []string `mapstructure:"drop"`
	// Redact lists attribute keys whose value is replaced by RedactedValue.
	Redact []string `mapstructure:"redact"`
	// RedactedValue replaces redacted values.
	RedactedValue string `mapstructure:"redacted_value"`
	// prevent unkeyed literal initialization
	_ struct{}
}

var _ component.Config = (*Config)(nil)

func createDefaultConfig() component.Config {
	return &Config{
		MaxAttributes:  row.DefaultMaxAttributes,
		MaxValueLength: row.DefaultMaxValueLength,
		RedactedValue:  "[REDACTED]",
	}
}

// Validate checks the configuration without side effects.
func (cfg *Config) Validate() error {
	var errs []error
	if cfg.MaxAttributes < 1 || cfg.MaxAttributes > maxAttributesCeiling {
		errs = append(errs, fmt.Errorf("max_attributes must be between 1 and %d, got %d", maxAttributesCeiling, cfg.MaxAttributes))
	}
	if cfg.MaxValueLength < 1 {
		errs = append(errs, fmt.Errorf("max_value_length must be at least 1 byte, got %d", cfg.MaxValueLength))
	}
	dropped := make(map[string]bool, len(cfg.Drop))
	for _, k := range cfg.Drop {
		if k == "" {
			errs = append(errs, errors.New("drop: empty key; remove the empty entry"))
		}
		dropped[k] = true
	}
	for _, k := range cfg.Redact {
		switch {
		case k == "":
			errs = append(errs, errors.New("redact: empty key; remove the empty entry"))
		case dropped[k]:
			errs = append(errs, fmt.Errorf("key %q is both dropped and redacted; keep it in one list", k))
		}
	}
	for from, to := range cfg.Rename {
		switch {
		case from == "" || to == "":
			errs = append(errs, fmt.Errorf("rename %q -> %q: both keys must be non-empty", from, to))
		case from == to:
			errs = append(errs, fmt.Errorf("rename %q -> %q: a key renamed to itself; remove the rule", from, to))
		case dropped[from]:
			errs = append(errs, fmt.Errorf("rename %q: the key is also dropped; keep one of the rules", from))
		}
	}
	return errors.Join(errs...)
}
