package chdb

import (
	"strings"
	"testing"

	"github.com/aires-dev/aires/internal/chtest"
)

// TestOpen is the smoke test of the binding: a version, an error that says
// what was wrong, data kept across statements.
func TestOpen(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		chtest.FailOrSkip(t, "%v", err)
	}
	defer s.Close()
	out, err := s.Query("SELECT version()", "TabSeparated")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(string(out), "26.") {
		t.Errorf("version() = %q, want 26.x", out)
	}
	if _, err := s.Query("SELECT no_such_column", "TabSeparated"); err == nil || !strings.Contains(err.Error(), "no_such_column") {
		t.Errorf("bad query: error %v, want one naming no_such_column", err)
	}
	for _, q := range []string{"CREATE TABLE t (x UInt32) ENGINE = MergeTree ORDER BY x", "INSERT INTO t VALUES (1), (2)"} {
		if err := s.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if out, err := s.Query("SELECT sum(x) FROM t", "TabSeparated"); err != nil || string(out) != "3\n" {
		t.Errorf("sum = %q, %v", out, err)
	}
}
