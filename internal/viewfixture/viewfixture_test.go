package viewfixture

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing"
)

// TestExpectedNumbersMatchTheEvents recomputes, from the events, what the
// views must give, so the hand-written expectations the server tests check
// cannot drift from the events they send.
// key is a group of the views' rows: minute (after Base), service, route.
type key struct {
	minute         int
	service, route string
}

// byKey returns the values of m in the order of their keys, as the queries
// sort their rows.
func byKey[V any](m map[key]*V) []V {
	keys := slices.SortedFunc(maps.Keys(m), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.minute, b.minute), strings.Compare(a.service, b.service), strings.Compare(a.route, b.route))
	})
	out := make([]V, len(keys))
	for i, k := range keys {
		out[i] = *m[k]
	}
	return out
}

// TestExpectedNumbersMatchTheEvents recomputes, from the events, what the
// views must give, so the hand-written expectations the server tests check
// cannot drift from the events they send.
func TestExpectedNumbersMatchTheEvents(t *testing.T) {
	perMinute := map[key]*ErrorRate{}
	perHTTP := map[key]*HTTP{}
	perHour := map[key]*HourlyRequests{}
	perService := map[key]*ServiceErrorRate{}
	var hourlyRoute []float64
	for _, batch := range Inserts() {
		for _, ev := range batch {
			isErr := uint64(0)
			if ev.Severity == "error" || ev.Severity == "fatal" {
				isErr = 1
			}
			k := key{minute: ev.Minute, service: ev.Service}
			if perMinute[k] == nil {
				perMinute[k] = &ErrorRate{Minute: ev.Minute, Service: ev.Service}
			}
			perMinute[k].Events++
			perMinute[k].Errors += isErr
			sk := key{service: ev.Service}
			if perService[sk] == nil {
				perService[sk] = &ServiceErrorRate{Service: ev.Service}
			}
			perService[sk].Events++
			perService[sk].Errors += isErr
			if ev.Status == 0 {
				continue
			}
			k.route = ev.Route
			if perHTTP[k] == nil {
				perHTTP[k] = &HTTP{Minute: ev.Minute, Service: ev.Service, Route: ev.Route}
			}
			perHTTP[k].Requests++
			if ev.Status >= 500 {
				perHTTP[k].Errors5xx++
			}
			perHTTP[k].Durations = append(perHTTP[k].Durations, ev.DurationMs)
			hk := key{service: ev.Service, route: ev.Route}
			if perHour[hk] == nil {
				perHour[hk] = &HourlyRequests{Service: ev.Service, Route: ev.Route}
			}
			perHour[hk].Requests++
			if ev.Route == HourlyRoute {
				hourlyRoute = append(hourlyRoute, ev.DurationMs)
			}
		}
	}

	if got := byKey(perMinute); fmt.Sprint(got) != fmt.Sprint(ErrorRates) {
		t.Errorf("ErrorRates %v, the events give %v", ErrorRates, got)
	}
	http, want := byKey(perHTTP), HTTPPerMinute()
	if len(http) != len(want) {
		t.Fatalf("HTTPPerMinute has %d rows, the events give %d", len(want), len(http))
	}
	for i, w := range want {
		g := http[i]
		if fmt.Sprint(g.Minute, g.Service, g.Route, g.Requests, g.Errors5xx, sorted(g.Durations)) !=
			fmt.Sprint(w.Minute, w.Service, w.Route, w.Requests, w.Errors5xx, sorted(w.Durations)) {
			t.Errorf("HTTPPerMinute row %d: %+v, the events give %+v", i, w, g)
		}
	}
	if got := byKey(perHour); fmt.Sprint(got) != fmt.Sprint(Hourly) {
		t.Errorf("Hourly %v, the events give %v", Hourly, got)
	}
	if got, want := sorted(hourlyRoute), sorted(HourlyRouteDurations()); !slices.Equal(got, want) {
		t.Errorf("HourlyRouteDurations %v, the events give %v", want, got)
	}
	if got := byKey(perService); fmt.Sprint(got) != fmt.Sprint(ErrorRatesOfHour) {
		t.Errorf("ErrorRatesOfHour %v, the events give %v", ErrorRatesOfHour, got)
	}
}

func TestQuantiles(t *testing.T) {
	values := []float64{40, 10, 30, 20} // unsorted on purpose
	for _, tc := range []struct {
		q             float64
		hazen, ranked float64
	}{
		{0, 10, 10},
		{0.1, 10, 10}, // below rank 0.5: the minimum
		{0.5, 25, 20}, // rank 2 between 20 (1.5) and 30 (2.5); the 2nd smallest
		{0.6, 29, 30}, // rank 2.4
		{0.9, 40, 40}, // above rank 3.5: the maximum
		{0.99, 40, 40},
	} {
		if got := Hazen(values, tc.q); got != tc.hazen {
			t.Errorf("Hazen(%v) = %v, want %v", tc.q, got, tc.hazen)
		}
		if got := NearestRank(values, tc.q); got != tc.ranked {
			t.Errorf("NearestRank(%v) = %v, want %v", tc.q, got, tc.ranked)
		}
	}
}
