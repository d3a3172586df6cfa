package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	aires "github.com/aires-dev/aires/sdk"

	"github.com/aires-dev/aires/internal/collectortest"
)

// cliBinary finds the aires CLI that make build puts next to the collector.
func cliBinary(tb testing.TB) string {
	tb.Helper()
	return collectortest.Built(tb, "AIRES_CLI", "build", "aires")
}

// cliEvent is what --json prints, the fields the tests look at.
type cliEvent struct {
	ID         string         `json:"id"`
	Service    string         `json:"service"`
	Severity   string         `json:"severity"`
	Message    string         `json:"message"`
	TraceID    string         `json:"trace_id"`
	SessionID  string         `json:"session_id"`
	UserID     string         `json:"user_id"`
	HTTPStatus int            `json:"http_status"`
	Attributes map[string]any `json:"attributes"`
}

func parseJSONLines(t *testing.T, out []byte) []cliEvent {
	t.Helper()
	var evs []cliEvent
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var e cliEvent
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e), "line %q", sc.Text())
		evs = append(evs, e)
	}
	return evs
}

// TestCLISearch: aires search finds fixed events by text, trace, session,
// user, severity and --where, against the ocb-built collector and a real
// ClickHouse; injection attempts in every field find nothing or fail with
// a clear error, never a changed query.
func TestCLISearch(t *testing.T) {
	cli := cliBinary(t)
	e := newEnv(t, nil)
	client, err := aires.New(aires.Config{Endpoint: e.col.airesTarget(), Service: "cli-svc", Environment: "qa"})
	require.NoError(t, err)
	defer func() { _ = client.Shutdown(context.Background()) }()
	const odd = `it's a "quoted" -- message; with \ backslash and ünïcödé`
	client.Error("payment failed for order 17", aires.WithTraceID("4bf92f3577b34da6a3ce929d0e0e4736"),
		aires.WithSessionID("sess-1"), aires.WithUserID("user-1"), aires.String("order.id", "A-17"),
		aires.WithHTTP(aires.HTTP{Method: "POST", Route: "/pay", StatusCode: 500, Duration: 12 * time.Millisecond}))
	client.Info("order placed", aires.WithTraceID("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"), aires.WithSessionID("sess-2"), aires.WithUserID("user-2"))
	client.Info(odd, aires.WithSessionID("sess-2"))
	client.Debug("heartbeat", aires.WithService("other-svc"))
	require.NoError(t, client.Flush(ctxTimeout(t, 10*time.Second)))
	waitCount(t, e.db, 4, 10*time.Second, `SELECT count() FROM aires_e2e.events`)

	base := []string{"search", "--json", "--endpoint", e.ch.Endpoint(), "--database", "aires_e2e"}
	tests := []struct {
		name    string
		args    []string
		want    []string // messages, newest first
		wantErr string
	}{
		{name: "text", args: []string{"PAYMENT"}, want: []string{"payment failed for order 17"}},
		{name: "text after flags and before them", args: []string{"order", "--service", "cli-svc", "placed"}, want: []string{"order placed"}},
		{name: "trace", args: []string{"--trace", "4bf92f3577b34da6a3ce929d0e0e4736"}, want: []string{"payment failed for order 17"}},
		{name: "session", args: []string{"--session", "sess-2"}, want: []string{odd, "order placed"}},
		{name: "user", args: []string{"--user", "user-1"}, want: []string{"payment failed for order 17"}},
		{name: "severity", args: []string{"--severity", ">=warn"}, want: []string{"payment failed for order 17"}},
		{name: "where", args: []string{"--where", "http_status >= 500 and attr.order.id = 'A-17'"}, want: []string{"payment failed for order 17"}},
		{name: "service", args: []string{"--service", "other-svc"}, want: []string{"heartbeat"}},
		{name: "limit", args: []string{"--service", "cli-svc", "--limit", "1"}, want: []string{odd}},
		{name: "unicode and quotes", args: []string{odd}, want: []string{odd}},
		// Injection attempts: values, never SQL.
		{name: "text injection", args: []string{"' OR 1=1 --"}, want: nil},
		{name: "trace injection", args: []string{"--trace", "x' OR '1'='1"}, want: nil},
		{name: "session injection", args: []string{"--session", `sess-2\' OR 1=1; --`}, want: nil},
		{name: "where value injection", args: []string{"--where", `service = 'x\' OR 1=1 --'`}, want: nil},
		{name: "where column injection", args: []string{"--where", "1=1 or service = x"}, wantErr: `unknown column "1"`},
		{name: "where statement", args: []string{"--where", "service = x; DROP TABLE events"}, wantErr: `expected "and"`},
		{name: "severity injection", args: []string{"--severity", "info' OR 1=1"}, wantErr: "use one of trace"},
		{name: "database injection", args: []string{"--database", "aires_e2e`; DROP"}, wantErr: "use letters, digits and underscores"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmd := exec.Command(cli, append(append([]string{}, base...), tt.args...)...)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if tt.wantErr != "" {
				require.Error(t, err, "stdout %s", out)
				assert.Contains(t, stderr.String(), tt.wantErr)
				return
			}
			require.NoError(t, err, "stderr: %s", stderr.String())
			var got []string
			for _, ev := range parseJSONLines(t, out) {
				got = append(got, ev.Message)
			}
			assert.Equal(t, tt.want, got)
		})
	}
	var n uint64
	require.NoError(t, e.db.QueryRow(`SELECT count() FROM aires_e2e.events`).Scan(&n))
	assert.Equal(t, uint64(4), n, "the table is untouched")
	// The trace search went through the trace index, which has both traces.
	require.NoError(t, e.db.QueryRow(`SELECT toUInt64(sum(events)) FROM aires_e2e.events_traces WHERE trace_id = '4bf92f3577b34da6a3ce929d0e0e4736' AND service = 'cli-svc'`).Scan(&n))
	assert.Equal(t, uint64(1), n)

	// The readable form: one line per event with the key attributes.
	out, err := exec.Command(cli, "search", "--endpoint", e.ch.Endpoint(), "--database", "aires_e2e", "--trace", "4bf92f3577b34da6a3ce929d0e0e4736").Output()
	require.NoError(t, err)
	assert.Regexp(t, `^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z cli-svc ERROR payment failed for order 17 http="POST /pay 500 12ms" trace=4bf92f3577b34da6a3ce929d0e0e4736 session=sess-1 user=user-1 order.id=A-17\n$`, string(out))
}

