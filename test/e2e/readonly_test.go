package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	aires "github.com/aires-dev/aires/sdk"
)

// readerUsersXML is the README's read-only user for the read side (The read
// side: "Read-only by design"), as written there for ClickHouse 18.16:
// aires_reader with readonly = 2 on the aires_e2e database only, beside
// "default" (no password) for the collector and the test's own queries. A
// second reader, strict_reader, with readonly = 1 shows why the README asks
// for 2.
const readerUsersXML = `<?xml version="1.0"?>
<yandex>
    <profiles>
        <default><max_memory_usage>10000000000</max_memory_usage></default>
        <aires_reader><readonly>2</readonly></aires_reader>
        <strict_reader><readonly>1</readonly></strict_reader>
    </profiles>
    <users>` + defaultUserXML + `
{{range .Readers}}        <{{.}}>
            <password_sha256_hex>{{$.Hash}}</password_sha256_hex>
            <profile>{{.}}</profile>
            <quota>default</quota>
            <networks><ip>::1</ip><ip>127.0.0.1</ip></networks>
            <allow_databases><database>aires_e2e</database></allow_databases>
        </{{.}}>
{{end}}    </users>` + quotasXML + `
</yandex>
`

// TestCLIReadOnlyUser: the read-only user the README recommends for the
// CLI can search, with the limits the CLI sets per query, and can neither
// write, nor drop, nor read another database; with readonly = 1 those
// limits do not hold.
func TestCLIReadOnlyUser(t *testing.T) {
	cli := cliBinary(t)
	password := secret(t, "reader-")
	sum := sha256.Sum256([]byte(password))
	ch := startClickHouseWithUsers(t, readerUsersXML, map[string]any{
		"Hash": hex.EncodeToString(sum[:]), "Readers": []string{"aires_reader", "strict_reader"},
	})
	admin := ch.DB(t)
	col := startCollector(t, collectorBinary(t), collectorSettings{
		AiresPort: freePort(t), OTLPPort: freePort(t), HealthPort: freePort(t),
		ClickHouse: ch.Endpoint(), Database: "aires_e2e", QueueSize: 100000,
	})

	client, err := aires.New(aires.Config{Endpoint: col.airesTarget(), Service: "reader-svc"})
	require.NoError(t, err)
	defer func() { _ = client.Shutdown(context.Background()) }()
	client.Warn("disk almost full", aires.String("disk", "sda"))
	require.NoError(t, client.Flush(ctxTimeout(t, 10*time.Second)))
	waitCount(t, admin, 1, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	_, err = admin.Exec(`CREATE DATABASE other`)
	require.NoError(t, err)
	_, err = admin.Exec(`CREATE TABLE other.t (x UInt8) ENGINE = Memory`)
	require.NoError(t, err)

	search := func(user string) (stdout []byte, stderr string, err error) {
		cmd := exec.Command(cli, "search", "--json", "--endpoint", ch.Endpoint(), "--database", "aires_e2e", "--username", user, "disk")
		cmd.Env = append(os.Environ(), "AIRES_CLICKHOUSE_PASSWORD="+password)
		var errOut bytes.Buffer
		cmd.Stderr = &errOut
		out, err := cmd.Output()
		return out, errOut.String(), err
	}

	out, stderr, err := search("aires_reader")
	require.NoError(t, err, "stderr: %s", stderr)
	evs := parseJSONLines(t, out)
	require.Len(t, evs, 1)
	assert.Equal(t, "disk almost full", evs[0].Message)

	// The limits the CLI sends with each query (max_execution_time,
	// max_result_rows) hold for aires_reader; readonly = 1 does not let them
	// through: ClickHouse 18.16 drops them without a word (the query runs
	// without its time limit), newer servers refuse the query.
	openAs := func(user string) *sql.DB {
		opts := ch.Options()
		opts.Auth = clickhouse.Auth{Username: user, Password: password}
		db := clickhouse.OpenDB(opts)
		t.Cleanup(func() { _ = db.Close() })
		return db
	}
	limited := clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{"max_execution_time": 7}))
	timeLimit := func(db *sql.DB) (string, error) {
		var v string
		err := db.QueryRowContext(limited, `SELECT value FROM system.settings WHERE name = 'max_execution_time'`).Scan(&v)
		return v, err
	}
	reader := openAs("aires_reader")
	v, err := timeLimit(reader)
	require.NoError(t, err)
	assert.Equal(t, "7", v, "readonly = 2 lets the CLI's limits through")
	v, err = timeLimit(openAs("strict_reader"))
	if err == nil {
		assert.NotEqual(t, "7", v, "readonly = 1 applied a query's setting")
	} else {
		assert.ErrorContains(t, err, "readonly")
	}
	t.Logf("readonly = 1: max_execution_time %q, error %v", v, err)
	var n uint64
	require.NoError(t, reader.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n))
	assert.Equal(t, uint64(1), n)
	for _, stmt := range []string{
		`INSERT INTO aires_e2e.events (service, message) VALUES ('x', 'forged')`,
		`ALTER TABLE aires_e2e.events DELETE WHERE 1`,
		`DROP TABLE aires_e2e.events`,
		`CREATE TABLE aires_e2e.t (x UInt8) ENGINE = Memory`,
	} {
		_, err := reader.Exec(stmt)
		assert.ErrorContains(t, err, "readonly", "%s", stmt)
	}
	_, err = reader.Query(`SELECT x FROM other.t`)
	assert.ErrorContains(t, err, "Access denied", "another database")
	require.NoError(t, admin.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n))
	assert.Equal(t, uint64(1), n, "the table is untouched")
}
