package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"strings"
)

// DedupWindow is how many of its last inserted blocks a table remembers
// (non_replicated_deduplication_window) to drop a retried one. A retry comes
// back within the exporter's retry and queue delays, a few hundred inserts
// at most per table; the window costs a hash per block in a small log next
// to the table.
const DedupWindow = 10000

// tableSettings is the SETTINGS clause of the events table and the views'
// tables ("" when the server has none to set): the deduplication window,
// where the server has it, on all three, because a retried block dropped
// from the events table but not from a view's table would be counted twice
// on the dashboards. Replicated tables have a window on every version
// (100 blocks by default), widened to the same DedupWindow.
func (s Schema) tableSettings() string {
	name, ok := s.dedupSetting()
	if !ok {
		return ""
	}
	return "SETTINGS " + name + " = " + strconv.Itoa(DedupWindow) + "\n"
}

// DedupTables are the tables that need the deduplication window: every
// table an insert writes into (the events table and the views' targets).
func (s Schema) DedupTables() []Table { return s.Tables() }

// ModifyDedupWindow is the statement giving existing table t of one server
// the deduplication window (Schema.ModifyDedupWindow in cluster mode).
func ModifyDedupWindow(t Table) string { return Schema{}.ModifyDedupWindow(t) }

// HasDedupWindow reports whether engineFull (a TableEngine row of a table on
// one server) already has the deduplication window of DedupWindow blocks.
func HasDedupWindow(engineFull string) bool { return Schema{}.HasDedupWindow(engineFull) }

// DedupToken names a batch for insert_deduplication_token: a hash of its
// rows' ids, in order. The exporter builds rows deterministically, so a
// retried batch has the same ids and the same token, and the server drops
// it from tables with the deduplication window.
func DedupToken(ids [][16]byte) string {
	h := sha256.New()
	for i := range ids {
		h.Write(ids[i][:])
	}
	return "aires-" + hex.EncodeToString(h.Sum(nil)[:16])
}

// InsertSettings are the query settings of an INSERT of a batch named
// token (DedupToken), on a server with capabilities c: none where the
// server has no insert_deduplication_token. With it, the views' blocks are
// deduplicated too (deduplicate_blocks_in_dependent_materialized_views: on
// by default on recent servers, off on 22.x).
func (c Capabilities) InsertSettings(token string) map[string]any {
	if !c.DedupToken || !c.DedupWindow {
		return nil
	}
	return map[string]any{
		"insert_deduplication_token":                         token,
		"deduplicate_blocks_in_dependent_materialized_views": 1,
	}
}

// QueryRunning counts the queries with id queryID the server is executing
// (system.processes): an insert in doubt is resolved only once it has ended.
func QueryRunning(queryID string) string {
	return "SELECT count() FROM system.processes WHERE query_id = " + Literal(queryID)
}

// StoredIDsTable is the name of the external table (one UUID column, id)
// that StoredIDs reads the ids to look for from: a literal list of a whole
// batch's ids would exceed max_query_size.
const StoredIDsTable = "aires_doubtful_ids"

// StoredIDs selects the ids of StoredIDsTable that t holds, reading only the
// granules rows of the given services between minTs and maxTs (Unix
// seconds, inclusive) can be in.
func StoredIDs(t Table, minTs, maxTs int64, services []string) string {
	lits := make([]string, len(services))
	for i, s := range services {
		lits[i] = Literal(s)
	}
	return "SELECT id FROM " + t.String() +
		" WHERE timestamp >= toDateTime(" + strconv.FormatInt(minTs, 10) + ") AND timestamp <= toDateTime(" + strconv.FormatInt(maxTs, 10) + ")" +
		" AND service IN (" + strings.Join(lits, ", ") + ") AND id IN " + StoredIDsTable
}
