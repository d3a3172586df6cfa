// Package proto holds the Aires wire protocol. The generated Go code lives in
// aires/v1 (package airesv1); regenerate it with `make proto` from the
// repository root.
package proto
