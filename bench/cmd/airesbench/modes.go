package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
)

// parseQueueModes reads -queue-mode: one mode, or several separated by
// commas.
func parseQueueModes(s string) ([]string, error) {
	var modes []string
	for _, m := range strings.Split(s, ",") {
		m = strings.TrimSpace(m)
		if !slices.Contains(queueModes, m) {
			return nil, fmt.Errorf("-queue-mode %q: use one or more of %s, comma-separated", s, strings.Join(queueModes, ", "))
		}
		if slices.Contains(modes, m) {
			return nil, fmt.Errorf("-queue-mode %q: %s is listed twice", s, m)
		}
		modes = append(modes, m)
	}
	return modes, nil
}

// runModes runs the bench once per acknowledgement mode, one after the
// other with the same settings (each with its own ClickHouse and collector),
// writes a report per mode (the mode's name added to -out when there are
// several; the SDK comparison only in the first) and prints them side by
// side: on a shared machine runs of one invocation are the fairest
// comparison there is.
func runModes(ctx context.Context, c *config, modes []string) error {
	var reps []*report
	for i, mode := range modes {
		mc := *c
		mc.exp.QueueMode = mode
		if len(modes) > 1 {
			mc.out = strings.TrimSuffix(c.out, ".json") + "-" + mode + ".json"
			mc.skipSDK = c.skipSDK || i > 0
			logf("queue mode %s (%d of %d)", mode, i+1, len(modes))
		}
		started := time.Now()
		rep, err := bench(ctx, &mc)
		if err != nil {
			return fmt.Errorf("queue mode %s: %w", mode, err)
		}
		rep.Details.DurationSec = round2(time.Since(started).Seconds())
		if err := writeReport(&mc, rep); err != nil {
			return err
		}
		reps = append(reps, rep)
	}
	if len(reps) > 1 {
		printModes(os.Stdout, modes, reps)
	}
	return nil
}

// printModes prints the modes' main figures side by side, with ratios to
// the first mode.
func printModes(w io.Writer, modes []string, reps []*report) {
	first := reps[0]
	ratio := func(v, ref float64) string {
		if ref == 0 {
			return "-"
		}
		return fmt.Sprintf("%.2fx", v/ref)
	}
	fmt.Fprintf(w, "\nqueue modes side by side (ratios to %s):\n", modes[0])
	fmt.Fprintf(w, "  %-16s %10s %7s %8s %9s %8s %7s %9s %8s %13s\n",
		"mode", "events/s", "ratio", "e2e/raw", "p99 ms", "ratio", "RSS MiB", "ratio", "us/event", "ratio")
	for i, r := range reps {
		cpu, cpu0 := collectorCPU(r), collectorCPU(first)
		fmt.Fprintf(w, "  %-16s %10.0f %7s %8.2f %9.0f %8s %7.0f %9s %8.1f %13s\n", modes[i],
			r.E2EEventsPerSec, ratio(r.E2EEventsPerSec, first.E2EEventsPerSec), r.E2ERatio,
			r.E2ELatencyP99Ms, ratio(r.E2ELatencyP99Ms, first.E2ELatencyP99Ms),
			r.CollectorRSSMBMax, ratio(r.CollectorRSSMBMax, first.CollectorRSSMBMax),
			cpu, ratio(cpu, cpu0))
	}
	fmt.Fprintln(w, "  (us/event: the collector's CPU per stored event in the sustained phase)")
}

func collectorCPU(r *report) float64 {
	if s := r.Details.Sustained; s != nil {
		return s.CollectorCPUUs
	}
	return 0
}
