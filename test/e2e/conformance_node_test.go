package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/chtest"
	aires "github.com/aires-dev/aires/sdk"
)

// The conformance test: every SDK sends the events of
// testdata/conformance.json (its schema is in its "description") to the
// ocb-built collector, each into its own database of one ClickHouse server;
// the rows must be identical column by column, ids and timestamps aside.
// The Go SDK's rows are the reference.

// conformanceFile is the event set of the Node SDK's conformance test, in
// the Node driver's format. The Go/Python test (conformance_test.go) has
// its own, testdata/conformance.json: the two sets are to become one, read
// by every driver.
const conformanceFile = "testdata/conformance_node.json"

// Columns that differ by nature between two sends of the same event.
var conformanceSkip = map[string]bool{"id": true, "timestamp": true, "timestamp_ns": true}

// kv is one member of a JSON object, in the file's order.
type kv struct {
	Key   string
	Value any
}

// decodeOrdered reads one JSON value, objects as []kv in their order and
// numbers as json.Number (an integer literal is an int attribute, one with a
// fraction or exponent a float: the rule of the file's schema).
func decodeOrdered(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '{':
			var obj []kv
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				obj = append(obj, kv{k.(string), v})
			}
			_, err := dec.Token()
			return obj, err
		case '[':
			var arr []any
			for dec.More() {
				v, err := decodeOrdered(dec)
				if err != nil {
					return nil, err
				}
				arr = append(arr, v)
			}
			_, err := dec.Token()
			return arr, err
		}
	}
	return tok, nil
}

func confField(obj any, key string) any {
	o, _ := obj.([]kv)
	for _, m := range o {
		if m.Key == key {
			return m.Value
		}
	}
	return nil
}

var repeatRe = regexp.MustCompile(`(?s)^\$\{repeat (\d+)\}(.*)$`)

// expand turns "${repeat N}text" into text repeated N times.
func expand(s string) string {
	m := repeatRe.FindStringSubmatch(s)
	if m == nil {
		return s
	}
	n, _ := strconv.Atoi(m[1])
	return strings.Repeat(m[2], n)
}

func confStr(v any) string {
	s, _ := v.(string)
	return expand(s)
}

func confInt(v any) int64 {
	n, _ := v.(json.Number)
	i, _ := n.Int64()
	return i
}

func confFloat(v any) float64 {
	n, _ := v.(json.Number)
	f, _ := n.Float64()
	return f
}

func isInt(n json.Number) bool { return !strings.ContainsAny(string(n), ".eE") }

// attrOption maps one attribute of the file to the Go SDK's typed option.
func attrOption(t *testing.T, key string, v any) aires.Option {
	switch x := v.(type) {
	case string:
		return aires.String(key, expand(x))
	case bool:
		return aires.Bool(key, x)
	case json.Number:
		if isInt(x) {
			return aires.Int64(key, confInt(x))
		}
		return aires.Float64(key, confFloat(x))
	case []kv:
		opts := make([]aires.Option, 0, len(x))
		for _, m := range x {
			opts = append(opts, attrOption(t, expand(m.Key), m.Value))
		}
		return aires.Group(key, opts...)
	case []any:
		switch first := x[0].(type) {
		case string:
			l := make([]string, len(x))
			for i := range x {
				l[i] = confStr(x[i])
			}
			return aires.Strings(key, l)
		case bool:
			l := make([]bool, len(x))
			for i := range x {
				l[i], _ = x[i].(bool)
			}
			return aires.Bools(key, l)
		case json.Number:
			if isInt(first) {
				l := make([]int64, len(x))
				for i := range x {
					l[i] = confInt(x[i])
				}
				return aires.Int64s(key, l)
			}
			l := make([]float64, len(x))
			for i := range x {
				l[i] = confFloat(x[i])
			}
			return aires.Float64s(key, l)
		}
	}
	t.Fatalf("conformance file: attribute %q has a value the schema does not allow: %#v", key, v)
	return aires.Option{}
}

var nodeConfSeverities = map[string]aires.Severity{
	"trace": aires.SeverityTrace, "debug": aires.SeverityDebug, "info": aires.SeverityInfo,
	"warn": aires.SeverityWarn, "error": aires.SeverityError, "fatal": aires.SeverityFatal,
}

