// Package collectortest runs the ocb-built aires-collector binary for tests
// and benchmarks: it writes a config, starts the process, waits for its
// health_check extension to answer, and stops it.
package collectortest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
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

// FreePort returns a TCP port free on 127.0.0.1 at the time of the call.
func FreePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start writes config to dir/collector.yaml, starts bin with it (output to
// out, extra environment env), and returns once the health_check extension
// on 127.0.0.1:healthPort answers 200. On failure the process is stopped.
func Start(bin, dir, config string, healthPort int, out io.Writer, env []string) (*Process, error) {
	path := filepath.Join(dir, "collector.yaml")
	if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
		return nil, err
	}
	p := &Process{exited: make(chan struct{})}
	p.cmd = exec.Command(bin, "--config", path)
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

// Output collects a collector's output (Start's out) while the process
// writes it, safe to read at any time.
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
