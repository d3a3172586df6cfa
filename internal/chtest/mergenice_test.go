package chtest

import "testing"

func TestStatNice(t *testing.T) {
	for _, tc := range []struct {
		line string
		want int
		bad  bool
	}{
		{line: "4242 (BackgrProcPool) S 1 4242 4242 0 -1 4194368 51 0 0 0 3 1 0 0 30 10 47 0 1234", want: 10},
		{line: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99", want: 0},
		{line: "7 (x) R 1 2", bad: true},
		{line: "no parenthesis at all", bad: true},
	} {
		got, err := statNice(tc.line)
		if tc.bad {
			if err == nil {
				t.Errorf("statNice(%q) = %d, want an error", tc.line, got)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("statNice(%q) = %d, %v; want %d", tc.line, got, err, tc.want)
		}
	}
}

// TestMergeThreadNice starts real servers: scripts/clickhouse.sh lowers the
// merge threads' priority to CLICKHOUSE_MERGE_NICE (default 10) and leaves
// them alone with 0.
func TestMergeThreadNice(t *testing.T) {
	for _, tc := range []struct {
		env  string // CLICKHOUSE_MERGE_NICE; "" unset
		want int
	}{
		{env: "", want: 10},
		{env: "0", want: 0},
		{env: "15", want: 15},
	} {
		t.Run("CLICKHOUSE_MERGE_NICE="+tc.env, func(t *testing.T) {
			t.Setenv("CLICKHOUSE_MERGE_NICE", tc.env)
			s := Start(t)
			got, err := s.MergeThreadNice()
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("merge threads at nice %d, want %d", got, tc.want)
			}
		})
	}
}
