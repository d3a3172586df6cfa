package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// The report's SDK CPU keys come from cmd/sdkcpu's JSON as it prints it.
func TestDeriveSDKCPU(t *testing.T) {
	const out = `{"events": 300000, "rounds": 3,
	  "median": {
	    "aires": {"library": "aires", "delivered": 300000, "cpu_s": 0.3, "us_per_event": 1.004, "wire_bytes_per_event": 13.7},
	    "aires/256": {"library": "aires/256", "us_per_event": 2.1},
	    "otel": {"library": "otel", "us_per_event": 6.126},
	    "zap": {"library": "zap", "us_per_event": 0.8},
	    "slog": {"library": "slog", "us_per_event": 0.75}},
	  "vs_zap": {"aires": 1.26, "aires/256": 2.63, "otel": 7.66, "zap": 1, "slog": 0.94},
	  "runs": []}`
	var s sdkCPU
	if err := json.Unmarshal([]byte(out), &s); err != nil {
		t.Fatal(err)
	}
	r := report{Details: details{SDKCPU: &s}}
	r.derive()
	for _, tc := range []struct {
		key       string
		got, want float64
	}{
		{"sdk_total_us_per_event", r.SDKTotalUsPerEvent, 1.0},
		{"otel_total_us_per_event", r.OtelTotalUsPerEvent, 6.13},
		{"zap_total_us_per_event", r.ZapTotalUsPerEvent, 0.8},
		{"slog_total_us_per_event", r.SlogTotalUsPerEvent, 0.75},
		{"sdk_total_vs_zap", r.SDKTotalVsZap, 1.26},
	} {
		if tc.got != tc.want {
			t.Errorf("%s = %v, want %v", tc.key, tc.got, tc.want)
		}
	}
	var table strings.Builder
	printTable(&table, &r)
	for _, want := range []string{"sdk_total_vs_zap", "1.26", "with 256-event batches 2.10 us (2.63x)"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("the printed table lacks %q:\n%s", want, table.String())
		}
	}
	b, err := json.Marshal(&r.Details)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		SDKCPU struct {
			Median map[string]struct {
				WireBytes float64 `json:"wire_bytes_per_event"`
			} `json:"median"`
		} `json:"sdk_cpu"`
	}
	if err := json.Unmarshal(b, &back); err != nil || back.SDKCPU.Median["aires"].WireBytes != 13.7 {
		t.Fatalf("details lost sdkcpu's figures (%v): %s", err, b)
	}
}
