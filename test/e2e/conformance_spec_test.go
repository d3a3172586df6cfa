package e2e

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	aires "github.com/aires-dev/aires/sdk"
)

// The conformance event set (testdata/conformance.json, its schema in its
// "_doc") as Go reads it, and the Go SDK's driver. The Python and Node
// drivers (testdata/python_driver.py, testdata/node_driver.mjs) read the
// same file.

const conformanceFile = "conformance.json"

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

// confInt is an integer given as a JSON number or, beyond 2^53 (which
// JavaScript's JSON.parse rounds), as a decimal string.
type confInt int64

func (n *confInt) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		s = string(b)
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return fmt.Errorf("a conformance int is a JSON integer or a decimal string: %w", err)
	}
	*n = confInt(v)
	return nil
}

// confInts is a list of confInt or {"range": n} (0..n-1).
type confInts []int64

func (l *confInts) UnmarshalJSON(b []byte) error {
	var xs []confInt
	if err := json.Unmarshal(b, &xs); err == nil {
		*l = make(confInts, len(xs))
		for i, x := range xs {
			(*l)[i] = int64(x)
		}
		return nil
	}
	var r struct {
		Range int `json:"range"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		return fmt.Errorf("ints are a list or {range}: %w", err)
	}
	*l = make(confInts, r.Range)
	for i := range r.Range {
		(*l)[i] = int64(i)
	}
	return nil
}

// confAttr is one attribute: its key and exactly one typed value.
type confAttr struct {
	Key     confText   `json:"key"`
	String  *confText  `json:"string"`
	Int     *confInt   `json:"int"`
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
	TimestampNs                   confInt  `json:"timestamp_ns"`
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
	b, err := os.ReadFile(filepath.Join("testdata", conformanceFile))
	require.NoError(t, err)
	var c conformance
	require.NoError(t, json.Unmarshal(b, &c), "testdata/%s", conformanceFile)
	return &c
}

func (a confAttr) option() aires.Option {
	k := string(a.Key)
	switch {
	case a.String != nil:
		return aires.String(k, string(*a.String))
	case a.Int != nil:
		return aires.Int64(k, int64(*a.Int))
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

// eventOptions are the Go SDK's options of one event of the file.
func (ev confEvent) options() []aires.Option {
	opts := attrOptions(ev.Attributes)
	for i := range ev.ExtraIntAttributes {
		opts = append(opts, aires.Int(fmt.Sprintf("n%03d", i), i))
	}
	for _, o := range []struct {
		v confText
		f func(string) aires.Option
	}{{ev.TraceID, aires.WithTraceID}, {ev.SpanID, aires.WithSpanID}, {ev.SessionID, aires.WithSessionID},
		{ev.UserID, aires.WithUserID}, {ev.Service, aires.WithService}, {ev.Environment, aires.WithEnvironment},
		{ev.Release, aires.WithRelease}} {
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
		opts = append(opts, aires.WithTimestamp(time.Unix(0, int64(ev.TimestampNs))))
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
	return opts
}

// sendGo is the Go SDK's conformance driver.
func sendGo(t *testing.T, spec *conformance, endpoint string) driverStats {
	t.Helper()
	r := spec.Resource
	client, err := aires.New(aires.Config{
		Endpoint: endpoint, Service: string(r.Service), Environment: string(r.Environment),
		Release: string(r.Release), Host: string(r.Host), ResourceAttributes: attrOptions(r.Attributes),
	})
	require.NoError(t, err)
	for _, ev := range spec.Events {
		sev, ok := confSeverities[ev.Severity]
		require.True(t, ok, "unknown severity %q", ev.Severity)
		client.Log(sev, string(ev.Message), ev.options()...)
	}
	err = client.Shutdown(ctxTimeout(t, 30*time.Second))
	st := client.Stats()
	return driverStats{DeliveredInTime: err == nil, Enqueued: st.Enqueued, Sent: st.Sent, Dropped: st.Dropped, Failed: st.Failed}
}
