package chtest

import "testing"

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
