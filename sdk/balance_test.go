package aires

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/keepalive"
	"google.golang.org/grpc/resolver"
	"google.golang.org/grpc/resolver/manual"
	"google.golang.org/grpc/status"
)

// startServers starts n in-process collectors that store every batch.
func startServers(t *testing.T, n int, opts ...grpc.ServerOption) []*fakeServer {
	t.Helper()
	srvs := make([]*fakeServer, n)
	for i := range srvs {
		srvs[i] = startServer(t, nil, opts...)
	}
	return srvs
}

func addrsOf(srvs []*fakeServer) []string {
	addrs := make([]string, len(srvs))
	for i, s := range srvs {
		addrs[i] = s.addr
	}
	return addrs
}

// fakeDNS answers the dns scheme on one client's connection with the
// servers' addresses: a name with several A records, without a DNS server.
func fakeDNS(srvs []*fakeServer) grpc.DialOption {
	r := manual.NewBuilderWithScheme("dns")
	var st resolver.State
	for _, a := range addrsOf(srvs) {
		st.Addresses = append(st.Addresses, resolver.Address{Addr: a})
	}
	r.InitialState(st)
	return grpc.WithResolvers(r)
}

// batchCounts is how many batches each server has stored.
func batchCounts(srvs []*fakeServer) []int {
	n := make([]int, len(srvs))
	for i, s := range srvs {
		s.mu.Lock()
		n[i] = len(s.batches)
		s.mu.Unlock()
	}
	return n
}

// sendBatch logs one batch's worth of events and waits until it is sent.
func sendBatch(t *testing.T, c *Client, size int) {
	t.Helper()
	for i := range size {
		c.Info("event", Int("i", i))
	}
	flush(t, c)
}

// sendUntilAllServed sends batches until every server has stored one,
// which means gRPC has a ready connection to each. It gives up after
// max batches.
func sendUntilAllServed(t *testing.T, c *Client, srvs []*fakeServer, size, max int) int {
	t.Helper()
	for sent := 1; sent <= max; sent++ {
		sendBatch(t, c, size)
		served := 0
		for _, n := range batchCounts(srvs) {
			if n > 0 {
				served++
			}
		}
		if served == len(srvs) {
			return sent
		}
		time.Sleep(time.Millisecond) // let the other connections come up
	}
	t.Fatalf("after %d batches some servers got none: %v", max, batchCounts(srvs))
	return 0
}

// checkStoredOnce fails unless the servers together stored want events,
// each id once, and the client counted them all sent.
func checkStoredOnce(t *testing.T, c *Client, srvs []*fakeServer, want int) {
	t.Helper()
	seen := map[string]bool{}
	for _, s := range srvs {
		for _, e := range s.events() {
			if seen[string(e.Id)] {
				t.Fatalf("event %x stored twice", e.Id)
			}
			seen[string(e.Id)] = true
		}
	}
	if len(seen) != want {
		t.Fatalf("servers stored %d events, want %d", len(seen), want)
	}
	if st := c.Stats(); st.Enqueued != uint64(want) || st.Sent != uint64(want) || st.Failed != 0 || st.Dropped != 0 {
		t.Fatalf("stats = %+v, want %d enqueued and sent, none failed or dropped", st, want)
	}
}

// Several collectors, given as a list or as a dns:/// name with several
// addresses: once a connection to each is up, consecutive batches go to
// each in turn. A bare host:port keeps gRPC's default, one connection.
func TestBatchesSpreadOverCollectors(t *testing.T) {
	const size, rounds = 10, 10
	for _, tc := range []struct {
		name   string
		cfg    func(srvs []*fakeServer) Config
		spread bool
	}{
		{"Endpoints list", func(srvs []*fakeServer) Config {
			return Config{Endpoints: addrsOf(srvs)}
		}, true},
		{"dns:/// name with three addresses", func(srvs []*fakeServer) Config {
			return Config{Endpoint: "dns:///collectors.test:4320", DialOptions: []grpc.DialOption{fakeDNS(srvs)}}
		}, true},
		{"host:port with three addresses stays on one", func(srvs []*fakeServer) Config {
			return Config{Endpoint: "collectors.test:4320", DialOptions: []grpc.DialOption{fakeDNS(srvs)}}
		}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srvs := startServers(t, 3)
			c := newTestClient(t, tc.cfg(srvs))
			warm := 0
			if tc.spread {
				warm = sendUntilAllServed(t, c, srvs, size, 300)
			}
			before := batchCounts(srvs)
			for range rounds * len(srvs) {
				sendBatch(t, c, size)
			}
			after := batchCounts(srvs)
			var got []int
			for i := range srvs {
				got = append(got, after[i]-before[i])
			}
			for _, n := range got {
				switch {
				case tc.spread && n != rounds:
					t.Fatalf("batches per server %v, want %d each (round robin)", got, rounds)
				case !tc.spread && n != 0 && n != rounds*len(srvs):
					t.Fatalf("batches per server %v, want all %d on one (pick_first)", got, rounds*len(srvs))
				}
			}
			checkStoredOnce(t, c, srvs, (warm+rounds*len(srvs))*size)
		})
	}
}

