package chaos

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// Promise is what a scenario in a mode must keep.
type Promise struct {
	NoLoss       bool // every acknowledged event is stored
	NoDuplicates bool // no event stored twice (enforced only with Options.FailOnDuplicates)
}

// Result is one row of the table.
type Result struct {
	Scenario string
	Mode     Mode
	Counts
	Alive   bool // the collector runs and its health check answers at the end
	Promise Promise
	Note    string
	Err     error // the scenario could not run as planned
}

// Failures are the reasons this row fails the run.
func (r Result) Failures(failOnDuplicates bool) []string {
	var f []string
	if r.Err != nil {
		f = append(f, r.Err.Error())
	}
	if !r.Alive {
		f = append(f, "collector not alive")
	}
	if r.Promise.NoLoss && r.Lost > 0 {
		f = append(f, fmt.Sprintf("%d acknowledged events lost", r.Lost))
	}
	if failOnDuplicates && r.Promise.NoDuplicates && r.Duplicates > 0 {
		f = append(f, fmt.Sprintf("%d duplicates", r.Duplicates))
	}
	return f
}

// promised shows what a row is held to: L no loss, D no duplicates
// (parenthesised when only reported).
func (r Result) promised(failOnDuplicates bool) string {
	var s []string
	if r.Promise.NoLoss {
		s = append(s, "L")
	}
	if r.Promise.NoDuplicates {
		if failOnDuplicates {
			s = append(s, "D")
		} else {
			s = append(s, "(D)")
		}
	}
	if len(s) == 0 {
		return "-"
	}
	return strings.Join(s, "")
}

// WriteTable prints the results as one table and returns the number of
// failing rows.
func WriteTable(w io.Writer, results []Result, failOnDuplicates bool) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "scenario\tmode\tsent\tacknowledged\tstored\tduplicates\tlost\talive\tpromise\tverdict\t")
	failed := 0
	var notes []string
	for i, r := range results {
		verdict := "ok"
		if f := r.Failures(failOnDuplicates); len(f) > 0 {
			verdict = "FAIL"
			failed++
			notes = append(notes, fmt.Sprintf("[%d] FAIL: %s", i+1, strings.Join(f, "; ")))
		}
		alive := "yes"
		if !r.Alive {
			alive = "NO"
		}
		fmt.Fprintf(tw, "[%d] %s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%s\t\n", i+1, r.Scenario, r.Mode,
			r.Sent, r.Acknowledged, r.Stored, r.Duplicates, r.Lost, alive, r.promised(failOnDuplicates), verdict)
		if r.Note != "" {
			notes = append(notes, fmt.Sprintf("[%d] %s", i+1, r.Note))
		}
	}
	_ = tw.Flush()
	fmt.Fprintln(w)
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
	fmt.Fprintln(w, "promise: L = no acknowledged event lost (fails the run), D = no duplicates (fails the run with -fail-on-duplicates; (D) = reported only)")
	return failed
}
