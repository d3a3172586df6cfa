//go:generate mdatagen metadata.yaml

// Package airestransformprocessor flattens log records into the canonical
// Aires row shape. See README.md.
package airestransformprocessor // import "github.com/aires-dev/aires/processor/airestransformprocessor"
