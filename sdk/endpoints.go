package aires

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/resolver"
)

// roundRobin is the service config that makes gRPC keep a connection to
// every address of the target and send each RPC (each batch) on the next
// ready one. gRPC's default, pick_first, sends everything on one connection
// and moves to another address only when that one fails.
const roundRobin = `{"loadBalancingConfig":[{"round_robin":{}}]}`

// endpointsScheme names the resolver of Config.Endpoints. It is registered
// on the client's own connection only (grpc.WithResolvers), never
// process-wide, so two clients with different lists do not meet.
const endpointsScheme = "aires-endpoints"

// dialTarget returns the gRPC target of the configuration and the dial
// options that go with it: a static resolver and round robin for
// Config.Endpoints; round robin for an Endpoint with the dns scheme, whose
// name may resolve to several collectors; nothing for any other Endpoint,
// which keeps gRPC's default (pick_first: one connection at a time).
func dialTarget(cfg *Config) (string, []grpc.DialOption) {
	if len(cfg.Endpoints) > 0 {
		addrs := make([]resolver.Address, len(cfg.Endpoints))
		for i, e := range cfg.Endpoints {
			// ServerName: each collector is checked against its own name
			// under TLS and gets its own :authority, as when dialled alone.
			addrs[i] = resolver.Address{Addr: e, ServerName: e}
		}
		return endpointsScheme + ":///collectors", []grpc.DialOption{
			grpc.WithResolvers(staticBuilder{addrs: addrs}),
			grpc.WithDefaultServiceConfig(roundRobin),
		}
	}
	if isDNSTarget(cfg.Endpoint) {
		return cfg.Endpoint, []grpc.DialOption{grpc.WithDefaultServiceConfig(roundRobin)}
	}
	return cfg.Endpoint, nil
}

// isDNSTarget reports whether endpoint names gRPC's dns resolver explicitly
// ("dns:///collectors.example:4320"). A bare "host:port" resolves through
// DNS too, but asked for no balancing: it keeps the one-connection
// behaviour it always had.
func isDNSTarget(endpoint string) bool {
	u, err := url.Parse(endpoint)
	return err == nil && strings.EqualFold(u.Scheme, "dns")
}

// checkEndpoints rejects a configuration gRPC would only fail on later, or
// that says two different things.
func checkEndpoints(cfg *Config) error {
	if len(cfg.Endpoints) == 0 {
		return nil
	}
	if cfg.Endpoint != "" {
		return fmt.Errorf("aires: both Config.Endpoint (%q) and Config.Endpoints are set: "+
			"list every collector in Endpoints, or give one address or a dns:/// name in Endpoint", cfg.Endpoint)
	}
	seen := make(map[string]bool, len(cfg.Endpoints))
	for i, e := range cfg.Endpoints {
		if strings.Contains(e, "://") {
			return fmt.Errorf("aires: Config.Endpoints[%d] is %q: expected host:port; "+
				"a gRPC target such as dns:///name:port goes in Config.Endpoint instead", i, e)
		}
		if _, port, err := net.SplitHostPort(e); err != nil || port == "" {
			return fmt.Errorf("aires: Config.Endpoints[%d] is %q: expected host:port (for example collector-1.internal:4320)", i, e)
		}
		if seen[e] {
			return fmt.Errorf("aires: Config.Endpoints lists %q twice: each collector once", e)
		}
		seen[e] = true
	}
	return nil
}

// target describes where the client sends, for its warnings.
func (c Config) target() string {
	if len(c.Endpoints) > 0 {
		return strings.Join(c.Endpoints, ",")
	}
	return c.Endpoint
}

// staticBuilder resolves to a fixed list of addresses: Config.Endpoints.
// gRPC's manual resolver would do the same, but must be fed its state
// before the connection is built and again after every rebuild.
type staticBuilder struct{ addrs []resolver.Address }

func (b staticBuilder) Build(_ resolver.Target, cc resolver.ClientConn, _ resolver.BuildOptions) (resolver.Resolver, error) {
	if err := cc.UpdateState(resolver.State{Addresses: b.addrs}); err != nil {
		return nil, fmt.Errorf("aires: cannot apply Config.Endpoints: %w", err)
	}
	return staticResolver{}, nil
}

func (staticBuilder) Scheme() string { return endpointsScheme }

// staticResolver has nothing to look up again: a collector that went away
// is reconnected to by gRPC itself, with backoff, while the others carry
// the load.
type staticResolver struct{}

func (staticResolver) ResolveNow(resolver.ResolveNowOptions) {}
func (staticResolver) Close()                                {}
