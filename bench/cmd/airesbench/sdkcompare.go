package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// sdkBench is one parsed line of `go test -bench` output: metric unit -> value.
type sdkBench map[string]float64

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(?:-\d+)?\s+\d+\s+(.*)$`)

// runSDKCompare runs bench/sdkcompare's benchmarks (Info with 3 attributes
// for aires, zap, slog, the OTel logs SDK; SDK -> gRPC throughput) and parses
// their output.
func runSDKCompare(root string, benchtime string, count int) (map[string]sdkBench, string, error) {
	args := []string{"test", "-run", "^$", "-bench", "^(BenchmarkInfo3Attrs|BenchmarkThroughput)$",
		"-benchtime", benchtime, "-count", strconv.Itoa(count), "."}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(root, "bench", "sdkcompare")
	cmd.Env = os.Environ()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, out.String(), fmt.Errorf("go %s in bench/sdkcompare: %w\n%s", strings.Join(args, " "), err, out.String())
	}
	logf("sdkcompare: %s (go %s)", time.Since(start).Round(time.Second), strings.Join(args, " "))
	return parseBench(out.String()), out.String(), nil
}

// parseBench keeps, for benchmarks run several times, the median of each metric.
func parseBench(out string) map[string]sdkBench {
	all := map[string]map[string][]float64{}
	for _, line := range strings.Split(out, "\n") {
		m := benchLine.FindStringSubmatch(strings.TrimSpace(line))
		if m == nil {
			continue
		}
		f := strings.Fields(m[2])
		if all[m[1]] == nil {
			all[m[1]] = map[string][]float64{}
		}
		for i := 0; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				continue
			}
			all[m[1]][f[i+1]] = append(all[m[1]][f[i+1]], v)
		}
	}
	res := map[string]sdkBench{}
	for name, metrics := range all {
		res[name] = sdkBench{}
		for unit, vs := range metrics {
			res[name][unit] = median(vs)
		}
	}
	return res
}

// sdkCPU is bench/sdkcompare's cmd/sdkcpu report: whole-process CPU per
// delivered event of each library, each in a child process of its own. The
// results are kept as sdkcpu wrote them (its module, not this one, knows
// their type); usPerEvent reads the one figure the report needs.
type sdkCPU struct {
	Events int                        `json:"events"`
	Rounds int                        `json:"rounds"`
	Median map[string]json.RawMessage `json:"median"`
	VsZap  map[string]float64         `json:"vs_zap"`
	Runs   json.RawMessage            `json:"runs"`
}

// usPerEvent is lib's median CPU per delivered event, 0 if not measured.
func (s *sdkCPU) usPerEvent(lib string) float64 {
	var r struct {
		UsPerEvent float64 `json:"us_per_event"`
	}
	_ = json.Unmarshal(s.Median[lib], &r)
	return r.UsPerEvent
}

// runSDKCPU runs `go run ./cmd/sdkcpu -json` in bench/sdkcompare: aires,
// the OTel logs SDK, zap and slog in turn, rounds times each; with
// profileDir, a CPU profile of each library's last round is written there.
func runSDKCPU(root string, rounds int, profileDir string) (*sdkCPU, error) {
	// aires/256 is the SDK with the batch size it had before round 2: the
	// before/after of that change, side by side in every run.
	args := []string{"run", "./cmd/sdkcpu", "-json", "-runs", strconv.Itoa(rounds), "-libs", "aires,aires/256,otel,zap,slog"}
	if profileDir != "" {
		args = append(args, "-profile-dir", profileDir)
	}
	cmd := exec.Command("go", args...)
	cmd.Dir = filepath.Join(root, "bench", "sdkcompare")
	cmd.Env = os.Environ()
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	start := time.Now()
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("go %s in bench/sdkcompare: %w\n%s", strings.Join(args, " "), err, errb.String())
	}
	logf("sdkcpu: %s (go %s)\n%s", time.Since(start).Round(time.Second), strings.Join(args, " "), strings.TrimSpace(errb.String()))
	var r sdkCPU
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return nil, fmt.Errorf("cmd/sdkcpu's report: %w", err)
	}
	return &r, nil
}
