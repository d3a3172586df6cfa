package airesclickhouseexporter

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/exporter/airesclickhouseexporter/internal/metadata"
	"github.com/aires-dev/aires/internal/chtest"
	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/internal/schema"
)

// testConfig is a config for srv with the queue and retries off, so
// ConsumeLogs returns the insert's own error.
func testConfig(endpoint string, mutate ...func(*Config)) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Endpoint = endpoint
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.BackOffConfig.Enabled = false
	cfg.DialTimeout = 5 * time.Second
	for _, m := range mutate {
		m(cfg)
	}
	return cfg
}

func startExporter(t *testing.T, cfg *Config) exporter.Logs {
	t.Helper()
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return exp
}

// testLogs holds one fully populated record and one nearly empty one.
func testLogs() plog.Logs {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	res := rl.Resource().Attributes()
	res.PutStr("service.name", "checkout")
	res.PutStr("deployment.environment.name", "prod")
	res.PutStr("service.version", "1.4.2")
	res.PutStr("host.name", "web-1")
	res.PutStr("k8s.pod.name", "web-1-abc")
	lrs := rl.ScopeLogs().AppendEmpty().LogRecords()

	lr := lrs.AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(1_764_200_000_123_456_789))
	lr.SetSeverityNumber(plog.SeverityNumberError)
	lr.Body().SetStr("commande passée ✓")
	lr.SetTraceID(pcommon.TraceID{0x0a, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 0xff})
	lr.SetSpanID(pcommon.SpanID{0xab, 1, 2, 3, 4, 5, 6, 7})
	a := lr.Attributes()
	a.PutStr("log.record.uid", "0192f3a4-5b6c-7d8e-9f01-23456789abcd")
	a.PutStr("session.id", "sess-1")
	a.PutStr("user.id", "user-9")
	a.PutStr("http.request.method", "POST")
	a.PutStr("http.route", "/orders/{id}")
	a.PutStr("url.path", "/orders/42")
	a.PutStr("url.full", "https://shop.example/orders/42?x=1")
	a.PutInt("http.response.status_code", 502)
	a.PutDouble("aires.http.duration_ms", 12.5)
	a.PutInt("http.request.body.size", 120)
	a.PutInt("http.response.body.size", 3400)
	a.PutStr("user_agent.original", "curl/8.0")
	a.PutStr("client.address", "10.1.2.3")
	a.PutStr("exception.type", "*net.OpError")
	a.PutStr("exception.message", "connection refused")
	a.PutStr("exception.stacktrace", "main.go:12\nhttp.go:99")
	tags := a.PutEmptySlice("aires.tags")
	tags.AppendEmpty().SetStr("beta")
	tags.AppendEmpty().SetStr("eu")
	a.PutStr("order.id", "A-1")
	a.PutInt("order.items", 3)
	a.PutInt("order.big", -9_000_000_000)
	a.PutDouble("order.total", 99.95)
	a.PutBool("order.gift", true)
	a.PutBool("order.express", false)

	lr = lrs.AppendEmpty()
	lr.SetTimestamp(pcommon.Timestamp(1_764_200_001_000_000_000))
	lr.SetSeverityNumber(plog.SeverityNumberInfo)
	lr.Body().SetStr("plain")
	return ld
}

// storedRow is what SELECT returns for one row.
type storedRow struct {
	ID                                       string
	Timestamp                                time.Time
	TimestampNs                              uint64
	Service, Environment, Release, Host      string
	Severity                                 string
	Message, TraceID, SpanID, SessionID      string
	UserID                                   string
	Tags, StrKeys, StrValues, IntKeys        []string
	IntValues                                []int64
	FloatKeys                                []string
	FloatValues                              []float64
	BoolKeys                                 []string
	BoolValues                               []uint8
	ResourceKeys, ResourceValues             []string
	HTTPMethod, HTTPRoute, HTTPPath, HTTPURL string
	HTTPStatus                               uint16
	HTTPDurationMs                           float64
	HTTPRequestSize, HTTPResponseSize        int64
	HTTPUserAgent, HTTPClientIP              string
	ErrorType, ErrorMessage, ErrorStack      string
}

