package chtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/aires-dev/aires/internal/procstat"
)

// mergeThreadName is what ClickHouse 18.16 names the threads of its
// background pool (merges, part clean-up).
const mergeThreadName = "BackgrProcPool"

// MergeThreadNice is the nice value of the server's merge threads, as
// scripts/clickhouse.sh set it at start (CLICKHOUSE_MERGE_NICE, default
// 10). It reads /proc, so it needs Linux and the server on this machine; it
// fails when no merge thread is found (a server that names its threads
// otherwise).
func (s *Server) MergeThreadNice() (int, error) {
	pid, err := s.Pid()
	if err != nil {
		return 0, err
	}
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*"))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no threads under /proc/%d (is the server running?)", pid)
	}
	for _, task := range tasks {
		comm, err := os.ReadFile(filepath.Join(task, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != mergeThreadName {
			continue
		}
		f, err := procstat.Read(filepath.Join(task, "stat"))
		if err != nil {
			continue
		}
		if len(f) <= procstat.Field(19) {
			return 0, fmt.Errorf("%s/stat has no nice value (field 19)", task)
		}
		return strconv.Atoi(f[procstat.Field(19)])
	}
	return 0, fmt.Errorf("no %s thread in process %d", mergeThreadName, pid)
}