func readConformance(t *testing.T) (resource any, events []any) {
	t.Helper()
	b, err := os.ReadFile(conformanceFile)
	require.NoError(t, err)
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	doc, err := decodeOrdered(dec)
	require.NoError(t, err, "parse %s", conformanceFile)
	events, _ = confField(doc, "events").([]any)
	require.NotEmpty(t, events)
	return confField(doc, "resource"), events
}

// sendConformanceGo sends the file's events with the Go SDK.
func sendConformanceGo(t *testing.T, endpoint string) {
	res, events := readConformance(t)
	c, err := aires.New(aires.Config{
		Endpoint: endpoint, Service: confStr(confField(res, "service")), Environment: confStr(confField(res, "environment")),
		Release: confStr(confField(res, "release")), Host: confStr(confField(res, "host")),
	})
	require.NoError(t, err)
	for _, e := range events {
		var opts []aires.Option
		for _, m := range asObject(confField(e, "attributes")) {
			opts = append(opts, attrOption(t, expand(m.Key), m.Value))
		}
		for i := range int(confInt(confField(e, "extra_int_attributes"))) {
			opts = append(opts, aires.Int64(fmt.Sprintf("extra.%03d", i), int64(i)))
		}
		if tags, ok := confField(e, "tags").([]any); ok {
			l := make([]string, len(tags))
			for i := range tags {
				l[i] = confStr(tags[i])
			}
			opts = append(opts, aires.WithTags(l...))
		}
		for k, f := range map[string]func(string) aires.Option{
			"trace_id": aires.WithTraceID, "span_id": aires.WithSpanID, "session_id": aires.WithSessionID,
			"user_id": aires.WithUserID, "service": aires.WithService, "environment": aires.WithEnvironment,
			"release": aires.WithRelease,
		} {
			if v := confStr(confField(e, k)); v != "" {
				opts = append(opts, f(v))
			}
		}
		if h := confField(e, "http"); h != nil {
			opts = append(opts, aires.WithHTTP(aires.HTTP{
				Method: confStr(confField(h, "method")), Route: confStr(confField(h, "route")), Path: confStr(confField(h, "path")),
				URL: confStr(confField(h, "url")), StatusCode: int(confInt(confField(h, "status_code"))),
				Duration:    time.Duration(confFloat(confField(h, "duration_ms")) * float64(time.Millisecond)),
				RequestSize: confInt(confField(h, "request_size")), ResponseSize: confInt(confField(h, "response_size")),
				UserAgent: confStr(confField(h, "user_agent")), ClientAddress: confStr(confField(h, "client_address")),
			}))
		}
		if er := confField(e, "error"); er != nil {
			opts = append(opts, aires.WithErrorInfo(confStr(confField(er, "type")), confStr(confField(er, "message")), confStr(confField(er, "stack"))))
		}
		sev, ok := nodeConfSeverities[confStr(confField(e, "severity"))]
		require.True(t, ok, "conformance file: unknown severity %v", confField(e, "severity"))
		c.Log(sev, confStr(confField(e, "message")), opts...)
	}
	require.NoError(t, c.Shutdown(ctxTimeout(t, 30*time.Second)))
	st := c.Stats()
	require.Equal(t, uint64(len(events)), st.Sent, "Go SDK stats %+v", st)
}

func asObject(v any) []kv {
	o, _ := v.([]kv)
	return o
}

// conformanceRows reads every row of db.events ordered by message, each as
// column name -> value, without the columns of conformanceSkip.
func conformanceRows(t *testing.T, db *sql.DB, database string) []map[string]any {
	t.Helper()
	rows, err := db.Query(fmt.Sprintf("SELECT * FROM %s.events ORDER BY message, severity", database))
	require.NoError(t, err)
	defer rows.Close()
	types, err := rows.ColumnTypes()
	require.NoError(t, err)
	var out []map[string]any
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		require.NoError(t, rows.Scan(dest...))
		row := map[string]any{}
		for i, ct := range types {
			if !conformanceSkip[ct.Name()] {
				row[ct.Name()] = reflect.ValueOf(dest[i]).Elem().Interface()
			}
		}
		out = append(out, row)
	}
	require.NoError(t, rows.Err())
	return out
}

