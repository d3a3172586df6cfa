package chaos

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// clickHouseKill: ClickHouse is killed with SIGKILL under load, stays down
// for a moment and restarts on the same data. The collector keeps what it
// acknowledged and retries, in every mode: nothing acknowledged may be
// lost. A batch whose insert was cut may be inserted twice (duplicates).
func clickHouseKill(e *env, mode Mode) Result {
	r := e.underLoad(mode, plan{name: "clickhouse-kill", spec: steadyLoad, fault: func(*collector) (string, error) {
		if err := e.ch.kill9(); err != nil {
			return "", err
		}
		time.Sleep(e.timing.Down)
		return "", e.ch.Restart()
	}})
	r.Promise = Promise{NoLoss: true, NoDuplicates: true}
	return r
}

// collectorKill: the collector is killed with SIGKILL under load and
// restarted on the same ports (and queue directory). What it promises
// depends on the mode: the in-memory queue loses what it held; the
// persistent queue and wait_for_result must lose nothing acknowledged.
// With wait_for_result, the SDK sends again what was inserted but not yet
// answered, so duplicates are expected there and only reported.
func collectorKill(e *env, mode Mode) Result {
	r := e.underLoad(mode, plan{name: "collector-kill", spec: steadyLoad, fault: func(c *collector) (string, error) {
		if err := c.kill9(); err != nil {
			return "", err
		}
		time.Sleep(e.timing.Down)
		return "", c.start()
	}})
	switch mode {
	case ModePersistent:
		r.Promise = Promise{NoLoss: true, NoDuplicates: true}
	case ModeWait:
		r.Promise = Promise{NoLoss: true}
	}
	return r
}

// The persistent queue's filesystem, and the free space below which the
// exporter refuses new data (queue_disk.min_free_mib). The reserve must hold
// what draining the queue writes: the in-flight journal of each consumer's
// batch (16 bytes a row) and the queue's own bookkeeping.
const (
	diskFullBytes  = 16 << 20
	diskReserveMiB = 8
)

// diskFull: the persistent queue lives on a 16 MiB tmpfs and ClickHouse is
// killed under load, so the queue fills the disk up to the exporter's
// queue_disk reserve. The collector must refuse what it cannot keep (not
// acknowledge it), stay up, and deliver what it acknowledged once
// ClickHouse is back.
func diskFull(e *env, mode Mode) Result {
	var mountPoint string
	edit := func(c *collectorConfig) error {
		mountPoint = c.StorageDir
		c.QueueMinFreeMiB = diskReserveMiB
		out, err := exec.Command("mount", "-t", "tmpfs", "-o", fmt.Sprintf("size=%d", diskFullBytes), "tmpfs", mountPoint).CombinedOutput()
		if err != nil {
			return fmt.Errorf("mount a %d MiB tmpfs for the queue at %s (needs root): %v: %s",
				diskFullBytes>>20, mountPoint, err, bytes.TrimSpace(out))
		}
		return nil
	}
	var logPath string
	r := e.underLoad(mode, plan{name: "disk-full", spec: steadyLoad, edit: edit, restartIfLost: true, fault: func(c *collector) (string, error) {
		logPath = c.out.path
		if err := e.ch.kill9(); err != nil {
			return "", err
		}
		// Let the queue fill the disk: at 8,000 events/s (about 4 MiB/s
		// in the queue), the 8 MiB above the reserve are gone in about
		// two seconds.
		time.Sleep(max(2*e.timing.Load/3, 3*time.Second))
		return "", e.ch.Restart()
	}})
	if mountPoint != "" {
		defer func() { _ = exec.Command("umount", "-l", mountPoint).Run() }()
	}
	refusals := countInFile(logPath, "disk is nearly full")
	full := countInFile(logPath, "no space left on device")
	r.Note = fmt.Sprintf("queue on a %d MiB tmpfs with a %d MiB reserve; the exporter began refusing %d times; %d log lines say \"no space left on device\"; %s",
		diskFullBytes>>20, diskReserveMiB, refusals, full, r.Note)
	if r.Err == nil && refusals == 0 {
		r.Err = fmt.Errorf("the queue's disk never reached the reserve: the scenario tested nothing")
	}
	r.Promise = Promise{NoLoss: true, NoDuplicates: true}
	return r
}

// Overload memory limits: the collector idles near 60 MiB here.
const (
	overloadLimitMiB = 128
	overloadSpikeMiB = 32
)

// overload: 8 SDK clients send 2 KiB events as fast as the collector takes
// them, against a memory_limiter of 192 MiB and the default in-memory
// queue of 200,000 events (about 400 MiB of such events). The limiter must
// refuse (the SDK retries) before the queue outgrows memory; the collector
// must stay up and lose nothing it acknowledged.
func overload(e *env, mode Mode) Result {
	spec := loadSpec{Streams: 8, Rate: 0, MessageBytes: 1024, BatchSize: 256}
	edit := func(c *collectorConfig) error {
		c.MemoryLimitMiB, c.SpikeLimitMiB = overloadLimitMiB, overloadSpikeMiB
		return nil
	}
	peakCh := make(chan int, 1)
	var logPath string
	r := e.underLoad(mode, plan{name: "overload", spec: spec, edit: edit, fault: func(c *collector) (string, error) {
		logPath = c.out.path
		// Sample the peak at the end of the load, while the process is up.
		go func() {
			time.Sleep(e.timing.Load - e.timing.Load/3 - 100*time.Millisecond)
			peakCh <- c.peakRSSMiB()
		}()
		return "", nil
	}})
	peak := 0 // unknown when the scenario stopped before its fault
	select {
	case peak = <-peakCh:
	default:
	}
	refusals := countInFile(logPath, "refusing data")
	r.Note = fmt.Sprintf("memory_limiter %d MiB (spike %d): collector peak RSS %d MiB, the limiter started refusing data %d times; %s",
		overloadLimitMiB, overloadSpikeMiB, peak, refusals, r.Note)
	r.Promise = Promise{NoLoss: true}
	return r
}

// countInFile counts the lines of path holding s (0 if unreadable).
func countInFile(path, s string) int {
	if path == "" {
		return 0
	}
	b, err := os.ReadFile(filepath.Clean(path))
	if err != nil {
		return 0
	}
	return bytes.Count(bytes.ToLower(b), []byte(s))
}
