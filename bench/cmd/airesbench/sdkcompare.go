package main

import (
	"bytes"
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
