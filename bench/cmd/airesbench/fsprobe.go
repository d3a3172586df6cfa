package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// fsProbeFiles is how many files fsCreateProbe creates: about what
// ClickHouse 18.16 creates for a dozen inserts (a part of the events table
// is about 100 files, one of each view's table 13 to 25).
const fsProbeFiles = 2000

// fsCreateProbe times creating fsProbeFiles small files in a new directory
// under dir (the run's temporary directory, on the file system of
// ClickHouse's data) and returns the microseconds per file. The files are
// left for the run's clean-up: deleting them would slow the next ones.
//
// Why it is measured: on ext4 without a journal, as on these machines,
// allocating an inode skips every inode deleted in the last seconds to
// minutes (ialloc.c's recently_deleted, checked only when the file system
// has no journal), so after many files were deleted (a previous run's
// clean-up, a TRUNCATE, a build cache trimmed) creating a file cost 15
// times as much here (750 against 49 us, 20,000 files). ClickHouse writes
// every insert and every merge as new files, so its insert time, and the
// latency phase with it, follows this figure. It is a fact about the
// machine of the moment, reported like the raw insert ceiling.
func fsCreateProbe(dir, name string) (float64, error) {
	d := filepath.Join(dir, "fs-probe-"+name)
	if err := os.Mkdir(d, 0o755); err != nil {
		return 0, fmt.Errorf("file system probe: %w", err)
	}
	one := []byte{'x'}
	start := time.Now()
	for i := range fsProbeFiles {
		if err := os.WriteFile(filepath.Join(d, fmt.Sprint(i)), one, 0o644); err != nil {
			return 0, fmt.Errorf("file system probe: %w", err)
		}
	}
	return round1(float64(time.Since(start).Microseconds()) / fsProbeFiles), nil
}
