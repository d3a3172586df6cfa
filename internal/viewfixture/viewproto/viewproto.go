// Package viewproto is viewfixture's events as the SDK sends them, for the
// tests that send them through a collector (test/e2e, test/cluster); a
// package of its own so that viewfixture needs no protocol.
package viewproto

import (
	"fmt"

	"github.com/aires-dev/aires/internal/viewfixture"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

var severities = map[string]airesv1.Severity{
	"trace": airesv1.Severity_SEVERITY_TRACE,
	"debug": airesv1.Severity_SEVERITY_DEBUG,
	"info":  airesv1.Severity_SEVERITY_INFO,
	"warn":  airesv1.Severity_SEVERITY_WARN,
	"error": airesv1.Severity_SEVERITY_ERROR,
	"fatal": airesv1.Severity_SEVERITY_FATAL,
}

// Event is e as the SDK sends it, as event number n of the set (its id is
// made of n, so every event has its own).
func Event(e viewfixture.Event, n int) *airesv1.Event {
	sev, ok := severities[e.Severity]
	if !ok {
		panic(fmt.Sprintf("viewfixture: event %d has severity %q, not one of the six", n, e.Severity))
	}
	ev := &airesv1.Event{
		Id:                []byte{0x01, 0x9a, 0, 0, 0, 0, 0x70, 0, 0x80, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)},
		TimestampUnixNano: uint64(e.Time().UnixNano()),
		Severity:          sev,
		Message:           fmt.Sprintf("event %d", n),
		Service:           e.Service,
		Environment:       e.Environment,
	}
	if e.Route != "" || e.Status != 0 {
		ev.Http = &airesv1.HttpInfo{Method: e.Method, Route: e.Route, StatusCode: uint32(e.Status), DurationMs: e.DurationMs}
	}
	return ev
}

// Batches are viewfixture.Inserts as the SDK sends them, one batch an insert, the
// events numbered from 1 across all of them.
func Batches() []*airesv1.EventBatch {
	var out []*airesv1.EventBatch
	n := 0
	for _, evs := range viewfixture.Inserts() {
		b := &airesv1.EventBatch{Resource: &airesv1.Resource{Service: "unused"}}
		for _, v := range evs {
			n++
			b.Events = append(b.Events, Event(v, n))
		}
		out = append(out, b)
	}
	return out
}

// Count is how many events batch b holds, and how many of them are HTTP
// requests (a status code: what the HTTP view counts).
func Count(b *airesv1.EventBatch) (events, requests uint64) {
	for _, ev := range b.Events {
		if ev.Http != nil && ev.Http.StatusCode != 0 {
			requests++
		}
	}
	return uint64(len(b.Events)), requests
}
