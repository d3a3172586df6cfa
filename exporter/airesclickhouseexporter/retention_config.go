package airesclickhouseexporter // import "github.com/aires-dev/aires/exporter/airesclickhouseexporter"

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Retention is how long rows are kept. In YAML it is a whole number of days
// ("30d") or a Go duration ("720h"); 0 keeps rows forever.
type Retention time.Duration

// Duration is the retention as a time.Duration.
func (r Retention) Duration() time.Duration { return time.Duration(r) }

// String prints whole days as "30d", anything else as a Go duration.
func (r Retention) String() string {
	d := time.Duration(r)
	if d > 0 && d%(24*time.Hour) == 0 {
		return strconv.FormatInt(int64(d/(24*time.Hour)), 10) + "d"
	}
	return d.String()
}

// UnmarshalText accepts "30d" (days) or any Go duration ("720h", "36h").
func (r *Retention) UnmarshalText(text []byte) error {
	s := strings.TrimSpace(string(text))
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.ParseInt(days, 10, 64)
		if err != nil || n < 0 || n > 100*365 {
			return fmt.Errorf("retention %q: write a whole number of days (\"30d\") or a duration (\"720h\")", s)
		}
		*r = Retention(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("retention %q: write a whole number of days (\"30d\") or a duration (\"720h\")", s)
	}
	*r = Retention(d)
	return nil
}

// MarshalText writes the form UnmarshalText reads.
func (r Retention) MarshalText() ([]byte, error) { return []byte(r.String()), nil }
