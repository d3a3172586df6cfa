// Package procstat reads the fields of Linux's /proc/<pid>/stat and
// /proc/<pid>/task/<tid>/stat lines (proc(5)), for the tests' and the
// bench's measures of other processes.
package procstat

import (
	"fmt"
	"os"
	"strings"
)

// Field is the index in Fields' result of the stat line's field n, numbered
// from 1 as in proc(5): Fields starts at field 3 (the state).
func Field(n int) int { return n - 3 }

// Fields returns the fields of a stat line from the third on. The command
// in field 2 may hold spaces and parentheses, so the fields are counted
// after its last ')'.
func Fields(line string) ([]string, error) {
	i := strings.LastIndexByte(line, ')')
	if i < 0 {
		return nil, fmt.Errorf("unexpected /proc stat line %q: no ')' after the command", line)
	}
	return strings.Fields(line[i+1:]), nil
}

// Read reads the stat file at path and returns its Fields.
func Read(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Fields(string(data))
}