func selectRows(t *testing.T, db *sql.DB, where string) []storedRow {
	t.Helper()
	q := "SELECT toString(id), timestamp, timestamp_ns, service, environment, release, host, toString(severity), message, " +
		"trace_id, span_id, session_id, user_id, tags, attr_str_keys, attr_str_values, attr_int_keys, attr_int_values, " +
		"attr_float_keys, attr_float_values, attr_bool_keys, attr_bool_values, resource_keys, resource_values, " +
		"http_method, http_route, http_path, http_url, http_status, http_duration_ms, http_request_size, http_response_size, " +
		"http_user_agent, http_client_ip, error_type, error_message, error_stack FROM aires.events " + where + " ORDER BY timestamp_ns"
	rows, err := db.Query(q)
	require.NoError(t, err)
	defer rows.Close()
	var out []storedRow
	for rows.Next() {
		var r storedRow
		require.NoError(t, rows.Scan(&r.ID, &r.Timestamp, &r.TimestampNs, &r.Service, &r.Environment, &r.Release, &r.Host,
			&r.Severity, &r.Message, &r.TraceID, &r.SpanID, &r.SessionID, &r.UserID, &r.Tags, &r.StrKeys, &r.StrValues,
			&r.IntKeys, &r.IntValues, &r.FloatKeys, &r.FloatValues, &r.BoolKeys, &r.BoolValues, &r.ResourceKeys,
			&r.ResourceValues, &r.HTTPMethod, &r.HTTPRoute, &r.HTTPPath, &r.HTTPURL, &r.HTTPStatus, &r.HTTPDurationMs,
			&r.HTTPRequestSize, &r.HTTPResponseSize, &r.HTTPUserAgent, &r.HTTPClientIP, &r.ErrorType, &r.ErrorMessage,
			&r.ErrorStack))
		out = append(out, r)
	}
	require.NoError(t, rows.Err())
	return out
}

