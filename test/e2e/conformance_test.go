package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/chtest"
	aires "github.com/aires-dev/aires/sdk"
)

// The conformance test: every SDK sends the events of
// testdata/conformance.json through the same ocb-built collector into the
// same ClickHouse, and the rows must be identical column by column (ids and
// call timestamps aside). The Go SDK's rows are the reference; each other
// SDK has a driver (testdata/<language>_driver.*) that reads the same file.

// confText is a string given as is or as {"repeat": s, "times": n}.
type confText string

func (t *confText) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*t = confText(s)
		return nil
	}
	var r struct {
		Repeat string `json:"repeat"`
		Times  int    `json:"times"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("a conformance string is a JSON string or {repeat, times}: %w", err)
	}
	*t = confText(strings.Repeat(r.Repeat, r.Times))
	return nil
}

// confInts is a list of integers or {"range": n} (0..n-1).
type confInts []int64

func (l *confInts) UnmarshalJSON(b []byte) error {
	var xs []int64
	if err := json.Unmarshal(b, &xs); err == nil {
		*l = xs
		return nil
	}
	var r struct {
		Range int `json:"range"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("ints are a list or {range}: %w", err)
	}
	for i := range r.Range {
		*l = append(*l, int64(i))
	}
	return nil
}

type confAttr struct {
	Key     confText   `json:"key"`
	String  *confText  `json:"string"`
	Int     *int64     `json:"int"`
	Double  *float64   `json:"double"`
	Bool    *bool      `json:"bool"`
	Strings []confText `json:"strings"`
	Ints    confInts   `json:"ints"`
	Doubles []float64  `json:"doubles"`
	Bools   []bool     `json:"bools"`
	Group   []confAttr `json:"group"`
}

type confHTTP struct {
	Method, Route, Path, URL confText
	StatusCode               int      `json:"status_code"`
	DurationMs               float64  `json:"duration_ms"`
	RequestSize              int64    `json:"request_size"`
	ResponseSize             int64    `json:"response_size"`
	UserAgent                confText `json:"user_agent"`
	ClientAddress            confText `json:"client_address"`
}

type confError struct {
	Native               bool
	Type, Message, Stack confText
}

type confEvent struct {
	Severity                      string
	Message                       confText
	TimestampNs                   int64    `json:"timestamp_ns"`
	TraceID                       confText `json:"trace_id"`
	SpanID                        confText `json:"span_id"`
	SessionID                     confText `json:"session_id"`
	UserID                        confText `json:"user_id"`
	Service, Environment, Release confText
	Tags                          []confText
	Attributes                    []confAttr
	ExtraIntAttributes            int `json:"extra_int_attributes"`
	HTTP                          *confHTTP
	Error                         *confError
}

type conformance struct {
	Resource struct {
		Service, Environment, Release, Host confText
		Attributes                          []confAttr
	}
	Events []confEvent
}

func loadConformance(t *testing.T) *conformance {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "conformance.json"))
	require.NoError(t, err)
	var c conformance
	require.NoError(t, json.Unmarshal(b, &c), "testdata/conformance.json")
	return &c
}

func (a confAttr) option() aires.Option {
	k := string(a.Key)
	switch {
	case a.String != nil:
		return aires.String(k, string(*a.String))
	case a.Int != nil:
		return aires.Int64(k, *a.Int)
	case a.Double != nil:
		return aires.Float64(k, *a.Double)
	case a.Bool != nil:
		return aires.Bool(k, *a.Bool)
	case a.Strings != nil:
		ss := make([]string, len(a.Strings))
		for i, s := range a.Strings {
			ss[i] = string(s)
		}
		return aires.Strings(k, ss)
	case a.Ints != nil:
		return aires.Int64s(k, a.Ints)
	case a.Doubles != nil:
		return aires.Float64s(k, a.Doubles)
	case a.Bools != nil:
		return aires.Bools(k, a.Bools)
	case a.Group != nil:
		return aires.Group(k, attrOptions(a.Group)...)
	}
	panic("conformance attribute without a value: " + k)
}

func attrOptions(as []confAttr) []aires.Option {
	out := make([]aires.Option, len(as))
	for i, a := range as {
		out[i] = a.option()
	}
	return out
}

var confSeverities = map[string]aires.Severity{
	"trace": aires.SeverityTrace, "debug": aires.SeverityDebug, "info": aires.SeverityInfo,
	"warn": aires.SeverityWarn, "error": aires.SeverityError, "fatal": aires.SeverityFatal,
}

