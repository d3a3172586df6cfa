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
	return Built(tb, "AIRES_COLLECTOR", "build", "aires-collector", "aires-collector")
}

// Built finds a binary that make build makes: the path in the environment
// variable env, else path (relative to the repository root). Without it the
// test is skipped, or fails when CI is set.
func Built(tb testing.TB, env string, path ...string) string {
	tb.Helper()
	if p := os.Getenv(env); p != "" {
		return p
	}
	root, err := chtest.RepoRoot()
	if err != nil {
		tb.Fatal(err)
	}
	p := filepath.Join(append([]string{root}, path...)...)
	if _, err := os.Stat(p); err != nil {
		chtest.FailOrSkip(tb, "%s not found: run `make build` first", p)
	}
	return p
}