func TestClickHouse(t *testing.T) {
	srv := chtest.Start(t)
	db := srv.DB(t)

	t.Run("schema on the real server", func(t *testing.T) {
		var version string
		require.NoError(t, db.QueryRow("SELECT version()").Scan(&version))
		v, err := schema.ParseVersion(version)
		require.NoError(t, err)
		tbl := schema.Table{Database: "ddl_check", Name: "events"}
		// The whole DDL of this server (the golden file's statements),
		// retention included; twice: IF NOT EXISTS makes it harmless.
		sch := schema.Schema{Table: tbl, Caps: schema.CapabilitiesOf(v), Retention: 30 * 24 * time.Hour}
		for range 2 {
			for _, stmt := range sch.Statements() {
				_, err = db.Exec(stmt)
				require.NoError(t, err, "DDL for %s:\n%s", v, stmt)
			}
		}
		tables := strings1(t, db, "SELECT name FROM system.tables WHERE database = 'ddl_check' ORDER BY name")
		assert.Equal(t, []string{"events", "events_errors_1m", "events_errors_1m_mv", "events_http_1m", "events_http_1m_mv", "events_traces", "events_traces_mv", "schema_migrations"}, tables)

		rows, err := db.Query("SELECT name, type FROM system.columns WHERE database = 'ddl_check' AND table = 'events' AND default_kind != 'ALIAS' ORDER BY position")
		if err != nil { // 18.16's system.columns has no position column
			rows, err = db.Query("SELECT name, type FROM system.columns WHERE database = 'ddl_check' AND table = 'events' AND default_kind != 'ALIAS'")
		}
		require.NoError(t, err)
		defer rows.Close()
		var got []string
		for rows.Next() {
			var name, typ string
			require.NoError(t, rows.Scan(&name, &typ))
			got = append(got, name)
		}
		require.NoError(t, rows.Err())
		var want []string
		for _, c := range schema.Columns {
			want = append(want, c.Name)
		}
		assert.Equal(t, want, got)

		var engine, partition, sorting string
		require.NoError(t, db.QueryRow("SELECT engine, partition_key, sorting_key FROM system.tables WHERE database = 'ddl_check' AND name = 'events'").
			Scan(&engine, &partition, &sorting))
		assert.Equal(t, "MergeTree", engine)
		assert.Equal(t, "toDate(timestamp)", partition)
		assert.Equal(t, "service, severity, timestamp", sorting)
	})

	t.Run("insert and read back every column", func(t *testing.T) {
		exp := startExporter(t, testConfig(srv.Endpoint()))
		ld := testLogs()
		require.NoError(t, exp.ConsumeLogs(context.Background(), copyLogs(ld)))

		got := selectRows(t, db, "")
		require.Len(t, got, 2)
		var first row.Row
		rl := ld.ResourceLogs().At(0)
		row.NewBuilder(row.Limits{}).Build(rl.Resource(), rl.ScopeLogs().At(0).LogRecords().At(0), &first)

		want := storedRow{
			ID:          "0192f3a4-5b6c-7d8e-9f01-23456789abcd",
			Timestamp:   time.Unix(1_764_200_000, 0),
			TimestampNs: 1_764_200_000_123_456_789,
			Service:     "checkout", Environment: "prod", Release: "1.4.2", Host: "web-1",
			Severity: "error", Message: "commande passée ✓",
			TraceID: "0a0102030405060708090a0b0c0d0eff", SpanID: "ab01020304050607",
			SessionID: "sess-1", UserID: "user-9",
			Tags:    []string{"beta", "eu"},
			StrKeys: first.StrKeys, StrValues: first.StrValues,
			IntKeys: first.IntKeys, IntValues: first.IntValues,
			FloatKeys: []string{"order.total"}, FloatValues: []float64{99.95},
			BoolKeys: []string{"order.gift", "order.express"}, BoolValues: []uint8{1, 0},
			ResourceKeys: []string{"k8s.pod.name"}, ResourceValues: []string{"web-1-abc"},
			HTTPMethod: "POST", HTTPRoute: "/orders/{id}", HTTPPath: "/orders/42", HTTPURL: "https://shop.example/orders/42?x=1",
			HTTPStatus: 502, HTTPDurationMs: 12.5, HTTPRequestSize: 120, HTTPResponseSize: 3400,
			HTTPUserAgent: "curl/8.0", HTTPClientIP: "10.1.2.3",
			ErrorType: "*net.OpError", ErrorMessage: "connection refused", ErrorStack: "main.go:12\nhttp.go:99",
		}
		assert.Equal(t, []string{"order.id"}, first.StrKeys)
		assert.Equal(t, []string{"order.items", "order.big"}, first.IntKeys)
		assert.Equal(t, []int64{3, -9_000_000_000}, first.IntValues)
		got[0].Timestamp = got[0].Timestamp.Local()
		want.Timestamp = want.Timestamp.Local()
		assert.Equal(t, want, got[0])

		assert.Equal(t, "info", got[1].Severity)
		assert.Equal(t, "plain", got[1].Message)
		assert.Empty(t, got[1].Tags)
		assert.Empty(t, got[1].IntValues)
		assert.Equal(t, "checkout", got[1].Service)

		// Typed attributes are queryable as their types, severity by name.
		var total float64
		require.NoError(t, db.QueryRow(
			"SELECT attr_float_values[indexOf(attr_float_keys, 'order.total')] FROM aires.events WHERE severity = 'error'").Scan(&total))
		assert.Equal(t, 99.95, total)
		var n uint64
		require.NoError(t, db.QueryRow(
			"SELECT count() FROM aires.events WHERE severity = 'error' AND attr_int_values[indexOf(attr_int_keys, 'order.items')] > 2").Scan(&n))
		assert.Equal(t, uint64(1), n)

		// The same request sent again has the same rows with the same ids.
		require.NoError(t, exp.ConsumeLogs(context.Background(), copyLogs(ld)))
		again := selectRows(t, db, "")
		require.Len(t, again, 4)
		assert.Equal(t, again[0].ID, again[1].ID)
		assert.Equal(t, again[2].ID, again[3].ID)
		_, err := db.Exec("TRUNCATE TABLE aires.events")
		require.NoError(t, err)
	})

	t.Run("every compression", func(t *testing.T) {
		// auto is none to this loopback server: the others are asked for.
		for _, comp := range compressions {
			table := "compressed_" + comp
			e := rawExporter(t, testConfig(srv.Endpoint(), func(c *Config) {
				c.Table, c.Compression = table, comp
			}))
			require.NoError(t, e.pushLogs(context.Background(), testLogs()))
			want := map[string]string{"auto": "none"}[comp]
			if want == "" {
				want = comp
			}
			assert.Equal(t, want, e.compression.String(), comp)
			msgs := strings1(t, db, "SELECT message FROM aires."+table+" ORDER BY message")
			assert.Equal(t, []string{"commande passée ✓", "plain"}, msgs, comp)
		}
	})

	t.Run("default queue and batching", func(t *testing.T) {
		cfg := createDefaultConfig().(*Config)
		cfg.Endpoint = srv.Endpoint()
		cfg.Table = "queued"
		exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
		require.NoError(t, err)
		require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
		for range 3 {
			require.NoError(t, exp.ConsumeLogs(context.Background(), testLogs()))
		}
		// Shutdown flushes the batch that is still below min_size.
		require.NoError(t, exp.Shutdown(context.Background()))
		var n uint64
		require.NoError(t, db.QueryRow("SELECT count() FROM aires.queued").Scan(&n))
		assert.Equal(t, uint64(6), n)
	})

	t.Run("LowCardinality columns", func(t *testing.T) {
		// 18.16 has LowCardinality behind a setting: enough to check the
		// canonical-pointer path the exporter uses for those columns on
		// modern servers.
		conn, err := clickhouse.Open(srv.Options())
		require.NoError(t, err)
		defer conn.Close()
		ctx := clickhouse.Context(context.Background(), clickhouse.WithSettings(clickhouse.Settings{"allow_experimental_low_cardinality_type": 1}))
		ddl := schema.CreateTable(schema.Table{Database: "aires", Name: "lc"}, schema.Capabilities{LowCardinality: true})
		require.NoError(t, conn.Exec(ctx, ddl))

		exp := startExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.Table = "lc"; c.CreateSchema = false }))
		ld := plog.NewLogs()
		for _, svc := range []string{"a", "b", "a", "c", "b", "a"} {
			rl := ld.ResourceLogs().AppendEmpty()
			rl.Resource().Attributes().PutStr("service.name", svc)
			lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
			lr.SetTimestamp(pcommon.Timestamp(1_764_200_000_000_000_000 + ld.LogRecordCount()))
			lr.Attributes().PutStr("http.request.method", "GET")
		}
		require.NoError(t, exp.ConsumeLogs(context.Background(), ld))
		var services []string
		rows, err := db.Query("SELECT toString(service) FROM aires.lc WHERE http_method = 'GET' ORDER BY timestamp_ns")
		require.NoError(t, err)
		defer rows.Close()
		for rows.Next() {
			var s string
			require.NoError(t, rows.Scan(&s))
			services = append(services, s)
		}
		require.NoError(t, rows.Err())
		assert.Equal(t, []string{"a", "b", "a", "c", "b", "a"}, services)
	})

	t.Run("type mismatch is permanent", func(t *testing.T) {
		// A table whose severity column is an array: the driver refuses the
		// Enum8 values, and retrying cannot help.
		_, err := db.Exec("CREATE TABLE IF NOT EXISTS aires.wrong (" + wrongColumns() + ") ENGINE = MergeTree() ORDER BY tuple()")
		require.NoError(t, err)
		exp := startExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.Table = "wrong"; c.CreateSchema = false }))
		err = exp.ConsumeLogs(context.Background(), testLogs())
		require.Error(t, err)
		assert.True(t, consumererror.IsPermanent(err), "want permanent, got %v", err)
	})

	t.Run("unknown table is permanent", func(t *testing.T) {
		exp := startExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.Table = "missing"; c.CreateSchema = false }))
		err := exp.ConsumeLogs(context.Background(), testLogs())
		require.Error(t, err)
		assert.True(t, consumererror.IsPermanent(err), "want permanent, got %v", err)
		assert.Contains(t, err.Error(), "UNKNOWN_TABLE")
	})
}

