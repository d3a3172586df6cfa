// Package owndist builds examples/own-distribution (the Aires components in a
// collector of one's own, beside contrib ones) with the pinned ocb, runs it
// against a real ClickHouse and checks that JSON log lines read from a file
// land in the events table with their fields in columns.
//
// ocb is $(BIN)/builder (make tools), or the path in AIRES_BUILDER. Without it,
// or without a ClickHouse server, the test is skipped, and fails when CI is set.
package owndist

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/aires-dev/aires/internal/chtest"
)

// exampleDir is the example's directory under the repository root.
const exampleDir = "examples/own-distribution"

// buildOutputDir is where the test's build goes, under the repository root:
// inside build/, which git ignores and `make clean` removes.
const buildOutputDir = "build/own-distribution"

// builderPath finds the pinned ocb.
func builderPath(tb testing.TB, root string) string {
	tb.Helper()
	p := os.Getenv("AIRES_BUILDER")
	if p == "" {
		p = filepath.Join(root, "bin", "builder")
	}
	if _, err := os.Stat(p); err != nil {
		chtest.FailOrSkip(tb, "ocb not found at %s: run `make tools` (or set AIRES_BUILDER)", p)
	}
	return p
}

// builderProxy is the GOPROXY ocb runs with: AIRES_BUILDER_GOPROXY (the
// Makefile passes its PROXY_ONLY), else this machine's GOPROXY without a
// trailing ",direct", for the reason the Makefile gives: ocb needs module
// versions that the proxy serves, and the fallback to their origins fails
// where only the proxy is reachable.
func builderProxy(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv("AIRES_BUILDER_GOPROXY"); p != "" {
		return p
	}
	out, err := exec.Command("go", "env", "GOPROXY").Output()
	if err != nil {
		tb.Fatalf("go env GOPROXY: %v", err)
	}
	p := strings.TrimSpace(string(out))
	for _, suffix := range []string{",direct", "|direct"} {
		p = strings.TrimSuffix(p, suffix)
	}
	return p
}

// manifest is the part of an ocb manifest the test rewrites; the rest is
// kept as it is.
type manifest struct {
	doc      map[string]any
	replaces []string
}

func readManifest(path string) (*manifest, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	m := &manifest{}
	if err := yaml.Unmarshal(raw, &m.doc); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	list, _ := m.doc["replaces"].([]any)
	for _, r := range list {
		s, ok := r.(string)
		if !ok {
			return nil, fmt.Errorf("%s: replaces entry %v is not a string", path, r)
		}
		m.replaces = append(m.replaces, s)
	}
	return m, nil
}

// outputPath is dist.output_path.
func (m *manifest) outputPath() string {
	dist, _ := m.doc["dist"].(map[string]any)
	p, _ := dist["output_path"].(string)
	return p
}

// absoluteReplaces resolves each relative replacement path the way ocb does
// when run from base: relative to output_path. It returns module => absolute
// directory.
func (m *manifest) absoluteReplaces(base string) (map[string]string, error) {
	out := filepath.Join(base, m.outputPath())
	abs := make(map[string]string, len(m.replaces))
	for _, r := range m.replaces {
		mod, target, ok := strings.Cut(r, "=>")
		if !ok {
			return nil, fmt.Errorf("replaces entry %q has no =>", r)
		}
		mod, target = strings.TrimSpace(mod), strings.TrimSpace(target)
		if !strings.HasPrefix(target, ".") && !filepath.IsAbs(target) {
			return nil, fmt.Errorf("replaces entry %q: want a path to a checkout, not a module version", r)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(out, target)
		}
		abs[mod] = filepath.Clean(target)
	}
	return abs, nil
}

// forBuild returns the manifest with output_path set to outDir and every
// replacement path absolute, so that it builds from any directory.
func (m *manifest) forBuild(base, outDir string) ([]byte, error) {
	abs, err := m.absoluteReplaces(base)
	if err != nil {
		return nil, err
	}
	doc := make(map[string]any, len(m.doc))
	for k, v := range m.doc {
		doc[k] = v
	}
	dist := map[string]any{}
	for k, v := range m.doc["dist"].(map[string]any) {
		dist[k] = v
	}
	dist["output_path"] = outDir
	doc["dist"] = dist
	var replaces []any
	for _, r := range m.replaces {
		mod, _, _ := strings.Cut(r, "=>")
		mod = strings.TrimSpace(mod)
		replaces = append(replaces, mod+" => "+abs[mod])
	}
	doc["replaces"] = replaces
	return yaml.Marshal(doc)
}

// TestExampleManifestPointsAtCheckout: the committed manifest's relative
// replaces, resolved as ocb resolves them when run from the example's
// directory, are the root and proto modules of this checkout.
func TestExampleManifestPointsAtCheckout(t *testing.T) {
	root, err := chtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	m, err := readManifest(filepath.Join(root, exampleDir, "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	abs, err := m.absoluteReplaces(filepath.Join(root, exampleDir))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{
		"github.com/aires-dev/aires":       root,
		"github.com/aires-dev/aires/proto": filepath.Join(root, "proto"),
	}
	for mod, dir := range want {
		if abs[mod] != dir {
			t.Errorf("replaces %s resolves to %q, want %q (the checkout)", mod, abs[mod], dir)
		}
	}
	if len(abs) != len(want) {
		t.Errorf("replaces = %v, want exactly %v", abs, want)
	}
}

// buildExample builds the example's manifest with the pinned ocb into
// <root>/build/own-distribution and returns the binary's path.
func buildExample(t *testing.T, root string) string {
	t.Helper()
	builder := builderPath(t, root)
	m, err := readManifest(filepath.Join(root, exampleDir, "builder-config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	outDir := filepath.Join(root, buildOutputDir)
	generated, err := m.forBuild(filepath.Join(root, exampleDir), outDir)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "builder-config.yaml")
	if err := os.WriteFile(path, generated, 0o600); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	cmd := exec.Command(builder, "--config", path)
	cmd.Stdout, cmd.Stderr = &out, &out
	// The Go build cache is the one `make build` fills: the Aires packages
	// and the core modules compile once for both binaries.
	cmd.Env = append(os.Environ(), "GOPROXY="+builderProxy(t))
	if err := cmd.Run(); err != nil {
		t.Fatalf("ocb --config %s (generated from %s/builder-config.yaml): %v\n%s", path, exampleDir, err, out.String())
	}
	dist, _ := m.doc["dist"].(map[string]any)
	name, _ := dist["name"].(string)
	bin := filepath.Join(outDir, name)
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("ocb succeeded but %s is missing: %v\n%s", bin, err, out.String())
	}
	return bin
}