// compareNodeRows fails with every differing column of every row.
func compareNodeRows(t *testing.T, sdk string, want, got []map[string]any) {
	t.Helper()
	require.Len(t, got, len(want), "%s stored a different number of rows than the Go SDK", sdk)
	for i := range want {
		for col, w := range want[i] {
			g, ok := got[i][col]
			if !ok {
				t.Errorf("%s row %d: column %s missing", sdk, i, col)
				continue
			}
			if !reflect.DeepEqual(w, g) {
				t.Errorf("%s row %d (message %.40q): column %s differs from the Go SDK's:\n  go:  %.300v\n  %s: %.300v",
					sdk, i, want[i]["message"], col, w, sdk, g)
			}
		}
	}
}

// nodeSDK finds the built Node SDK (sdk-node/dist) and node.
func nodeSDK(t *testing.T) (node, dir string) {
	t.Helper()
	root, err := chtest.RepoRoot()
	require.NoError(t, err)
	dir = filepath.Join(root, "sdk-node")
	if _, err := os.Stat(filepath.Join(dir, "dist", "esm", "index.js")); err != nil {
		chtest.FailOrSkip(t, "the Node SDK is not built: run `npm ci && npm run build` in sdk-node (make test-node)")
	}
	node, err = exec.LookPath("node")
	if err != nil {
		chtest.FailOrSkip(t, "node not found on PATH: install Node.js (Debian's nodejs) to run the Node SDK's conformance test")
	}
	return node, dir
}

// TestConformanceNode sends the conformance events with the Go SDK and the
// Node SDK (a node process running sdk-node/e2e/conformance.mjs) and
// compares what ClickHouse stored.
func TestConformanceNode(t *testing.T) {
	node, dir := nodeSDK(t)
	e := newEnv(t, nil) // the Go SDK's rows go to aires_e2e
	_, events := readConformance(t)
	want := uint64(len(events))
	sendConformanceGo(t, e.col.airesTarget())
	waitCount(t, e.db, want, 30*time.Second, `SELECT count() FROM aires_e2e.events`)

	s := e.col.collectorSettings
	s.AiresPort, s.OTLPPort, s.HealthPort, s.Database = freePort(t), freePort(t), freePort(t), "aires_node"
	nodeCol := startCollector(t, collectorBinary(t), s)
	abs, err := filepath.Abs(conformanceFile)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, filepath.Join(dir, "e2e", "conformance.mjs"), nodeCol.airesTarget(), abs)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "node driver: %s", stderr.String())
	var st struct {
		Complete                        bool
		Enqueued, Sent, Dropped, Failed uint64
	}
	require.NoError(t, json.NewDecoder(io.LimitReader(bytes.NewReader(out), 1<<20)).Decode(&st), "node driver output %q", out)
	require.True(t, st.Complete, "node driver: %+v\n%s", st, stderr.String())
	require.Equal(t, want, st.Sent, "node driver: %+v\n%s", st, stderr.String())
	waitCount(t, e.db, want, 30*time.Second, `SELECT count() FROM aires_node.events`)

	goRows := conformanceRows(t, e.db, "aires_e2e")
	nodeRows := conformanceRows(t, e.db, "aires_node")
	compareNodeRows(t, "node", goRows, nodeRows)

	// The comparison is only worth something if the rows hold what the file
	// says: spot checks of the reference rows.
	byMsg := map[string]map[string]any{}
	for _, r := range goRows {
		byMsg[r["message"].(string)] = r
	}
	first := byMsg["order placed"]
	require.NotNil(t, first, "the quick start event")
	require.Equal(t, []string{"items"}, first["attr_int_keys"], "items: 3 is an integer attribute")
	full := byMsg["paiement refusé 💳 — 注文 ✓ مرحبا"]
	require.NotNil(t, full)
	require.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", full["trace_id"])
	require.Equal(t, "PaymentError", full["error_type"])
	require.Contains(t, full["attr_str_keys"], "customer.address.city")
	require.Contains(t, byMsg, "lone surrogate \ufffd here")
	var limits map[string]any
	for m, r := range byMsg {
		if strings.HasPrefix(m, "éé") {
			limits = r
		}
	}
	require.NotNil(t, limits, "the limits event")
	require.Len(t, limits["message"], aires.MaxMessageBytes)
	require.Len(t, limits["error_stack"], aires.MaxStackBytes)
}