// One of three collectors stops (its connections cut, as when the process
// dies) while it holds a batch it has not answered: the client gets
// UNAVAILABLE, retries the batch on another collector and goes on with the
// two left. Every event is stored exactly once and counted sent.
func TestFailoverWhenCollectorStops(t *testing.T) {
	const size, after = 10, 20
	srvs := startServers(t, 3)
	dying := srvs[0]
	var stall atomic.Bool
	held := make(chan *airesv1.EventBatch, 1)
	released := make(chan struct{})
	dying.handler = func(_ int, b *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		if !stall.Load() {
			return nil, nil
		}
		held <- b
		// Answer nothing until Stop has cut the connection under this
		// call; then store nothing (the error) and let the goroutine end.
		<-released
		return nil, status.Error(codes.Unavailable, "stopped")
	}
	c := newTestClient(t, Config{Endpoints: addrsOf(srvs)})
	warm := sendUntilAllServed(t, c, srvs, size, 300)
	atStop := batchCounts(srvs)

	stall.Store(true)
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Enough batches that round robin hands one to the dying
		// collector, then the rest after it is gone.
		for range after {
			for i := range size {
				c.Info("after", Int("i", i))
			}
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_ = c.Flush(ctx)
			cancel()
		}
	}()
	var lost *airesv1.EventBatch
	select {
	case lost = <-held:
	case <-time.After(10 * time.Second):
		t.Fatal("the dying collector never got a batch")
	}
	dying.gs.Stop()
	close(released)
	<-done

	end := batchCounts(srvs)
	if end[0] != atStop[0] {
		t.Fatalf("the stopped collector stored batches: %v -> %v", atStop, end)
	}
	for i := 1; i < len(srvs); i++ {
		if end[i] == atStop[i] {
			t.Fatalf("collector %d got no batch after the stop: %v -> %v (want the survivors to share the load)", i, atStop, end)
		}
	}
	stored := map[string]bool{}
	for _, s := range srvs[1:] {
		for _, e := range s.events() {
			stored[string(e.Id)] = true
		}
	}
	for _, e := range lost.Events {
		if !stored[string(e.Id)] {
			t.Fatalf("event %x of the batch cut off with the collector was not retried on another", e.Id)
		}
	}
	checkStoredOnce(t, c, srvs, (warm+after)*size)
}

// Under TLS each collector of the list is checked against its own name,
// not the name of the list.
func TestEndpointsOverTLS(t *testing.T) {
	p := newTestPKI(t)
	srvs := startServers(t, 2, p.serverCreds(t, false))
	c := newTestClient(t, Config{Endpoints: addrsOf(srvs), TLSCAFile: p.caFile, MaxRetries: -1})
	warm := sendUntilAllServed(t, c, srvs, 5, 100)
	checkStoredOnce(t, c, srvs, warm*5)
}

// Configurations gRPC would only fail on later, or that say two things,
// are refused by New with the field to fix.
func TestEndpointsConfigErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"Endpoint and Endpoints", Config{Endpoint: "a:4320", Endpoints: []string{"b:4320"}}, "both Config.Endpoint"},
		{"target in the list", Config{Endpoints: []string{"a:4320", "dns:///b:4320"}}, "Config.Endpoints[1]"},
		{"no port", Config{Endpoints: []string{"collector"}}, "expected host:port"},
		{"empty entry", Config{Endpoints: []string{""}}, "expected host:port"},
		{"listed twice", Config{Endpoints: []string{"a:4320", "a:4320"}}, "twice"},
	} {
		t.Run(tc.name, func(t *testing.T) { newRefuses(t, tc.cfg, tc.want) })
	}
}

// A collector that closes its connections at an age (the receiver's
// keepalive.server_parameters.max_connection_age) makes the client resolve
// a dns:/// name again, which is how collectors added behind the name get
// their share: the name first resolves to one collector, a second one is
// added, and batches reach it after the first connection has aged out.
func TestDNSNameResolvedAgainWhenConnectionAges(t *testing.T) {
	first := startServer(t, nil, grpc.KeepaliveParams(keepalive.ServerParameters{
		MaxConnectionAge: 100 * time.Millisecond, MaxConnectionAgeGrace: 10 * time.Second,
	}))
	added := startServer(t, nil)
	dns := manual.NewBuilderWithScheme("dns")
	dns.InitialState(resolver.State{Addresses: []resolver.Address{{Addr: first.addr}}})
	asked := make(chan struct{}, 1)
	dns.ResolveNowCallback = func(resolver.ResolveNowOptions) {
		select {
		case asked <- struct{}{}:
		default:
		}
	}
	c := newTestClient(t, Config{Endpoint: "dns:///collectors.test:4320", DialOptions: []grpc.DialOption{grpc.WithResolvers(dns)}})
	sendBatch(t, c, 5)
	select {
	case <-asked:
	case <-time.After(10 * time.Second):
		t.Fatal("the client did not resolve the name again after its connection aged out")
	}
	dns.UpdateState(resolver.State{Addresses: []resolver.Address{{Addr: first.addr}, {Addr: added.addr}}})
	both := []*fakeServer{first, added}
	n := sendUntilAllServed(t, c, both, 5, 300)
	checkStoredOnce(t, c, both, (1+n)*5)
}
