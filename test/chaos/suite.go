package chaos

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure a run of the suite.
type Options struct {
	Collector string    // the ocb-built aires-collector binary
	WorkDir   string    // scratch space (ClickHouse data, queues, logs); kept after the run
	Short     bool      // the quick version run by make test
	Modes     []Mode    // acknowledgement modes of the crash scenarios (default: all)
	Only      []string  // scenario names to run (default: all)
	Skip      []string  // scenario names not to run
	Log       io.Writer // progress lines (default: discarded)
	// FailOnDuplicates makes duplicates fail the rows that promise none
	// (ClickHouse kill, collector kill with the persistent queue, disk
	// full). The aireschaos command turns it on by default; duplicates are
	// reported either way.
	FailOnDuplicates bool
}

// timing is the load and patience of a scenario.
type timing struct {
	Load   time.Duration // how long the SDK clients send
	Down   time.Duration // how long a killed process stays down
	Flush  time.Duration // how long the SDK clients may take to send what they hold
	Settle settleTimes
}

func (o Options) timing() timing {
	if o.Short {
		return timing{Load: 2 * time.Second, Down: time.Second, Flush: 10 * time.Second, Settle: settleTimes{Quiet: 2 * time.Second, Max: 45 * time.Second}}
	}
	return timing{Load: 8 * time.Second, Down: 2 * time.Second, Flush: 60 * time.Second, Settle: settleTimes{Quiet: 3 * time.Second, Max: 90 * time.Second}}
}

// steadyLoad is the load of the crash scenarios: 8,000 events/s of 200-byte
// messages over 4 SDK clients, in batches of 1,024 (with wait_for_result a
// client waits for the insert; smaller batches would cap its rate).
var steadyLoad = loadSpec{Streams: 4, Rate: 8000, MessageBytes: 200, BatchSize: 1024}

// scenario is one fault, run once per mode it applies to.
type scenario struct {
	name  string
	modes func(o Options) []Mode
	run   func(e *env, mode Mode) Result
}

func allModes(o Options) []Mode { return o.Modes }

func only(m Mode) func(Options) []Mode {
	return func(o Options) []Mode {
		for _, x := range o.Modes {
			if x == m {
				return []Mode{m}
			}
		}
		return nil
	}
}

// scenarios, in table order.
var scenarios = []scenario{
	{name: "clickhouse-kill", modes: func(o Options) []Mode {
		if o.Short { // the mode does not change what ClickHouse's death does
			return only(ModeMemory)(o)
		}
		return o.Modes
	}, run: clickHouseKill},
	{name: "collector-kill", modes: allModes, run: collectorKill},
	{name: "disk-full", modes: only(ModePersistent), run: diskFull},
	{name: "overload", modes: only(ModeMemory), run: overload},
	{name: "malformed-aires", modes: only(ModeMemory), run: malformedAires},
	{name: "malformed-otlp", modes: only(ModeMemory), run: malformedOTLP},
}

// ScenarioNames lists the scenarios.
func ScenarioNames() []string {
	var n []string
	for _, s := range scenarios {
		n = append(n, s.name)
	}
	return n
}

// env is what every scenario shares.
type env struct {
	opts   Options
	timing timing
	ch     *clickHouse
	run    string // this run's id, in every service name
	log    io.Writer
}

