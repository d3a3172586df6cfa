// Command aireschaos runs the fault-injection suite (package chaos) and
// prints its table; it exits 1 when a row fails, 2 when the suite cannot
// run (no collector binary, no ClickHouse).
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/aires-dev/aires/internal/chtest"
	chaos "github.com/aires-dev/aires/test/chaos"
)

func main() {
	var o chaos.Options
	var modes, only, skip string
	flag.StringVar(&o.Collector, "collector", os.Getenv("AIRES_COLLECTOR"), "the ocb-built aires-collector (default: $AIRES_COLLECTOR, else build/aires-collector/aires-collector)")
	flag.StringVar(&o.WorkDir, "dir", "", "scratch directory, kept after the run (default: a new temporary directory)")
	flag.BoolVar(&o.Short, "short", false, "the quick version (2 s of load per scenario, ClickHouse kill in one mode)")
	flag.StringVar(&modes, "modes", "", "comma-separated acknowledgement modes (default: memory,persistent,wait_for_result)")
	flag.StringVar(&only, "only", "", "comma-separated scenarios to run (default: all): "+strings.Join(chaos.ScenarioNames(), ", "))
	flag.StringVar(&skip, "skip", "", "comma-separated scenarios not to run (disk-full needs root)")
	flag.BoolVar(&o.FailOnDuplicates, "fail-on-duplicates", true, "fail rows that promise no duplicates when they have some (-fail-on-duplicates=false: report them only)")
	quiet := flag.Bool("q", false, "no progress lines")
	flag.Parse()

	if o.Collector == "" {
		root, err := chtest.RepoRoot()
		if err != nil {
			fail(err)
		}
		o.Collector = filepath.Join(root, "build", "aires-collector", "aires-collector")
	}
	if o.WorkDir == "" {
		dir, err := os.MkdirTemp("", "aireschaos-")
		if err != nil {
			fail(err)
		}
		o.WorkDir = dir
	}
	for _, m := range split(modes) {
		mode, err := chaos.ParseMode(m)
		if err != nil {
			fail(err)
		}
		o.Modes = append(o.Modes, mode)
	}
	o.Only, o.Skip = split(only), split(skip)
	if !*quiet {
		o.Log = os.Stderr
	}
	results, err := chaos.Run(o)
	if err != nil {
		fail(err)
	}
	failed := chaos.WriteTable(os.Stdout, results, o.FailOnDuplicates)
	fmt.Printf("scratch (ClickHouse data, collector logs): %s\n", o.WorkDir)
	if failed > 0 {
		fmt.Printf("%d of %d rows failed\n", failed, len(results))
		os.Exit(1)
	}
}

func split(s string) []string {
	var out []string
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "aireschaos:", err)
	os.Exit(2)
}
