package airestransformprocessor // import "github.com/aires-dev/aires/processor/airestransformprocessor"

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"

	"github.com/aires-dev/aires/internal/row"
	"github.com/aires-dev/aires/processor/airestransformprocessor/internal/metadata"
)

type transform struct {
	builder   *row.Builder
	rename    map[string]string
	drop      map[string]struct{}
	redact    map[string]struct{}
	redacted  string
	telemetry *metadata.TelemetryBuilder
	rows      sync.Pool // *row.Row, reused across calls
}

func newTransform(cfg *Config, set processor.Settings) (*transform, error) {
	tb, err := metadata.NewTelemetryBuilder(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	t := &transform{
		builder: row.NewBuilder(row.Limits{
			MaxAttributes:  cfg.MaxAttributes,
			MaxValueLength: cfg.MaxValueLength,
		}),
		rename:    cfg.Rename,
		drop:      toSet(cfg.Drop),
		redact:    toSet(cfg.Redact),
		redacted:  cfg.RedactedValue,
		telemetry: tb,
	}
	t.rows.New = func() any { return new(row.Row) }
	return t, nil
}

func toSet(keys []string) map[string]struct{} {
	s := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		s[k] = struct{}{}
	}
	return s
}

// processLogs rewrites every record in its canonical Aires shape: rules
// first (on the record's own attributes), then the shared row builder, then
// the row written back. The exporter builds the very same row from the result.
func (t *transform) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	r := t.rows.Get().(*row.Row)
	defer func() {
		r.Clear() // the pool must not keep this batch's strings alive
		t.rows.Put(r)
	}()
	dropped, replaced := 0, 0
	var w row.Writer // for this batch only: it keeps strings of its records
	var rr row.Resource
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		rl := rls.At(i)
		res := rl.Resource()
		// Read once for the resource's records: it is rewritten after them.
		t.builder.Resource(res, &rr)
		anyRecord := false
		sls := rl.ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			sl := sls.At(j)
			lrs := sl.LogRecords()
			for k := 0; k < lrs.Len(); k++ {
				lr := lrs.At(k)
				anyRecord = true
				dropped += t.applyRules(lr.Attributes())
				// Records from the aires receiver are usually canonical
				// already: IsCanonical proves it in one read of the
				// record; building the row and comparing costs about twice
				// that, and rewriting ~30 allocations.
				if t.builder.IsCanonical(lr) {
					continue
				}
				built := t.builder.BuildFrom(&rr, lr, r)
				dropped += built.DroppedAttributes
				if built.TimestampReplaced {
					replaced++
				}
				if !row.RecordMatches(r, lr) {
					w.WriteRecord(r, lr)
				}
			}
		}
		// The resource is read by every record above: rewrite it last.
		if anyRecord {
			rr.ToRow(r)
			row.WriteResource(r, res.Attributes())
		}
	}
	if dropped > 0 {
		t.telemetry.AiresTransformAttributesDropped.Add(ctx, int64(dropped))
	}
	if replaced > 0 {
		t.telemetry.AiresTransformTimestampsReplaced.Add(ctx, int64(replaced))
	}
	return ld, nil
}

// applyRules applies drop, redact and rename to a record's attributes and
// returns how many were dropped.
func (t *transform) applyRules(attrs pcommon.Map) (dropped int) {
	if len(t.drop)+len(t.redact)+len(t.rename) == 0 {
		return 0 // no rules: not even an empty map's iteration per record
	}
	if len(t.drop) > 0 {
		attrs.RemoveIf(func(k string, _ pcommon.Value) bool {
			if _, ok := t.drop[k]; ok {
				dropped++
				return true
			}
			return false
		})
	}
	for k := range t.redact {
		if v, ok := attrs.Get(k); ok {
			v.SetStr(t.redacted)
		}
	}
	for from, to := range t.rename {
		v, ok := attrs.Get(from)
		if !ok {
			continue
		}
		// Copy out first: PutEmpty may move the map's storage under v.
		moved := pcommon.NewValueEmpty()
		v.CopyTo(moved)
		attrs.Remove(from)
		moved.CopyTo(attrs.PutEmpty(to))
	}
	return dropped
}

func (t *transform) shutdown(context.Context) error {
	t.telemetry.Shutdown()
	return nil
}