// Run starts ClickHouse and runs the scenarios; each result is one row of
// the table. It fails only when the suite cannot start (no binary, no
// ClickHouse); what a scenario finds is in its row.
func Run(o Options) ([]Result, error) {
	if _, err := os.Stat(o.Collector); err != nil {
		return nil, fmt.Errorf("collector binary %s not found: run `make build` first", o.Collector)
	}
	if len(o.Modes) == 0 {
		o.Modes = Modes
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
	for _, name := range append(append([]string{}, o.Only...), o.Skip...) {
		if !contains(ScenarioNames(), name) {
			return nil, fmt.Errorf("unknown scenario %q (known: %s)", name, strings.Join(ScenarioNames(), ", "))
		}
	}
	if err := os.MkdirAll(o.WorkDir, 0o755); err != nil {
		return nil, err
	}
	ch, err := startClickHouse(filepath.Join(o.WorkDir, "clickhouse"))
	if err != nil {
		return nil, fmt.Errorf("cannot start ClickHouse: %w", err)
	}
	defer ch.close()
	e := &env{opts: o, timing: o.timing(), ch: ch, run: fmt.Sprintf("%x", time.Now().UnixNano()), log: o.Log}
	var results []Result
	for _, s := range scenarios {
		if len(o.Only) > 0 && !contains(o.Only, s.name) || contains(o.Skip, s.name) {
			continue
		}
		for _, m := range s.modes(o) {
			fmt.Fprintf(e.log, "chaos: %s / %s ...\n", s.name, m)
			start := time.Now()
			r := s.run(e, m)
			r.Scenario, r.Mode = s.name, m
			fmt.Fprintf(e.log, "chaos: %s / %s: %+v alive=%v err=%v (%.1fs)\n", s.name, m, r.Counts, r.Alive, r.Err, time.Since(start).Seconds())
			results = append(results, r)
		}
	}
	return results, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// scratch makes a fresh directory for one scenario run.
func (e *env) scratch(name string, mode Mode) (string, error) {
	dir := filepath.Join(e.opts.WorkDir, fmt.Sprintf("%s-%s-%s", name, mode, e.run))
	return dir, os.MkdirAll(dir, 0o755)
}

// database is the ClickHouse database of one scenario run.
func database(name string, mode Mode) string {
	return strings.NewReplacer("-", "_").Replace(fmt.Sprintf("chaos_%s_%s", name, mode))
}

// plan is one fault scenario run by underLoad.
type plan struct {
	name  string
	spec  loadSpec
	edit  func(*collectorConfig) error     // changes to the mode's config (optional)
	fault func(*collector) (string, error) // the fault, with a note for the table
	// restartIfLost restarts the collector (SIGTERM, start) when
	// acknowledged events are missing, and notes how many it then delivers:
	// whether they were on disk, or gone. The row keeps the counts from
	// before the restart (what an operator sees while the collector runs).
	restartIfLost bool
}

// underLoad runs the common shape of a fault scenario: start a collector in
// mode, send the plan's load for the scenario's load time with the fault
// applied a third of the way in, stop the load, wait for delivery and
// compare what was acknowledged with what is stored.
func (e *env) underLoad(mode Mode, p plan) (r Result) {
	dir, err := e.scratch(p.name, mode)
	if err != nil {
		return Result{Err: err}
	}
	cfg := collectorConfig{Mode: mode, ClickHouse: e.ch.Endpoint(), Database: database(p.name, mode),
		StorageDir: filepath.Join(dir, "queue")}
	if mode == ModePersistent {
		if err := os.MkdirAll(cfg.StorageDir, 0o755); err != nil {
			return Result{Err: err}
		}
	}
	if p.edit != nil {
		if err := p.edit(&cfg); err != nil {
			return Result{Err: err}
		}
	}
	col, err := newCollector(e.opts.Collector, dir, cfg)
	if err != nil {
		return Result{Err: err}
	}
	defer col.stop()
	led := newLedger()
	service := "chaos-" + e.run
	ld, err := startLoad(col.airesAddr(), service, p.spec, led)
	if err != nil {
		return Result{Err: err}
	}
	time.Sleep(e.timing.Load / 3)
	note, faultErr := p.fault(col)
	time.Sleep(e.timing.Load - e.timing.Load/3)
	st, finishErr := ld.finish(e.timing.Flush)
	acked := led.acknowledged()
	s, settleErr := settle(e.ch.db, cfg.Database, service, acked, e.timing.Settle)
	r = Result{Counts: count(led.sent(), acked, s), Alive: col.alive(), Note: note}
	if faultErr != nil {
		r.Err = faultErr
	} else if settleErr != nil {
		r.Err = settleErr
	} else if led.unknown == 0 && st.Sent != r.Acknowledged {
		r.Err = fmt.Errorf("the SDK counted %d events sent, the ledger %d acknowledged: the ledger missed an answer", st.Sent, r.Acknowledged)
	}
	notes := []string{fmt.Sprintf("SDK: %d failed, %d dropped", st.Failed, st.Dropped)}
	if r.Note != "" {
		notes = append([]string{r.Note}, notes...)
	}
	if finishErr != nil {
		notes = append(notes, fmt.Sprintf("flush: %v", finishErr))
	}
	if p.restartIfLost && r.Lost > 0 && r.Err == nil {
		notes = append(notes, e.restartAndRecount(col, cfg.Database, service, acked, r.Lost))
	}
	if !r.Alive || r.Err != nil || r.Lost > 0 {
		notes = append(notes, "collector log: "+col.out.path)
	}
	r.Note = strings.Join(notes, "; ")
	return r
}

// restartAndRecount restarts the collector and says how many of the lost
// events it delivered then.
func (e *env) restartAndRecount(col *collector, database, service string, acked map[int64]struct{}, lost uint64) string {
	col.proc.Stop(20 * time.Second)
	if err := col.start(); err != nil {
		return fmt.Sprintf("after a collector restart: it does not start: %v", err)
	}
	s, err := settle(e.ch.db, database, service, acked, e.timing.Settle)
	if err != nil {
		return fmt.Sprintf("after a collector restart: %v", err)
	}
	return fmt.Sprintf("after a collector restart, %d of the %d were delivered", lost-missing(acked, s), lost)
}
