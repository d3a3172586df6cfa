// Package collectortest runs the ocb-built aires-collector binary for tests
// and benchmarks: it writes a config, starts the process, waits for its
// health_check extension to answer, and stops it.
package collectortest

import (
	"bytes"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// StartTimeout bounds the wait for the health check to answer.
const StartTimeout = 60 * time.Second

// Process is a running collector.
type Process struct {
	cmd     *exec.Cmd
	exited  chan struct{} // closed when the process has exited
	exitErr error         // set before exited is closed
}

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call,
// below the kernel's ephemeral range as scripts/clickhouse.sh's free-port
// does: a port from that range (what listening on port 0 gives) can be taken
// as the local port of any outgoing connection before the collector binds it.
func FreePort() (int, error) {
	low := ephemeralLow()
	for range 500 {
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", 10000+rand.IntN(low-10000)))
		if err != nil {
			continue
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		return port, nil
	}
	return 0, fmt.Errorf("no free TCP port on 127.0.0.1 between 10000 and %d", low)
}

// ephemeralLow is the first port of net.ipv4.ip_local_port_range (32768
// when it cannot be read), at least 11000.
func ephemeralLow() int {
	low := 32768
	if b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range"); err == nil {
		if f := strings.Fields(string(b)); len(f) > 0 {
			if n, err := strconv.Atoi(f[0]); err == nil {
				low = n
			}
		}
	}
	return max(low, 11000)
}

// Start writes config to dir/collector.yaml, starts bin with it (output to
// out, extra environment env), and returns once the health_check extension
// on 127.0.0.1:healthPort answers 200. On failure the process is stopped.
func Start(bin, dir, config string, healthPort int, out io.Writer, env []string) (*Process, error) {
	path := filepath.Join(dir, "collector.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, err
	}
	return StartArgs(bin, []string{"--config", path}, healthPort, out, env)
}

// StartArgs starts bin with args (e.g. several --config flags, which the
// collector merges in order) and returns like Start once the health_check
// extension on 127.0.0.1:healthPort answers 200.
func StartArgs(bin string, args []string, healthPort int, out io.Writer, env []string) (*Process, error) {
	p := &Process{exited: make(chan struct{})}
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if len(env) > 0 {
		p.cmd.Env = append(os.Environ(), env...)
	}
	if err := p.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		p.exitErr = p.cmd.Wait()
		close(p.exited)
	}()
	deadline := time.Now().Add(StartTimeout)
	url := fmt.Sprintf("http://127.0.0.1:%d/", healthPort)
	for {
		if err := p.Exited(); err != nil {
			return nil, fmt.Errorf("collector exited at start: %w", err)
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p, nil
			}
		}
		if time.Now().After(deadline) {
			p.Stop(5 * time.Second)
			return nil, fmt.Errorf("collector not healthy at %s after %v", url, StartTimeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Pid is the process id.
func (p *Process) Pid() int { return p.cmd.Process.Pid }

// Exited returns nil while the process runs, and a non-nil error (the exit
// status, or an error saying it exited cleanly) once it has exited.
func (p *Process) Exited() error {
	select {
	case <-p.exited:
		if p.exitErr != nil {
			return p.exitErr
		}
		return fmt.Errorf("exit status 0")
	default:
		return nil
	}
}

// Stop sends SIGTERM and kills the process after timeout. Safe to call more
// than once.
func (p *Process) Stop(timeout time.Duration) {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.exited:
	case <-time.After(timeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
	}
}

// Kill ends the process with SIGKILL, as a crash would: no shutdown, no
// flush of its queues. It returns once the process has exited.
func (p *Process) Kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// Output collects a collector's stdout and stderr (two pipes, written
// concurrently) for a test to read while the process runs.
type Output struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (o *Output) Write(p []byte) (int, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.Write(p)
}

func (o *Output) String() string {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.b.String()
}
