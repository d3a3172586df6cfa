package main

import (
	"context"
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"

	"github.com/aires-dev/aires/internal/chtest"
)

// cloneSchema copies tables and views into another database, each view
// reading and writing the copies: rows inserted into the copy reach the
// copy's view table and nothing of the original.
func TestCloneSchema(t *testing.T) {
	srv := chtest.Start(t)
	conn, err := clickhouse.Open(srv.Options())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx := context.Background()
	for _, q := range []string{
		"CREATE DATABASE src",
		"CREATE TABLE src.events (service String, n UInt64) ENGINE = MergeTree() ORDER BY service",
		"CREATE TABLE src.per_service (service String, rows UInt64) ENGINE = SummingMergeTree() ORDER BY service",
		"CREATE MATERIALIZED VIEW src.per_service_mv TO src.per_service AS SELECT service, count() AS rows FROM src.events GROUP BY service",
		"CREATE TABLE src.schema_migrations (version UInt32) ENGINE = MergeTree() ORDER BY version",
	} {
		if err := conn.Exec(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	if err := cloneSchema(ctx, conn, "src", "src_raw"); err != nil {
		t.Fatal(err)
	}
	if err := conn.Exec(ctx, "INSERT INTO src_raw.events SELECT if(number < 2, 'a', 'b'), number FROM system.numbers LIMIT 3"); err != nil {
		t.Fatal(err)
	}

	for q, want := range map[string]uint64{
		"SELECT toUInt64(sum(rows)) FROM src_raw.per_service":                                         3,
		"SELECT count() FROM src.events":                                                              0,
		"SELECT count() FROM src.per_service":                                                         0,
		"SELECT count() FROM system.tables WHERE database = 'src_raw' AND name = 'schema_migrations'": 0,
	} {
		var n uint64
		if err := conn.QueryRow(ctx, q).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		if n != want {
			t.Errorf("%s = %d, want %d", q, n, want)
		}
	}
}
