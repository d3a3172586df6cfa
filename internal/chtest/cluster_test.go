package chtest

import "testing"

func TestParseEndpoints(t *testing.T) {
	for _, tt := range []struct {
		name, out string
		nodes     int
		wantErr   bool
	}{
		{name: "2x2", nodes: 4, out: "zookeeper 2181\nnode 1 1 9001 8124 /d/s1-r1\nnode 1 2 9002 8125 /d/s1-r2\nnode 2 1 9003 8126 /d/s2-r1\nnode 2 2 9004 8127 /d/s2-r2\n"},
		{name: "no zookeeper", out: "node 1 1 9001 8124 /d/s1-r1\n", wantErr: true},
		{name: "no node", out: "zookeeper 2181\n", wantErr: true},
		{name: "bad port", out: "zookeeper 2181\nnode 1 1 x 8124 /d/s1-r1\n", wantErr: true},
		{name: "stray line", out: "zookeeper 2181\nstarting\n", wantErr: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseEndpoints(tt.out)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want error %v", err, tt.wantErr)
			}
			if tt.wantErr {
				return
			}
			if len(c.Nodes) != tt.nodes || c.ZooKeeperPort != 2181 {
				t.Fatalf("got %d nodes, zookeeper %d", len(c.Nodes), c.ZooKeeperPort)
			}
			n := c.Node(2, 1)
			if n == nil || n.TCPPort != 9003 || n.HTTPPort != 8126 || n.Dir != "/d/s2-r1" {
				t.Fatalf("node 2/1 = %+v", n)
			}
			if c.Shards() != 2 {
				t.Errorf("shards = %d", c.Shards())
			}
			c.script = "x"
			if got, want := c.Endpoint(), "tcp://127.0.0.1:9001,127.0.0.1:9002,127.0.0.1:9003,127.0.0.1:9004"; got != want {
				t.Errorf("endpoint %s, want %s", got, want)
			}
		})
	}
}