// sendGo is the Go SDK's conformance driver.
func sendGo(t *testing.T, spec *conformance, endpoint string) aires.Stats {
	t.Helper()
	r := spec.Resource
	client, err := aires.New(aires.Config{
		Endpoint: endpoint, Service: string(r.Service), Environment: string(r.Environment),
		Release: string(r.Release), Host: string(r.Host), ResourceAttributes: attrOptions(r.Attributes),
	})
	require.NoError(t, err)
	for _, ev := range spec.Events {
		opts := attrOptions(ev.Attributes)
		for i := range ev.ExtraIntAttributes {
			opts = append(opts, aires.Int(fmt.Sprintf("n%03d", i), i))
		}
		if ev.TraceID != "" {
			opts = append(opts, aires.WithTraceID(string(ev.TraceID)))
		}
		if ev.SpanID != "" {
			opts = append(opts, aires.WithSpanID(string(ev.SpanID)))
		}
		for _, o := range []struct {
			v confText
			f func(string) aires.Option
		}{{ev.SessionID, aires.WithSessionID}, {ev.UserID, aires.WithUserID}, {ev.Service, aires.WithService},
			{ev.Environment, aires.WithEnvironment}, {ev.Release, aires.WithRelease}} {
			if o.v != "" {
				opts = append(opts, o.f(string(o.v)))
			}
		}
		if ev.Tags != nil {
			tags := make([]string, len(ev.Tags))
			for i, s := range ev.Tags {
				tags[i] = string(s)
			}
			opts = append(opts, aires.WithTags(tags...))
		}
		if ev.TimestampNs != 0 {
			opts = append(opts, aires.WithTimestamp(time.Unix(0, ev.TimestampNs)))
		}
		if h := ev.HTTP; h != nil {
			opts = append(opts, aires.WithHTTP(aires.HTTP{
				Method: string(h.Method), Route: string(h.Route), Path: string(h.Path), URL: string(h.URL),
				StatusCode: h.StatusCode, Duration: time.Duration(h.DurationMs * float64(time.Millisecond)),
				RequestSize: h.RequestSize, ResponseSize: h.ResponseSize,
				UserAgent: string(h.UserAgent), ClientAddress: string(h.ClientAddress),
			}))
		}
		if e := ev.Error; e != nil && e.Native {
			opts = append(opts, aires.WithError(errors.New(string(e.Message))))
		} else if e != nil {
			opts = append(opts, aires.WithErrorInfo(string(e.Type), string(e.Message), string(e.Stack)))
		}
		sev, ok := confSeverities[ev.Severity]
		require.True(t, ok, "unknown severity %q", ev.Severity)
		client.Log(sev, string(ev.Message), opts...)
	}
	require.NoError(t, client.Shutdown(ctxTimeout(t, 30*time.Second)))
	return client.Stats()
}

// driverStats is what a driver process prints.
type driverStats struct {
	DeliveredInTime bool `json:"delivered_in_time"`
	Enqueued, Sent  uint64
	Dropped, Failed uint64
}

// pythonCommand finds Debian's python3 with grpcio (the SDK's test
// interpreter) or AIRES_PYTHON.
func pythonCommand(t *testing.T) string {
	t.Helper()
	py := os.Getenv("AIRES_PYTHON")
	if py == "" {
		py = "/usr/bin/python3"
		if _, err := os.Stat(py); err != nil {
			py = "python3"
		}
	}
	if out, err := exec.Command(py, "-c", "import grpc").CombinedOutput(); err != nil {
		chtest.FailOrSkip(t, "%s cannot import grpc (apt-get install -y python3-grpcio python3-protobuf): %v\n%s", py, err, out)
	}
	return py
}

func sendPython(t *testing.T, endpoint string) driverStats {
	t.Helper()
	py := pythonCommand(t)
	root, err := chtest.RepoRoot()
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, filepath.Join("testdata", "python_driver.py"),
		filepath.Join("testdata", "conformance.json"), endpoint)
	cmd.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(root, "sdk-python", "src"))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "python driver: %s", stderr.String())
	var st driverStats
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &st), "python driver output %q", stdout.String())
	return st
}

