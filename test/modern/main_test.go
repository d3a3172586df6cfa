// Package modern tests Aires' SQL on a modern ClickHouse engine: ClickHouse
// 26.7 in this process through chDB (see package chdb and scripts/chdb.sh),
// and, for the README examples, on Debian's 18.16 server too.
package modern

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/schema"
	"github.com/aires-dev/aires/test/modern/chdb"
)

// chDB allows one session per process: every test shares it, each in its own
// database.
var (
	session    *chdb.Session
	sessionErr error
)

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "aires-modern-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	session, sessionErr = chdb.Open(filepath.Join(dir, "chdb"))
	code := m.Run()
	if session != nil {
		session.Close()
	}
	_ = os.RemoveAll(dir)
	os.Exit(code)
}

// engine is the shared chDB session; the test is skipped (failed under CI)
// when libchdb.so cannot be loaded.
func engine(tb testing.TB) *chdb.Session {
	tb.Helper()
	if sessionErr != nil {
		chtest.FailOrSkip(tb, "ClickHouse 26.7 through chDB: %v", sessionErr)
	}
	return session
}

// sqlEngine runs statements on one ClickHouse engine: chDB here, the 18.16
// server over HTTP for the README examples.
type sqlEngine interface {
	Exec(query string) error
	Query(query, format string) ([]byte, error)
}

func mustExec(tb testing.TB, e sqlEngine, queries ...string) {
	tb.Helper()
	for _, q := range queries {
		if err := e.Exec(q); err != nil {
			tb.Fatal(err)
		}
	}
}

// rows runs query and returns its TabSeparated rows, split into fields.
func rows(tb testing.TB, e sqlEngine, query string) [][]string {
	tb.Helper()
	out, err := e.Query(query, "TabSeparated")
	if err != nil {
		tb.Fatal(err)
	}
	var res [][]string
	for _, line := range strings.Split(strings.TrimSuffix(string(out), "\n"), "\n") {
		if line != "" {
			res = append(res, strings.Split(line, "\t"))
		}
	}
	return res
}

// scalar runs a query returning one value.
func scalar(tb testing.TB, e sqlEngine, query string) string {
	tb.Helper()
	r := rows(tb, e, query)
	if len(r) != 1 || len(r[0]) != 1 {
		tb.Fatalf("%s: want one value, got %q", query, r)
	}
	return r[0][0]
}

// engineVersion is the version of ClickHouse behind e.
func engineVersion(tb testing.TB, e sqlEngine) schema.Version {
	tb.Helper()
	v, err := schema.ParseVersion(scalar(tb, e, "SELECT version()"))
	if err != nil {
		tb.Fatal(err)
	}
	return v
}

// createSchema creates the Aires schema for version v in database db on e,
// statement by statement, as the exporter does.
func createSchema(tb testing.TB, e sqlEngine, db string, v schema.Version) schema.Schema {
	tb.Helper()
	s := schema.Schema{Table: schema.Table{Database: db, Name: "events"}, Caps: schema.CapabilitiesOf(v), Retention: 30 * 24 * time.Hour}
	for _, stmt := range s.Statements() {
		if err := e.Exec(stmt); err != nil {
			tb.Fatalf("schema for %s: %v", v, err)
		}
	}
	return s
}
