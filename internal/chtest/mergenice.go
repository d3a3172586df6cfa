package chtest

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
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
	data, err := os.ReadFile(filepath.Join(s.Dir, "server.pid"))
	if err != nil {
		return 0, fmt.Errorf("the server's pid: %w", err)
	}
	pid := strings.TrimSpace(string(data))
	tasks, err := filepath.Glob(filepath.Join("/proc", pid, "task", "*"))
	if err != nil || len(tasks) == 0 {
		return 0, fmt.Errorf("no threads under /proc/%s (is the server running?)", pid)
	}
	for _, task := range tasks {
		comm, err := os.ReadFile(filepath.Join(task, "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != mergeThreadName {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(task, "stat"))
		if err != nil {
			continue
		}
		return statNice(string(stat))
	}
	return 0, fmt.Errorf("no %s thread in process %s", mergeThreadName, pid)
}

// statNice is the nice value in a /proc/*/stat line (its 19th field; the
// command in field 2 may hold spaces, so fields are counted after its ')').
func statNice(stat string) (int, error) {
	i := strings.LastIndexByte(stat, ')')
	fields := strings.Fields(stat[i+1:])
	const niceField = 19 - 3 // fields 1 and 2 are before the ')'
	if i < 0 || len(fields) <= niceField {
		return 0, fmt.Errorf("unexpected /proc stat line %q", stat)
	}
	return strconv.Atoi(fields[niceField])
}
