package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/aires-dev/aires/internal/query"
)

// printer writes events as readable lines (coloured on a terminal) or as
// JSON lines.
type printer struct {
	w      io.Writer
	json   *json.Encoder
	colour bool
}

func newPrinter(w io.Writer, asJSON bool) *printer {
	p := &printer{w: w}
	if asJSON {
		p.json = json.NewEncoder(w)
		p.json.SetEscapeHTML(false)
		return p
	}
	if f, ok := w.(*os.File); ok && os.Getenv("NO_COLOR") == "" {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.colour = true
		}
	}
	return p
}

var severityColour = map[string]string{
	"trace": "\x1b[2m", "debug": "\x1b[2m", "info": "\x1b[32m",
	"warn": "\x1b[33m", "error": "\x1b[31m", "fatal": "\x1b[1;31m",
}

func (p *printer) print(e query.Event) error {
	if p.json != nil {
		return p.json.Encode(e)
	}
	_, err := fmt.Fprintln(p.w, p.line(e))
	return err
}

// line is one event on one line: time, service, severity, message, then the
// attributes people look for first.
func (p *printer) line(e query.Event) string {
	var b strings.Builder
	sev := strings.ToUpper(e.Severity)
	if p.colour {
		sev = severityColour[e.Severity] + sev + "\x1b[0m"
	}
	fmt.Fprintf(&b, "%s %s %s %s", e.Time.Format("2006-01-02T15:04:05.000Z"), e.Service, sev, oneLine(e.Message))
	kv := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, " %s=%s", k, oneLine(v))
		}
	}
	if e.HTTPMethod != "" || e.HTTPStatus != 0 {
		route := e.HTTPRoute
		if route == "" {
			route = e.HTTPPath
		}
		fmt.Fprintf(&b, " http=%q", strings.TrimSpace(fmt.Sprintf("%s %s %d %.0fms", e.HTTPMethod, route, e.HTTPStatus, e.HTTPMs)))
	}
	kv("error", strings.TrimSpace(e.ErrorType+" "+e.ErrorMsg))
	kv("trace", e.TraceID)
	kv("session", e.SessionID)
	kv("user", e.UserID)
	keys := make([]string, 0, len(e.Attributes))
	for k := range e.Attributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		kv(k, fmt.Sprint(e.Attributes[k]))
	}
	return b.String()
}

// oneLine keeps an event on its line: newlines and tabs of messages and
// stacks are shown escaped.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\n\r\t") {
		return s
	}
	return strings.NewReplacer("\n", `\n`, "\r", `\r`, "\t", `\t`).Replace(s)
}
