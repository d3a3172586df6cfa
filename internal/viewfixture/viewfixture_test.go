package viewfixture

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestExpectedNumbersMatchTheEvents recomputes, from the events, what the
// views must give, so the hand-written expectations the server tests check
// cannot drift from the events they send.
func TestExpectedNumbersMatchTheEvents(t *testing.T) {
	type key struct {
		minute         int
		service, route string
	}
	perMinute := map[key]*ErrorRate{}
	perHTTP := map[key]*HTTP{}
	perHour := map[key]*HourlyRequests{}
	perService := map[string]*ServiceErrorRate{}
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
			if perService[ev.Service] == nil {
				perService[ev.Service] = &ServiceErrorRate{Service: ev.Service}
			}
			perService[ev.Service].Events++
			perService[ev.Service].Errors += isErr
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

	var rates []ErrorRate
	for _, r := range perMinute {
		rates = append(rates, *r)
	}
	slices.SortFunc(rates, func(a, b ErrorRate) int {
		return cmp.Or(cmp.Compare(a.Minute, b.Minute), strings.Compare(a.Service, b.Service))
	})
	if fmt.Sprint(rates) != fmt.Sprint(ErrorRates) {
		t.Errorf("ErrorRates %v, the events give %v", ErrorRates, rates)
	}

	var http []HTTP
	for _, h := range perHTTP {
		slices.Sort(h.Durations)
		http = append(http, *h)
	}
	slices.SortFunc(http, func(a, b HTTP) int {
		return cmp.Or(cmp.Compare(a.Minute, b.Minute), strings.Compare(a.Service, b.Service), strings.Compare(a.Route, b.Route))
	})
	want := HTTPPerMinute()
	if len(http) != len(want) {
		t.Fatalf("HTTPPerMinute has %d rows, the events give %d", len(want), len(http))
	}
	for i, w := range want {
		g := http[i]
		w.Durations = slices.Sorted(slices.Values(w.Durations))
		if fmt.Sprint(g.Minute, g.Service, g.Route, g.Requests, g.Errors5xx, g.Durations) !=
			fmt.Sprint(w.Minute, w.Service, w.Route, w.Requests, w.Errors5xx, w.Durations) {
			t.Errorf("HTTPPerMinute row %d: %+v, the events give %+v", i, w, g)
		}
	}

	var hourly []HourlyRequests
	for _, h := range perHour {
		hourly = append(hourly, *h)
	}
	slices.SortFunc(hourly, func(a, b HourlyRequests) int {
		return cmp.Or(strings.Compare(a.Service, b.Service), strings.Compare(a.Route, b.Route))
	})
	if fmt.Sprint(hourly) != fmt.Sprint(Hourly) {
		t.Errorf("Hourly %v, the events give %v", Hourly, hourly)
	}
	if got, want := slices.Sorted(slices.Values(hourlyRoute)), slices.Sorted(slices.Values(HourlyRouteDurations())); !slices.Equal(got, want) {
		t.Errorf("HourlyRouteDurations %v, the events give %v", want, got)
	}

	var services []ServiceErrorRate
	for _, s := range perService {
		services = append(services, *s)
	}
	slices.SortFunc(services, func(a, b ServiceErrorRate) int { return strings.Compare(a.Service, b.Service) })
	if fmt.Sprint(services) != fmt.Sprint(ErrorRatesOfHour) {
		t.Errorf("ErrorRatesOfHour %v, the events give %v", ErrorRatesOfHour, services)
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
