// Package chendpoint parses the ClickHouse endpoint setting that the
// exporter and the aires CLI share.
package chendpoint

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
)

// DefaultPort is ClickHouse's native protocol port.
const DefaultPort = "9000"

// Parse turns an endpoint setting into host:port addresses: "tcp://host:9000",
// "host:9000", "host" (port 9000) or several, comma-separated.
func Parse(endpoint string) ([]string, error) {
	s := strings.TrimSpace(endpoint)
	if s == "" {
		return nil, errors.New("endpoint is empty: set it to the native protocol address, e.g. tcp://127.0.0.1:9000")
	}
	if scheme, rest, ok := strings.Cut(s, "://"); ok {
		switch strings.ToLower(scheme) {
		case "tcp", "clickhouse":
			s = rest
		case "http", "https":
			return nil, fmt.Errorf("endpoint %q: the HTTP interface is not supported; use the native protocol port, e.g. tcp://host:9000", endpoint)
		default:
			return nil, fmt.Errorf("endpoint %q: unknown scheme %q; use tcp://host:port", endpoint, scheme)
		}
	}
	if strings.ContainsAny(s, "/?#@") {
		return nil, fmt.Errorf("endpoint %q: write host:port[,host:port...] (database and credentials have their own settings)", endpoint)
	}
	var addrs []string
	for _, h := range strings.Split(s, ",") {
		h = strings.TrimSpace(h)
		if h == "" {
			return nil, fmt.Errorf("endpoint %q: empty address in the comma-separated list", endpoint)
		}
		host, port, err := net.SplitHostPort(h)
		if err != nil {
			// No port: the ClickHouse default.
			host, port = strings.Trim(h, "[]"), DefaultPort
		}
		if host == "" {
			return nil, fmt.Errorf("endpoint %q: address %q has no host", endpoint, h)
		}
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
			return nil, fmt.Errorf("endpoint %q: port %q is not a number from 1 to 65535", endpoint, port)
		}
		addrs = append(addrs, net.JoinHostPort(host, port))
	}
	return addrs, nil
}
