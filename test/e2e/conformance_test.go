package e2e

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
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

// The conformance test: the Go, Python and Node SDKs each send the events
// of testdata/conformance.json through the same ocb-built collector into
// the same ClickHouse, one after the other, and the rows must be identical
// column by column (every column of the table, ids and call timestamps
// aside). The Go SDK's rows are the reference.

// driverStats is what a driver reports: whether shutdown delivered
// everything in time, and the client's counters.
type driverStats struct {
	DeliveredInTime bool `json:"delivered_in_time"`
	Enqueued, Sent  uint64
	Dropped, Failed uint64
}

// runDriver runs a driver process that prints its driverStats as JSON.
func runDriver(t *testing.T, env []string, name string, args ...string) driverStats {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(os.Environ(), env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	require.NoError(t, cmd.Run(), "%s driver: %s", filepath.Base(name), stderr.String())
	var st driverStats
	require.NoError(t, json.Unmarshal(stdout.Bytes(), &st), "%s driver output %q\n%s", filepath.Base(name), stdout.String(), stderr.String())
	return st
}

// sendPython runs testdata/python_driver.py on Debian's python3 with grpcio
// (the SDK's test interpreter), or AIRES_PYTHON.
func sendPython(t *testing.T, endpoint string) driverStats {
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
	root, err := chtest.RepoRoot()
	require.NoError(t, err)
	return runDriver(t, []string{"PYTHONPATH=" + filepath.Join(root, "sdk-python", "src")}, py,
		filepath.Join("testdata", "python_driver.py"), filepath.Join("testdata", conformanceFile), endpoint)
}

// sendNode runs testdata/node_driver.mjs with the built Node SDK (sdk-node/dist).
func sendNode(t *testing.T, endpoint string) driverStats {
	t.Helper()
	root, err := chtest.RepoRoot()
	require.NoError(t, err)
	dir := filepath.Join(root, "sdk-node")
	if _, err := os.Stat(filepath.Join(dir, "dist", "esm", "index.js")); err != nil {
		chtest.FailOrSkip(t, "the Node SDK is not built: run make node-build (npm ci && npm run build in sdk-node)")
	}
	node, err := exec.LookPath("node")
	if err != nil {
		chtest.FailOrSkip(t, "node not found on PATH: install Node.js (Debian's nodejs) to run the Node SDK's conformance driver")
	}
	return runDriver(t, nil, node, filepath.Join("testdata", "node_driver.mjs"), dir, filepath.Join("testdata", conformanceFile), endpoint)
}

type storedRow map[string]any

// newRows reads every row of aires_e2e.events whose id is not in seen
// (adding it there), all columns, by message.
func newRows(t *testing.T, db *sql.DB, seen map[string]bool) map[string]storedRow {
	t.Helper()
	rows, err := db.Query(`SELECT * FROM aires_e2e.events`)
	require.NoError(t, err)
	defer rows.Close()
	types, err := rows.ColumnTypes()
	require.NoError(t, err)
	out := map[string]storedRow{}
	for rows.Next() {
		dest := make([]any, len(types))
		for i, ct := range types {
			dest[i] = reflect.New(ct.ScanType()).Interface()
		}
		require.NoError(t, rows.Scan(dest...))
		row := storedRow{}
		for i, ct := range types {
			row[ct.Name()] = reflect.ValueOf(dest[i]).Elem().Interface()
		}
		id := fmt.Sprint(row["id"])
		if seen[id] {
			continue
		}
		seen[id] = true
		msg, _ := row["message"].(string)
		_, dup := out[msg]
		require.False(t, dup, "conformance messages must be unique: %.60q", msg)
		out[msg] = row
	}
	require.NoError(t, rows.Err())
	return out
}

func TestConformanceAcrossSDKs(t *testing.T) {
	spec := loadConformance(t)
	e := newEnv(t, nil)
	n := uint64(len(spec.Events))
	all := driverStats{DeliveredInTime: true, Enqueued: n, Sent: n}
	seen := map[string]bool{}

	require.Equal(t, all, sendGo(t, spec, e.col.airesTarget()))
	waitCount(t, e.db, n, 15*time.Second, `SELECT count() FROM aires_e2e.events`)
	want := newRows(t, e.db, seen)
	require.Len(t, want, int(n))
	checkConformanceReference(t, spec, want)

	total := n
	for _, sdk := range []struct {
		name string
		send func(*testing.T, string) driverStats
	}{{"python", sendPython}, {"node", sendNode}} {
		t.Run(sdk.name, func(t *testing.T) {
			require.Equal(t, all, sdk.send(t, e.col.airesTarget()))
			total += n
			waitCount(t, e.db, total, 15*time.Second, `SELECT count() FROM aires_e2e.events`)
			compareRows(t, spec, want, newRows(t, e.db, seen))
		})
	}
}

// checkConformanceReference pins stored values of the Go SDK's rows, so that
// the reference itself is known good (the types and the limits especially).
func checkConformanceReference(t *testing.T, spec *conformance, rows map[string]storedRow) {
	t.Helper()
	quick := rows["order placed"]
	assert.Equal(t, []string{"items"}, quick["attr_int_keys"], "items: 3 is an integer attribute")
	full := rows[string(spec.Events[1].Message)]
	assert.Equal(t, "payments", full["service"])
	assert.Equal(t, "conformance-host", full["host"])
	assert.EqualValues(t, uint64(1764500000123456789), full["timestamp_ns"])
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", full["trace_id"])
	assert.Equal(t, []string{"k8s.pod.name", "k8s.replicas", "k8s.cpu", "k8s.spot"}, full["resource_keys"])
	assert.Contains(t, full["attr_str_keys"], "customer.address.city")
	assert.Contains(t, full["attr_float_keys"], "whole", "a whole double stays a double")
	assert.Contains(t, full["attr_float_keys"], "customer.score")
	assert.Contains(t, full["attr_int_values"], int64(-9007199254740993), "int64 beyond 2^53, exact")
	assert.Contains(t, rows, "lone surrogate \ufffd here")
	limits := rows[cutUTF8(strings.Repeat("limits é ", 5000), aires.MaxMessageBytes)]
	require.NotNil(t, limits, "the limits event")
	assert.Len(t, limits["message"], aires.MaxMessageBytes-1, "message cut at 32 KiB, before the é it would split")
	assert.Len(t, limits["tags"], aires.MaxTags)
	assert.Len(t, limits["error_stack"], aires.MaxStackBytes)
	native := rows["native error"]
	assert.Equal(t, "root cause", native["error_message"])
	assert.NotEmpty(t, native["error_stack"])
}

// compareRows wants the same rows from another SDK as from the Go SDK,
// column by column, except ids, call timestamps and the language's own
// error type and stack of a native error. It reports every differing column.
func compareRows(t *testing.T, spec *conformance, want, got map[string]storedRow) {
	t.Helper()
	require.Equal(t, sortedKeys(want), sortedKeys(got), "the same messages")
	explicitTS := map[string]bool{}
	native := map[string]bool{}
	for _, ev := range spec.Events {
		m := cutUTF8(string(ev.Message), aires.MaxMessageBytes)
		explicitTS[m] = ev.TimestampNs != 0
		native[m] = ev.Error != nil && ev.Error.Native
	}
	for _, m := range sortedKeys(want) {
		w, g := want[m], got[m]
		require.ElementsMatch(t, sortedKeys(w), sortedKeys(g), "columns")
		for _, col := range sortedKeys(w) {
			switch {
			case col == "id":
				continue
			case (col == "timestamp" || col == "timestamp_ns") && !explicitTS[m]:
				continue
			case (col == "error_type" || col == "error_stack") && native[m]:
				assert.NotEmpty(t, g[col], "%.40q: %s of a native error", m, col)
				continue
			}
			if !reflect.DeepEqual(w[col], g[col]) {
				t.Errorf("row %.60q: column %s differs from the Go SDK's:\n  go:  %.300v\n  got: %.300v", m, col, w[col], g[col])
			}
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
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
