package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/aires-dev/aires/internal/chtest"
)

// Every example under config/ is a configuration the built collector
// accepts (`aires-collector validate`: components, settings, extensions
// referenced by the receivers). The environment variables they read are set
// to placeholders; files are not opened by validate.
func TestConfigExamplesValidate(t *testing.T) {
	bin := collectorBinary(t)
	root, err := chtest.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob(filepath.Join(root, "config", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no config/*.yaml found (%v)", err)
	}
	dir := t.TempDir()
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			cmd := exec.Command(bin, "validate", "--config", f)
			cmd.Env = append(os.Environ(),
				"AIRES_TOKENS_FILE="+filepath.Join(dir, "tokens"),
				"AIRES_TLS_DIR="+dir,
				"AIRES_CLICKHOUSE_PASSWORD=placeholder",
			)
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%s validate: %v\n%s", filepath.Base(f), err, out)
			}
		})
	}
}
