package airesclickhouseexporter

import "testing"

func TestHasTTL(t *testing.T) {
	// engine_full as modern servers print it.
	const engine = "MergeTree PARTITION BY toDate(timestamp) ORDER BY (service, severity, timestamp) TTL timestamp + toIntervalDay(30) SETTINGS index_granularity = 8192"
	for want, ok := range map[string]bool{
		"timestamp + toIntervalDay(30)":  true,
		"timestamp + toIntervalDay(3)":   false,
		"timestamp + toIntervalHour(30)": false,
		"minute + toIntervalDay(30)":     false,
	} {
		if got := hasTTL(engine, want); got != ok {
			t.Errorf("hasTTL(%q) = %v, want %v", want, got, ok)
		}
	}
	if hasTTL("MergeTree() PARTITION BY toDate(timestamp) ORDER BY (service, severity, timestamp) SETTINGS index_granularity = 8192", "timestamp + toIntervalDay(30)") {
		t.Error("no TTL found in a table without TTL")
	}
}