// rowsNotIn reads every row whose id is not in seen, by message.
func rowsNotIn(t *testing.T, e *env, seen map[string]bool) map[string]storedEvent {
	t.Helper()
	rows, err := e.db.Query(`SELECT toString(id) FROM aires_e2e.events`)
	require.NoError(t, err)
	var ids []string
	for rows.Next() {
		var id string
		require.NoError(t, rows.Scan(&id))
		if !seen[id] {
			ids = append(ids, id)
		}
	}
	require.NoError(t, rows.Err())
	require.NoError(t, rows.Close())
	out := map[string]storedEvent{}
	for _, id := range ids {
		ev := readEvent(t, e.db, id)
		_, dup := out[ev.Message]
		require.False(t, dup, "conformance messages must be unique: %.60q", ev.Message)
		out[ev.Message] = ev
		seen[id] = true
	}
	return out
}

func TestConformanceAcrossSDKs(t *testing.T) {
	spec := loadConformance(t)
	e := newEnv(t, nil)
	n := uint64(len(spec.Events))
	seen := map[string]bool{}

	st := sendGo(t, spec, e.col.airesTarget())
	require.Equal(t, aires.Stats{Enqueued: n, Sent: n}, st)
	waitCount(t, e.db, n, 15*time.Second, `SELECT count() FROM aires_e2e.events`)
	want := rowsNotIn(t, e, seen)
	require.Len(t, want, int(n))
	checkConformanceReference(t, spec, want)

	for _, sdk := range []struct {
		name string
		send func(*testing.T, string) driverStats
	}{{"python", sendPython}} {
		t.Run(sdk.name, func(t *testing.T) {
			ds := sdk.send(t, e.col.airesTarget())
			require.Equal(t, driverStats{DeliveredInTime: true, Enqueued: n, Sent: n}, ds)
			waitCount(t, e.db, n*2, 15*time.Second, `SELECT count() FROM aires_e2e.events`)
			got := rowsNotIn(t, e, seen)
			compareRows(t, spec, want, got)
		})
	}
}

// checkConformanceReference pins a few stored values of the Go SDK's rows, so
// that the reference itself is known good (the limits especially).
func checkConformanceReference(t *testing.T, spec *conformance, rows map[string]storedEvent) {
	t.Helper()
	full := rows[string(spec.Events[0].Message)]
	assert.Equal(t, "payments", full.Service)
	assert.Equal(t, "conformance-host", full.Host)
	assert.Equal(t, uint64(1764500000123456789), full.TimestampNs)
	assert.Equal(t, []string{"k8s.pod.name", "k8s.replicas"}, full.ResourceKeys)
	assert.Contains(t, full.StrKeys, "customer.address.city")
	limits := rows[cutUTF8(strings.Repeat("limits é ", 5000), aires.MaxMessageBytes)]
	assert.Equal(t, aires.MaxMessageBytes-1, len(limits.Message), "message cut at 32 KiB, before the é it would split")
	assert.Len(t, limits.Tags, aires.MaxTags)
	native := rows["native error"]
	assert.Equal(t, "root cause", native.ErrorMessage)
	assert.NotEmpty(t, native.ErrorStack)
}

// compareRows wants the same rows from another SDK as from the Go SDK,
// column by column, except ids, call timestamps and the language's own
// error type and stack of a native error.
func compareRows(t *testing.T, spec *conformance, want, got map[string]storedEvent) {
	t.Helper()
	msgs := make([]string, 0, len(want))
	for m := range want {
		msgs = append(msgs, m)
	}
	sort.Strings(msgs)
	gotMsgs := make([]string, 0, len(got))
	for m := range got {
		gotMsgs = append(gotMsgs, m)
	}
	sort.Strings(gotMsgs)
	require.Equal(t, msgs, gotMsgs, "the same messages")
	explicitTS := map[string]bool{}
	native := map[string]bool{}
	for _, ev := range spec.Events {
		m := cutUTF8(string(ev.Message), aires.MaxMessageBytes)
		explicitTS[m] = ev.TimestampNs != 0
		native[m] = ev.Error != nil && ev.Error.Native
	}
	for _, m := range msgs {
		w, g := want[m], got[m]
		w.ID, g.ID = "", ""
		w.Timestamp, g.Timestamp = time.Time{}, time.Time{}
		if !explicitTS[m] {
			w.TimestampNs, g.TimestampNs = 0, 0
		}
		if native[m] {
			assert.NotEmpty(t, g.ErrorType, "%.40q: error type", m)
			assert.NotEmpty(t, g.ErrorStack, "%.40q: error stack", m)
			w.ErrorType, g.ErrorType, w.ErrorStack, g.ErrorStack = "", "", "", ""
		}
		assert.Equal(t, w, g, "row of %.60q", m)
	}
}

// cutUTF8 is s truncated to n bytes on a character boundary, as the SDKs
// truncate.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}
