package modern

import (
	"fmt"
	"regexp"
	"strconv"
	"testing"
)

// skipIndexGranules reads, from EXPLAIN indexes = 1 of query, how many
// granules the skip index name kept out of how many.
func skipIndexGranules(tb testing.TB, e sqlEngine, index, query string) (kept, total int) {
	tb.Helper()
	out, err := e.Query("EXPLAIN indexes = 1 "+query, "TabSeparatedRaw")
	if err != nil {
		tb.Fatal(err)
	}
	m := regexp.MustCompile(`Name: ` + index + `\n(?:.*\n)*?\s*Granules: (\d+)/(\d+)`).FindStringSubmatch(string(out))
	if m == nil {
		tb.Fatalf("EXPLAIN of %s shows no granules for skip index %s:\n%s", query, index, out)
	}
	kept, _ = strconv.Atoi(m[1])
	total, _ = strconv.Atoi(m[2])
	return kept, total
}

// TestSearchIndexes: on 26.7 the DDL's indexes answer the searches the
// README suggests (hasToken and hasAnyTokens on message through the text
// index, a trace id through the bloom filter), with the right rows, reading
// one granule out of many.
func TestSearchIndexes(t *testing.T) {
	e := engine(t)
	s := createSchema(t, e, "search", engineVersion(t, e))
	if !s.Caps.TextIndex {
		t.Fatalf("engine %s: no text index in the capabilities", engineVersion(t, e))
	}
	// 200,000 rows, about 25 granules, in one part; one message holds the
	// token searched for, one row the trace id.
	mustExec(t, e, fmt.Sprintf(`INSERT INTO %s (id, timestamp, timestamp_ns, service, severity, message, trace_id)
		SELECT generateUUIDv4(), toDateTime(1795000000 + number), (1795000000 + number) * 1000000000, 'api', 'info',
		       if(number = 123456, 'payment declined for order 42', concat('request served in ', toString(number %% 1000), ' ms')),
		       if(number = 123456, '4bf92f3577b34da6a3ce929d0e0e4736', lower(hex(sipHash128(number))))
		FROM numbers(200000)`, s.Table))

	// The text index knows exactly which granule holds a token; a bloom
	// filter (1% false positives per granule) may keep a stray one or two.
	for _, tt := range []struct {
		index, where string
		maxKept      int
	}{
		{"idx_message", "hasToken(message, 'declined')", 1},
		{"idx_message", "hasAnyTokens(message, ['declined', 'refused'])", 1},
		{"idx_message", "hasAllTokens(message, ['payment', 'declined'])", 1},
		{"idx_trace_id", "trace_id = '4bf92f3577b34da6a3ce929d0e0e4736'", 3},
	} {
		t.Run(tt.where, func(t *testing.T) {
			q := fmt.Sprintf("SELECT count() FROM %s WHERE %s", s.Table, tt.where)
			if got := scalar(t, e, q); got != "1" {
				t.Errorf("%s = %s, want 1", q, got)
			}
			kept, total := skipIndexGranules(t, e, tt.index, q)
			if kept < 1 || kept > tt.maxKept || total < 20 {
				t.Errorf("%s: index %s kept %d of %d granules, want 1 to %d of about 25", q, tt.index, kept, total, tt.maxKept)
			}
		})
	}
}
