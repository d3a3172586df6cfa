package schema

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a ClickHouse server version as reported by SELECT version().
type Version struct {
	Major, Minor, Patch int
}

// ParseVersion parses "18.16.1", "23.8.2.7" or "24.3.1.2672-lts" and similar.
func ParseVersion(s string) (Version, error) {
	s = strings.TrimSpace(s)
	if i := strings.IndexAny(s, "-+ "); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) < 2 {
		return Version{}, fmt.Errorf("cannot parse ClickHouse version %q: want MAJOR.MINOR[.PATCH...]", s)
	}
	var nums [3]int
	for i := 0; i < len(parts) && i < 3; i++ {
		n, err := strconv.Atoi(parts[i])
		if err != nil || n < 0 {
			return Version{}, fmt.Errorf("cannot parse ClickHouse version %q: %q is not a number", s, parts[i])
		}
		nums[i] = n
	}
	return Version{Major: nums[0], Minor: nums[1], Patch: nums[2]}, nil
}

func (v Version) String() string { return fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch) }

// AtLeast reports whether v >= major.minor.
func (v Version) AtLeast(major, minor int) bool {
	return v.Major > major || (v.Major == major && v.Minor >= minor)
}

// Capabilities are the schema features a server has.
//
// The thresholds come from the ClickHouse changelog and are deliberately
// conservative (the release where a feature stopped being experimental). Two
// are verified here on a real engine: 18.16 (Debian's server) and 26.7 (chDB,
// in process, test/modern); the others by golden files only.
type Capabilities struct {
	Codecs         bool // CODEC(...) on columns (19.11)
	LowCardinality bool // LowCardinality(String) without an experimental setting (19.11)
	TTL            bool // table TTL and ALTER ... MODIFY TTL (20.1: TTL came in 19.6, MODIFY TTL fixed in 19.17/20.1, ClickHouse#8422)
	SkipIndexes    bool // INDEX ... TYPE bloom_filter / tokenbf_v1 (20.1)
	DateTime64     bool // DateTime64 and fromUnixTimestamp64Nano (20.5)
	Map            bool // Map(K, V) and CAST((keys, values), 'Map(K, V)') (22.1)
	TextIndex      bool // INDEX ... TYPE text(tokenizer = ...), the inverted index, GA without a setting (26.2)
	// DedupWindow is the MergeTree setting non_replicated_deduplication_window
	// (21.3): a plain MergeTree remembers the hashes (or tokens) of its last
	// inserted blocks and drops a block it has already stored.
	DedupWindow bool
	// DedupToken is the query setting insert_deduplication_token (22.2): the
	// client names a block, so a retry is recognised by its name rather
	// than by its bytes, and dependent materialized views derive their
	// blocks' names from it.
	DedupToken bool
}

// CapabilitiesOf returns what server version v supports.
func CapabilitiesOf(v Version) Capabilities {
	return Capabilities{
		Codecs:         v.AtLeast(19, 11),
		LowCardinality: v.AtLeast(19, 11),
		TTL:            v.AtLeast(20, 1),
		SkipIndexes:    v.AtLeast(20, 1),
		DateTime64:     v.AtLeast(20, 5),
		Map:            v.AtLeast(22, 1),
		TextIndex:      v.AtLeast(26, 2),
		DedupWindow:    v.AtLeast(21, 3),
		DedupToken:     v.AtLeast(22, 2),
	}
}
