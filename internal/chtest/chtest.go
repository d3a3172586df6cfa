// Package chtest starts a throwaway ClickHouse server for tests: Debian's
// clickhouse-server, on loopback, on free ports, with its data in a temporary
// directory, through the project's scripts/clickhouse.sh.
//
// When the server cannot start, tests are skipped on a developer machine and
// fail when the CI environment variable is set.
package chtest

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
)

// Server is a running ClickHouse server.
type Server struct {
	Dir      string
	TCPPort  int
	HTTPPort int
	script   string
}

// Pid is the server's process id, as scripts/clickhouse.sh recorded it in
// server.pid.
func (s *Server) Pid() (int, error) {
	b, err := os.ReadFile(filepath.Join(s.Dir, "server.pid"))
	if err != nil {
		return 0, fmt.Errorf("the pid of the server in %s: %w", s.Dir, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("the pid of the server in %s: server.pid holds %q", s.Dir, b)
	}
	return pid, nil
}

// TCPAddr is host:port of the native protocol.
func (s *Server) TCPAddr() string { return fmt.Sprintf("127.0.0.1:%d", s.TCPPort) }

// Endpoint is the exporter's endpoint setting for this server.
func (s *Server) Endpoint() string { return "tcp://" + s.TCPAddr() }

// RepoRoot finds the repository root (the directory holding scripts/clickhouse.sh).
func RepoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "scripts", "clickhouse.sh")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("scripts/clickhouse.sh not found above the working directory")
		}
		dir = parent
	}
}

// FailOrSkip fails the test under CI and skips it elsewhere.
func FailOrSkip(tb testing.TB, format string, args ...any) {
	tb.Helper()
	if os.Getenv("CI") != "" {
		tb.Fatalf(format, args...)
	}
	tb.Skipf(format+" (set CI=1 to make this a failure)", args...)
}

// Start starts a server for the test and stops it when the test ends.
func Start(tb testing.TB) *Server {
	tb.Helper()
	s, err := StartServer(tb.TempDir())
	if err != nil {
		FailOrSkip(tb, "cannot start ClickHouse: %v", err)
	}
	tb.Cleanup(func() { _ = s.Stop() })
	return s
}

// StartServer starts a server with its data in dir. Stop it with Stop.
func StartServer(dir string) (*Server, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "scripts", "clickhouse.sh")
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("bash", script, "start", dir)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("%s start: %w: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	s := &Server{Dir: dir, script: script}
	if _, err := fmt.Sscanf(strings.TrimSpace(stdout.String()), "%d %d", &s.TCPPort, &s.HTTPPort); err != nil {
		_ = s.Stop()
		return nil, fmt.Errorf("unexpected output of %s start: %q", script, stdout.String())
	}
	return s, nil
}

// Stop stops the server; its data directory stays.
func (s *Server) Stop() error {
	out, err := exec.Command("bash", s.script, "stop", s.Dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop clickhouse: %w: %s", err, out)
	}
	return nil
}

// Restart starts the server again on the same ports and data.
func (s *Server) Restart() error {
	out, err := exec.Command("bash", s.script, "start", s.Dir,
		fmt.Sprint(s.TCPPort), fmt.Sprint(s.HTTPPort)).CombinedOutput()
	if err != nil {
		return fmt.Errorf("restart clickhouse: %w: %s", err, out)
	}
	return nil
}

// Alive reports whether the server accepts native connections now.
func (s *Server) Alive() bool {
	conn, err := net.DialTimeout("tcp", s.TCPAddr(), time.Second)
	if err != nil {
		return false
	}
	_ = conn.Close()
	return true
}

// LogTail is the last lines of the server's error log and of its stdout
// (where a crash's stack trace goes): what it said before it stopped.
func (s *Server) LogTail(lines int) string {
	var b strings.Builder
	for _, name := range []string{"server.err.log", "stdout.log"} {
		data, err := os.ReadFile(filepath.Join(s.Dir, "log", name))
		if err != nil {
			fmt.Fprintf(&b, "%s: %v\n", name, err)
			continue
		}
		all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		fmt.Fprintf(&b, "--- end of %s\n%s\n", name, strings.Join(all[max(0, len(all)-lines):], "\n"))
	}
	return b.String()
}

// Options are clickhouse-go options for this server.
func (s *Server) Options() *clickhouse.Options {
	return &clickhouse.Options{
		Addr:        []string{s.TCPAddr()},
		Protocol:    clickhouse.Native,
		DialTimeout: 5 * time.Second,
	}
}

// DB opens a database/sql handle on the server; closed when the test ends.
func (s *Server) DB(tb testing.TB) *sql.DB {
	tb.Helper()
	db := clickhouse.OpenDB(s.Options())
	tb.Cleanup(func() { _ = db.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := db.PingContext(ctx); err != nil {
		tb.Fatalf("ping clickhouse at %s: %v", s.TCPAddr(), err)
	}
	return db
}
