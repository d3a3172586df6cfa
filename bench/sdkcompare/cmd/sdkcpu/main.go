// Command sdkcpu measures the whole process's CPU per delivered event of the
// Aires SDK, the OTel logs SDK (OTLP/gRPC, gzip), zap and log/slog (JSON to
// io.Discard): each library in a child process of its own, in turn, logging
// n events with three attributes; the parent hosts the gRPC server that
// acknowledges the two SDKs' batches, so its CPU is not counted.
//
//	cd bench/sdkcompare && go run ./cmd/sdkcpu            # 300K events, 5 rounds, medians
//	go run ./cmd/sdkcpu -runs 1 -profile-dir /tmp/prof    # plus a CPU profile per library
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/aires-dev/aires/bench/sdkcompare"
)

// report is what -json prints: the median run of each library, every run,
// and the ratios to zap of the medians.
type report struct {
	Events  int                             `json:"events"`
	Rounds  int                             `json:"rounds"`
	Median  map[string]sdkcompare.CPUResult `json:"median"`
	VsZap   map[string]float64              `json:"vs_zap"`
	AllRuns []sdkcompare.CPUResult          `json:"runs"`
	libs    []string
}

func main() {
	child := flag.String("child", "", "internal: measure this library in this process and print its result")
	endpoint := flag.String("endpoint", "", "internal: the server of a child")
	profile := flag.String("profile", "", "internal: the CPU profile file of a child")
	n := flag.Int("n", 300000, "events per library and round")
	runs := flag.Int("runs", 5, "rounds (each library once per round, in turn); the report keeps the median")
	libs := flag.String("libs", strings.Join(sdkcompare.Libraries, ","), "libraries to measure, comma-separated (aires/N: the SDK with BatchSize N)")
	profDir := flag.String("profile-dir", "", "write a CPU profile of each library's last round here (sdkcpu-<lib>.pprof, a / in the name as -; profiling adds a few percent)")
	asJSON := flag.Bool("json", false, "print the report as JSON on stdout (the table goes to stderr)")
	flag.Parse()
	if *child != "" {
		r, err := sdkcompare.MeasureCPU(*child, *n, *endpoint, *profile)
		if err != nil {
			fmt.Fprintln(os.Stderr, "sdkcpu:", err)
			os.Exit(1)
		}
		_ = json.NewEncoder(os.Stdout).Encode(r)
		return
	}
	rep, err := measure(strings.Split(*libs, ","), *n, *runs, *profDir)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sdkcpu:", err)
		os.Exit(1)
	}
	table := io.Writer(os.Stdout)
	if *asJSON {
		table = os.Stderr
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	}
	printTable(table, rep)
}

func measure(libs []string, n, runs int, profDir string) (*report, error) {
	srv, err := sdkcompare.StartDiscardServer()
	if err != nil {
		return nil, err
	}
	defer srv.Stop()
	if profDir != "" {
		if err := os.MkdirAll(profDir, 0o755); err != nil {
			return nil, err
		}
	}
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	rep := &report{Events: n, Rounds: runs, Median: map[string]sdkcompare.CPUResult{}, VsZap: map[string]float64{}, libs: libs}
	byLib := map[string][]sdkcompare.CPUResult{}
	for round := range runs {
		for _, lib := range libs {
			args := []string{"-child", lib, "-endpoint", srv.Addr, "-n", strconv.Itoa(n)}
			if profDir != "" && round == runs-1 {
				args = append(args, "-profile", filepath.Join(profDir, "sdkcpu-"+strings.ReplaceAll(lib, "/", "-")+".pprof"))
			}
			req0, wire0, raw0 := srv.Requests.Load(), srv.WireBytes.Load(), srv.Bytes.Load()
			r, err := runChild(self, args)
			if err != nil {
				return nil, err
			}
			// The warm-up's requests are counted too: a small error on
			// bytes per event, none on the CPU figure.
			if req := srv.Requests.Load() - req0; req > 0 && r.Delivered > 0 {
				all := float64(r.Delivered + 2000)
				r.Requests = req
				r.WireBytesPer = round1(float64(srv.WireBytes.Load()-wire0) / all)
				r.RawBytesPer = round1(float64(srv.Bytes.Load()-raw0) / all)
			}
			rep.AllRuns = append(rep.AllRuns, r)
			byLib[lib] = append(byLib[lib], r)
		}
	}
	for lib, rs := range byLib {
		slices.SortFunc(rs, func(a, b sdkcompare.CPUResult) int {
			return int(1000 * (a.UsPerEvent - b.UsPerEvent))
		})
		rep.Median[lib] = rs[len(rs)/2]
	}
	if z := rep.Median["zap"].UsPerEvent; z > 0 {
		for lib, r := range rep.Median {
			rep.VsZap[lib] = float64(int(r.UsPerEvent/z*100+0.5)) / 100
		}
	}
	return rep, nil
}

func runChild(self string, args []string) (sdkcompare.CPUResult, error) {
	cmd := exec.Command(self, args...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Run(); err != nil {
		return sdkcompare.CPUResult{}, fmt.Errorf("%s %s: %w\n%s", self, strings.Join(args, " "), err, errb.String())
	}
	var r sdkcompare.CPUResult
	if err := json.Unmarshal(out.Bytes(), &r); err != nil {
		return r, fmt.Errorf("result of %s: %w: %q", strings.Join(args, " "), err, out.String())
	}
	return r, nil
}

func printTable(w io.Writer, rep *report) {
	fmt.Fprintf(w, "whole-process CPU per delivered event, %d events with 3 attributes, median of %d rounds\n", rep.Events, rep.Rounds)
	fmt.Fprintf(w, "  %-6s %10s %8s %10s %14s %14s\n", "lib", "us/event", "vs zap", "wall s", "wire B/event", "proto B/event")
	for _, lib := range rep.libs {
		r := rep.Median[lib]
		fmt.Fprintf(w, "  %-6s %10.2f %8.2f %10.2f %14.1f %14.1f\n", lib, r.UsPerEvent, rep.VsZap[lib], r.WallSecs, r.WireBytesPer, r.RawBytesPer)
	}
}

func round1(v float64) float64 { return float64(int(v*10+0.5)) / 10 }
