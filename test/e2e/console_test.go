package e2e

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	aires "github.com/aires-dev/aires/sdk"

	"github.com/aires-dev/aires/internal/chtest"
)

// chromiumPath finds Debian's chromium (installed by .ci/run).
func chromiumPath(tb testing.TB) string {
	tb.Helper()
	for _, p := range []string{os.Getenv("AIRES_CHROMIUM"), "/usr/bin/chromium", "/usr/bin/chromium-browser"} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	chtest.FailOrSkip(tb, "chromium not found: apt-get install -y chromium")
	return ""
}

// TestConsole loads the console page in headless Chromium against fixed
// events and checks what it shows against the same SQL: the error rate, the
// p99 per route, the latest errors; then searches by trace id and opens an
// event. A screenshot goes to test/e2e/artifacts/console.png.
func TestConsole(t *testing.T) {
	cli, browser := cliBinary(t), chromiumPath(t)
	e := newEnv(t, nil)
	client, err := aires.New(aires.Config{Endpoint: e.col.airesTarget(), Service: "shop", Environment: "qa"})
	require.NoError(t, err)
	defer func() { _ = client.Shutdown(context.Background()) }()
	for i := range 10 {
		client.Info("GET /items", aires.WithHTTP(aires.HTTP{Method: "GET", Route: "/items", StatusCode: 200,
			Duration: time.Duration(10*(i+1)) * time.Millisecond}))
	}
	for i, d := range []time.Duration{200 * time.Millisecond, 300 * time.Millisecond} {
		client.Error("payment failed", aires.WithHTTP(aires.HTTP{Method: "POST", Route: "/pay", StatusCode: 500, Duration: d}),
			aires.WithErrorInfo("PaymentError", fmt.Sprintf("card declined %d", i), "pay.go:42\ncheckout.go:7"))
	}
	const traceID = "4bf92f3577b34da6a3ce929d0e0e4736"
	client.Warn("cart <b>abandoned</b>", aires.WithTraceID(traceID), aires.WithSessionID("sess-9"), aires.String("cart.items", "3"))
	require.NoError(t, client.Flush(ctxTimeout(t, 10*time.Second)))
	waitCount(t, e.db, 13, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	// An INSERT writes the table's part before its views' parts, and a query
	// can see the one before the others: wait for the views too.
	waitCount(t, e.db, 13, 10*time.Second, `SELECT sum(events) FROM aires_e2e.events_errors_1m`)
	waitCount(t, e.db, 12, 10*time.Second, `SELECT sum(requests) FROM aires_e2e.events_http_1m`)

	// What the page must show, from the views, with the same SQL the README gives.
	var events, errs uint64
	require.NoError(t, e.db.QueryRow(`SELECT sum(events), sum(errors) FROM aires_e2e.events_errors_1m WHERE minute >= now() - INTERVAL 1 HOUR`).Scan(&events, &errs))
	require.Equal(t, uint64(13), events)
	require.Equal(t, uint64(2), errs)
	p99 := map[string]float64{}
	rows, err := e.db.Query(`SELECT http_route, quantilesTDigestMerge(0.5, 0.9, 0.99)(duration_ms_quantiles)[3]
		FROM aires_e2e.events_http_1m WHERE minute >= now() - INTERVAL 1 HOUR GROUP BY http_route`)
	require.NoError(t, err)
	for rows.Next() {
		var route string
		var v float64
		require.NoError(t, rows.Scan(&route, &v))
		p99[route] = v
	}
	require.NoError(t, rows.Err())
	require.Len(t, p99, 2)

	port := freePort(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cmd := exec.CommandContext(ctx, cli, "console", "--listen", fmt.Sprintf("127.0.0.1:%d", port),
		"--endpoint", e.ch.Endpoint(), "--database", "aires_e2e")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	require.NoError(t, cmd.Start())
	defer func() { cancel(); _ = cmd.Wait() }()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	require.Eventually(t, func() bool {
		resp, err := http.Get(url)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode == http.StatusOK
	}, 30*time.Second, 100*time.Millisecond, "console did not start: %s", &out)

	// A bad parameter is a clear 400, not a query.
	resp, err := http.Get(url + "api/search?since=1h&limit=0")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.NoSandbox,
		chromedp.Flag("disable-quic", true), chromedp.Flag("disable-component-update", true),
		chromedp.UserDataDir(t.TempDir()))
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	bctx, tcancel := context.WithTimeout(bctx, 90*time.Second)
	defer tcancel()

	do := func(steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		require.NoError(t, chromedp.Do(bctx, steps...), "console output: %s", &out)
	}
	value := func(sel, name string) string {
		t.Helper()
		r, err := chromedp.Run(bctx, chromedp.AttributeValue(sel, name))
		require.NoError(t, err, "%s[%s]", sel, name)
		require.True(t, r.Exists, "%s has no %s", sel, name)
		return r.Value
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](js))
		require.NoError(t, err, js)
		return v
	}
	text := func(sel string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Text(sel))
		require.NoError(t, err, sel)
		return v
	}
	do(chromedp.Navigate(url), chromedp.WaitVisible(`body[data-loaded]`))
	rate, eventCount := value(`#error-rate`, "data-value"), value(`#event-count`, "data-value")
	routeCount := eval(`String(document.querySelectorAll("#routes tbody tr[data-route]").length)`)
	p99Items := value(`#routes tr[data-route="/items"] td:nth-child(6)`, "data-value")
	p99Pay := value(`#routes tr[data-route="/pay"] td:nth-child(6)`, "data-value")
	errorRows := eval(`Array.from(document.querySelectorAll("#errors tbody tr")).map(r => r.cells[2].textContent + "|" + r.cells[3].textContent).join("\n")`)
	do(chromedp.SendKeys(`#trace`, traceID), chromedp.Click(`#search-button`), chromedp.WaitVisible(`#results[data-count]`))
	resultCount := value(`#results`, "data-count")
	do(chromedp.Click(`#results tbody tr`), chromedp.WaitVisible(`#detail td[data-field="message"]`))
	detailMsg, detailAttr := text(`#detail td[data-field="message"]`), text(`#detail td[data-field="attr.cart.items"]`)
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(100)) // quality 100: PNG
	require.NoError(t, err)

	gotRate, err := strconv.ParseFloat(rate, 64)
	require.NoError(t, err)
	assert.InDelta(t, float64(errs)/float64(events), gotRate, 1e-9, "error rate shown")
	assert.Equal(t, "13", eventCount)
	assert.Equal(t, "2", routeCount)
	for route, got := range map[string]string{"/items": p99Items, "/pay": p99Pay} {
		v, err := strconv.ParseFloat(got, 64)
		require.NoError(t, err, route)
		assert.InDelta(t, p99[route], v, 1e-3, "p99 of %s", route)
	}
	assert.Contains(t, errorRows, "payment failed|PaymentError: card declined 1")
	assert.Contains(t, errorRows, "payment failed|PaymentError: card declined 0")
	assert.Equal(t, "1", resultCount, "search by trace id")
	assert.Equal(t, "cart <b>abandoned</b>", detailMsg, "shown as text, never as HTML")
	assert.Equal(t, "3", detailAttr)

	dir := filepath.Join("artifacts")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "console.png"), shot, 0o644))
}
