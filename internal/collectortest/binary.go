package collectortest

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/aires-dev/aires/internal/chtest"
)

// Binary finds the ocb-built collector: the path in AIRES_COLLECTOR, or
// build/aires-collector/aires-collector (make build). Without it the test is
// skipped, or fails when CI is set.
func Binary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("AIRES_COLLECTOR"); p != "" {
		return p
	}
	root, err := chtest.RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(root, "build", "aires-collector", "aires-collector")
	if _, err := os.Stat(p); err != nil {
		chtest.FailOrSkip(tb, "collector binary %s not found: run `make build` first", p)
	}
	return p
}
