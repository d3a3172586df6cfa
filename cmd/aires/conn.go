package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/ClickHouse/clickhouse-go/v2/lib/driver"

	"github.com/aires-dev/aires/internal/chendpoint"
	"github.com/aires-dev/aires/internal/schema"
)

// connFlags are the ClickHouse settings every subcommand shares, with the
// exporter's defaults.
type connFlags struct {
	endpoint, database, username string
	tls                          bool
	tlsCA                        string
	cluster                      string
	timeout                      time.Duration
	json                         bool
}

func (c *connFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&c.endpoint, "endpoint", envOr("AIRES_CLICKHOUSE_ENDPOINT", "tcp://127.0.0.1:9000"), "ClickHouse native protocol address(es), as the exporter's endpoint (env AIRES_CLICKHOUSE_ENDPOINT)")
	fs.StringVar(&c.database, "database", envOr("AIRES_CLICKHOUSE_DATABASE", "aires"), "database of the events table (env AIRES_CLICKHOUSE_DATABASE)")
	fs.StringVar(&c.username, "username", envOr("AIRES_CLICKHOUSE_USERNAME", "default"), "ClickHouse user: give it read-only rights (env AIRES_CLICKHOUSE_USERNAME; the password comes from AIRES_CLICKHOUSE_PASSWORD only, never a flag)")
	fs.BoolVar(&c.tls, "tls", false, "connect with TLS (usually port 9440)")
	fs.StringVar(&c.tlsCA, "tls-ca", "", "CA certificate file for --tls (default: the system's)")
	fs.StringVar(&c.cluster, "cluster", "", "cluster name, as the exporter's cluster setting: queries go to the Distributed events table, with the same SQL")
	fs.DurationVar(&c.timeout, "timeout", 10*time.Second, "server-side time limit of each query (max_execution_time)")
	fs.BoolVar(&c.json, "json", false, "one JSON object per line")
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// open checks the flags, connects, and pings: it returns the events table
// the flags name and the connection.
func (c *connFlags) open(ctx context.Context) (schema.Table, driver.Conn, error) {
	if !schema.ValidIdentifier(c.database) {
		return schema.Table{}, nil, fmt.Errorf("--database %q: use letters, digits and underscores, not starting with a digit", c.database)
	}
	table := schema.Table{Database: c.database, Name: "events"}
	conn, err := c.dial(ctx)
	return table, conn, err
}

func (c *connFlags) dial(ctx context.Context) (driver.Conn, error) {
	addrs, err := chendpoint.Parse(c.endpoint)
	if err != nil {
		return nil, err
	}
	opts := &clickhouse.Options{
		Protocol: clickhouse.Native,
		Addr:     addrs,
		Auth: clickhouse.Auth{
			Database: c.database,
			Username: c.username,
			Password: os.Getenv("AIRES_CLICKHOUSE_PASSWORD"),
		},
		DialTimeout:  5 * time.Second,
		MaxOpenConns: 2,
	}
	if c.tls {
		opts.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
		if c.tlsCA != "" {
			pem, err := os.ReadFile(c.tlsCA)
			if err != nil {
				return nil, fmt.Errorf("--tls-ca: %w", err)
			}
			pool := x509.NewCertPool()
			if !pool.AppendCertsFromPEM(pem) {
				return nil, fmt.Errorf("--tls-ca %s: no PEM certificate in it", c.tlsCA)
			}
			opts.TLS.RootCAs = pool
		}
	}
	conn, err := clickhouse.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("open ClickHouse at %s: %w", c.endpoint, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := conn.Ping(pctx); err != nil {
		_ = conn.Close()
		return nil, fmt.Errorf("cannot reach ClickHouse at %s as %s: %w; check --endpoint, --username, AIRES_CLICKHOUSE_PASSWORD and --tls", c.endpoint, c.username, err)
	}
	return conn, nil
}

// queryContext adds the server-side limits every query runs with: a time
// limit, and a row limit above the query's own LIMIT as a second guard. A
// user with the readonly=2 profile may set them (readonly=1 may not: see
// the README).
func (c *connFlags) queryContext(ctx context.Context, limit int) context.Context {
	return clickhouse.Context(ctx, clickhouse.WithSettings(clickhouse.Settings{
		"max_execution_time": int(max(c.timeout.Seconds(), 1)),
		"max_result_rows":    limit + 1,
	}))
}
