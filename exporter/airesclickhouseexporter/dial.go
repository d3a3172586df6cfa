package airesclickhouseexporter

import (
	"context"
	"crypto/tls"
	"net"
	"time"
)

// dialer connects to ClickHouse as the driver does by itself (TCP, then TLS
// when configured), and gives every write on the connection writeTimeout to
// complete. The driver bounds a whole Send by the insert's context, but not
// the blocks an INSERT writes before it (Flush): without a deadline, a
// server that stops reading would hold the insert, and every request of its
// batch, for good.
func dialer(timeout, writeTimeout time.Duration, tlsCfg *tls.Config) func(ctx context.Context, addr string) (net.Conn, error) {
	if timeout <= 0 {
		timeout = 30 * time.Second // the driver's default
	}
	return func(ctx context.Context, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: timeout}
		conn, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return nil, err
		}
		if tlsCfg != nil {
			cfg := tlsCfg
			if cfg.ServerName == "" && !cfg.InsecureSkipVerify {
				host, _, err := net.SplitHostPort(addr)
				if err != nil {
					host = addr
				}
				cfg = cfg.Clone()
				cfg.ServerName = host
			}
			tc := tls.Client(conn, cfg)
			hctx, cancel := context.WithTimeout(ctx, timeout)
			defer cancel()
			if err := tc.HandshakeContext(hctx); err != nil {
				_ = conn.Close()
				return nil, err
			}
			conn = tc
		}
		if writeTimeout <= 0 {
			return conn, nil
		}
		return &writeDeadlineConn{Conn: conn, timeout: writeTimeout}, nil
	}
}

// writeDeadlineConn is a connection whose every Write must complete within
// timeout.
type writeDeadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *writeDeadlineConn) Write(b []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(b)
}