// wrongColumns is the Aires column list with severity as Array(UInt64)
// instead of an Enum8.
func wrongColumns() string {
	s := ""
	for i, c := range schema.Columns {
		typ := c.Type
		if c.Name == "severity" {
			typ = "Array(UInt64)"
		}
		if i > 0 {
			s += ", "
		}
		s += fmt.Sprintf("`%s` %s", c.Name, typ)
	}
	return s
}

func TestServerStoppedIsRetryable(t *testing.T) {
	srv := chtest.Start(t)
	exp := startExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.TimeoutConfig.Timeout = 3 * time.Second }))
	require.NoError(t, exp.ConsumeLogs(context.Background(), testLogs()))

	require.NoError(t, srv.Stop())
	err := exp.ConsumeLogs(context.Background(), testLogs())
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err), "want retryable, got %v", err)

	// Once the server is back, the same data goes through.
	require.NoError(t, srv.Restart())
	require.Eventually(t, func() bool {
		return exp.ConsumeLogs(context.Background(), testLogs()) == nil
	}, 20*time.Second, 200*time.Millisecond)
}

// A ClickHouse that is down at start does not stop the collector: the
// exporter starts, refuses batches with a retryable error (the queue keeps
// them), connects and creates the schema once the server is up.
func TestStartWithClickHouseDown(t *testing.T) {
	srv := chtest.Start(t)
	require.NoError(t, srv.Stop())
	exp := startExporter(t, testConfig(srv.Endpoint(), func(c *Config) { c.DialTimeout = time.Second }))

	err := exp.ConsumeLogs(context.Background(), testLogs())
	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err), "want retryable, got %v", err)
	assert.Contains(t, err.Error(), "not connected to ClickHouse yet")

	require.NoError(t, srv.Restart())
	require.Eventually(t, func() bool {
		return exp.ConsumeLogs(context.Background(), testLogs()) == nil
	}, 30*time.Second, 200*time.Millisecond, "the exporter never connected after the server came up")
	var n uint64
	require.NoError(t, srv.DB(t).QueryRow("SELECT count() FROM aires.events").Scan(&n))
	assert.Equal(t, uint64(testLogs().LogRecordCount()), n)
}

// A server that answers with an error (here: a wrong password) is a
// configuration problem: start fails and says what to check.
func TestStartFailsClearly(t *testing.T) {
	srv := chtest.Start(t)
	cfg := testConfig(srv.Endpoint(), func(c *Config) { c.Password = "wrong" })
	exp, err := NewFactory().CreateLogs(context.Background(), exportertest.NewNopSettings(metadata.Type), cfg)
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cannot reach ClickHouse at "+srv.Endpoint())
	assert.Contains(t, err.Error(), "check endpoint, username, password")
	require.NoError(t, exp.Shutdown(context.Background()))
}
