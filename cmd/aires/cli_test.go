package main

import (
	"bytes"
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/aires-dev/aires/internal/query"
)

func TestLine(t *testing.T) {
	ts := time.Date(2026, 11, 30, 16, 43, 35, 120_000_000, time.UTC)
	tests := []struct {
		name string
		e    query.Event
		want string
	}{
		{name: "plain", e: query.Event{Time: ts, Service: "api", Severity: "info", Message: "hello"},
			want: "2026-11-30T16:43:35.120Z api INFO hello"},
		{name: "http, error, ids, attributes in key order",
			e: query.Event{Time: ts, Service: "checkout", Severity: "error", Message: "payment failed",
				HTTPMethod: "POST", HTTPRoute: "/pay", HTTPStatus: 500, HTTPMs: 12.4, ErrorType: "PaymentError", ErrorMsg: "declined",
				TraceID: "t1", UserID: "u1", Attributes: map[string]any{"b": int64(2), "a": "x"}},
			want: `2026-11-30T16:43:35.120Z checkout ERROR payment failed http="POST /pay 500 12ms" error=PaymentError declined trace=t1 user=u1 a=x b=2`},
		{name: "path when no route", e: query.Event{Time: ts, Service: "s", Severity: "warn", Message: "m", HTTPMethod: "GET", HTTPPath: "/x/1", HTTPStatus: 404},
			want: `2026-11-30T16:43:35.120Z s WARN m http="GET /x/1 404 0ms"`},
		{name: "newlines stay on the line", e: query.Event{Time: ts, Service: "s", Severity: "info", Message: "a\nb\tc"},
			want: `2026-11-30T16:43:35.120Z s INFO a\nb\tc`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, (&printer{}).line(tt.e))
		})
	}
	coloured := (&printer{colour: true}).line(query.Event{Time: ts, Service: "s", Severity: "error", Message: "m"})
	assert.Contains(t, coloured, "\x1b[31mERROR\x1b[0m")
}

func TestJSONLines(t *testing.T) {
	var b bytes.Buffer
	p := newPrinter(&b, true)
	require.NoError(t, p.print(query.Event{ID: "1", Service: "s", Severity: "info", Message: "<b>"}))
	require.NoError(t, p.print(query.Event{ID: "2", Service: "s", Severity: "info", Message: "x"}))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"message":"<b>"`, "no HTML escaping in JSON lines")
}

func TestTimeRange(t *testing.T) {
	tests := []struct {
		query   string
		want    time.Duration
		wantErr bool
	}{
		{query: "", want: time.Hour},
		{query: "since=15m&service=api", want: 15 * time.Minute},
		{query: "since=168h", want: 168 * time.Hour},
		{query: "since=169h", wantErr: true},
		{query: "since=-1h", wantErr: true},
		{query: "since=1h%3BDROP", wantErr: true},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("GET", "/api/rates?"+tt.query, nil)
		rg, err := timeRange(r)
		if tt.wantErr {
			var bad badRequest
			require.ErrorAs(t, err, &bad, tt.query)
			continue
		}
		require.NoError(t, err, tt.query)
		assert.InDelta(t, (tt.want + time.Minute).Seconds(), rg.Until.Sub(rg.Since).Seconds(), 1, tt.query)
	}
}

func TestRunUsage(t *testing.T) {
	var out, errOut bytes.Buffer
	err := run(context.Background(), []string{"frobnicate"}, &out, &errOut)
	require.ErrorContains(t, err, `unknown command "frobnicate"`)
	assert.Contains(t, errOut.String(), "aires search")
	err = run(context.Background(), []string{"tail", "extra"}, &out, &errOut)
	require.ErrorContains(t, err, "tail takes no arguments")
	err = run(context.Background(), []string{"search", "--since", "-5m"}, &out, &errOut)
	require.ErrorContains(t, err, "--since -5m0s: must be positive")
}