// TestCLITail: aires tail shows an event sent after it started, and not the
// ones stored before. The delay is reported, not asserted (shared machine).
func TestCLITail(t *testing.T) {
	cli := cliBinary(t)
	e := newEnv(t, nil)
	client, err := aires.New(aires.Config{Endpoint: e.col.airesTarget(), Service: "tail-svc"})
	require.NoError(t, err)
	defer func() { _ = client.Shutdown(context.Background()) }()
	client.Info("before tail")
	require.NoError(t, client.Flush(ctxTimeout(t, 10*time.Second)))
	waitCount(t, e.db, 1, 10*time.Second, `SELECT count() FROM aires_e2e.events`)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "tail", "--json", "--endpoint", e.ch.Endpoint(), "--database", "aires_e2e",
		"--service", "tail-svc", "--severity", "info")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())
	lines := make(chan cliEvent, 16)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var ev cliEvent
			if json.Unmarshal(sc.Bytes(), &ev) == nil {
				lines <- ev
			}
		}
		close(lines)
	}()
	time.Sleep(time.Second) // let tail make its first polls
	sent := time.Now()
	client.Warn("after tail", aires.String("k", "v"))
	client.Debug("below the severity")
	require.NoError(t, client.Flush(ctxTimeout(t, 10*time.Second)))
	select {
	case ev, ok := <-lines:
		require.True(t, ok, "tail exited: %s", stderr.String())
		assert.Equal(t, "after tail", ev.Message, "the first line is the event sent after tail started")
		assert.Equal(t, "warn", ev.Severity)
		assert.Equal(t, "v", ev.Attributes["k"])
		t.Logf("tail showed the event %s after it was sent", time.Since(sent).Round(time.Millisecond))
	case <-time.After(30 * time.Second):
		t.Fatalf("tail showed nothing 30 s after the event was sent; stderr: %s", stderr.String())
	}
	select {
	case ev := <-lines:
		t.Fatalf("unexpected second line %+v", ev)
	case <-time.After(1500 * time.Millisecond):
	}
}
