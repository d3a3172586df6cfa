package chtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

// ClusterName is the cluster scripts/cluster.sh declares in every server's
// remote_servers: the exporter's `cluster:` setting.
const ClusterName = "aires"

// Cluster is a running local ClickHouse cluster: one ZooKeeper and
// shards x replicas servers, started by scripts/cluster.sh.
type Cluster struct {
	Dir           string
	ZooKeeperPort int
	// Nodes are the servers, shard by shard, replica by replica.
	Nodes  []*Node
	script string
}

// Node is one server of a Cluster: replica Replica (from 1) of shard Shard
// (from 1).
type Node struct {
	*Server
	Shard, Replica int
}

// StartCluster starts a cluster of shards x replicas servers with its data in
// dir. Stop it with Stop. A test package starts one (in TestMain) and shares
// it: four servers and ZooKeeper take a while to start.
func StartCluster(dir string, shards, replicas int) (*Cluster, error) {
	root, err := RepoRoot()
	if err != nil {
		return nil, err
	}
	script := filepath.Join(root, "scripts", "cluster.sh")
	var stdout, stderr bytes.Buffer
	// Bounded, so that a server that hangs at start fails the tests rather
	// than the test binary's timeout.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, "start", dir, fmt.Sprint(shards), fmt.Sprint(replicas))
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		c := &Cluster{Dir: dir, script: script}
		_ = c.Stop()
		return nil, fmt.Errorf("%s start: %w: %s", script, err, strings.TrimSpace(stderr.String()))
	}
	c, err := parseEndpoints(stdout.String())
	c.Dir, c.script = dir, script
	if err != nil {
		_ = c.Stop()
		return nil, fmt.Errorf("unexpected output of %s start: %w", script, err)
	}
	if len(c.Nodes) != shards*replicas {
		_ = c.Stop()
		return nil, fmt.Errorf("%s start printed %d servers, want %d", script, len(c.Nodes), shards*replicas)
	}
	clickhouseScript := filepath.Join(root, "scripts", "clickhouse.sh")
	for _, n := range c.Nodes {
		n.script = clickhouseScript
	}
	return c, nil
}

// parseEndpoints reads the lines cluster.sh start prints:
// "zookeeper PORT" and "node SHARD REPLICA TCP HTTP DIR".
func parseEndpoints(out string) (*Cluster, error) {
	c := &Cluster{}
	sc := bufio.NewScanner(strings.NewReader(out))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		switch {
		case len(f) == 2 && f[0] == "zookeeper":
			if _, err := fmt.Sscan(f[1], &c.ZooKeeperPort); err != nil {
				return c, fmt.Errorf("line %q: %w", sc.Text(), err)
			}
		case len(f) == 6 && f[0] == "node":
			n := &Node{Server: &Server{Dir: f[5]}}
			if _, err := fmt.Sscan(f[1], &n.Shard); err != nil {
				return c, fmt.Errorf("line %q: %w", sc.Text(), err)
			}
			if _, err := fmt.Sscan(f[2], &n.Replica); err != nil {
				return c, fmt.Errorf("line %q: %w", sc.Text(), err)
			}
			if _, err := fmt.Sscan(f[3], &n.TCPPort); err != nil {
				return c, fmt.Errorf("line %q: %w", sc.Text(), err)
			}
			if _, err := fmt.Sscan(f[4], &n.HTTPPort); err != nil {
				return c, fmt.Errorf("line %q: %w", sc.Text(), err)
			}
			c.Nodes = append(c.Nodes, n)
		default:
			return c, fmt.Errorf("unexpected line %q", sc.Text())
		}
	}
	if c.ZooKeeperPort == 0 || len(c.Nodes) == 0 {
		return c, fmt.Errorf("no zookeeper or no node in %q", out)
	}
	return c, nil
}

// Stop stops every server and ZooKeeper; the data directory stays.
func (c *Cluster) Stop() error {
	out, err := exec.Command("bash", c.script, "stop", c.Dir).CombinedOutput()
	if err != nil {
		return fmt.Errorf("stop the cluster in %s: %w: %s", c.Dir, err, out)
	}
	return nil
}

// Endpoint is the exporter's endpoint setting for the whole cluster: every
// server's native address, comma-separated (the driver fails over between
// them).
func (c *Cluster) Endpoint() string {
	addrs := make([]string, len(c.Nodes))
	for i, n := range c.Nodes {
		addrs[i] = n.TCPAddr()
	}
	return "tcp://" + strings.Join(addrs, ",")
}

// Node returns replica replica of shard shard (both from 1), or nil.
func (c *Cluster) Node(shard, replica int) *Node {
	for _, n := range c.Nodes {
		if n.Shard == shard && n.Replica == replica {
			return n
		}
	}
	return nil
}

// Shards is the number of shards.
func (c *Cluster) Shards() int {
	shards := 0
	for _, n := range c.Nodes {
		shards = max(shards, n.Shard)
	}
	return shards
}

// Kill ends the server with SIGKILL (no shutdown: what a crash does) and
// waits until it is gone. Restart starts it again on the same ports.
func (s *Server) Kill() error {
	pid, err := s.Pid()
	if err != nil {
		return fmt.Errorf("kill: %w", err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		return fmt.Errorf("kill the server in %s (pid %d): %w", s.Dir, pid, err)
	}
	for i := 0; i < 100 && syscall.Kill(pid, 0) == nil; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	return os.Remove(filepath.Join(s.Dir, "server.pid"))
}
