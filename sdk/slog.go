package aires

import (
	"context"
	"log/slog"
)

// SlogHandlerOptions configures NewSlogHandler.
type SlogHandlerOptions struct {
	// Level is the minimum level sent (default slog.LevelInfo).
	Level slog.Leveler
}

// NewSlogHandler returns an slog.Handler that sends each record as an event
// through c (nil: the package's default client at the time of each record).
//
// Levels map to severities: below Debug -> trace, Debug -> debug, Info ->
// info, Warn -> warn, Error -> error, Error+4 and above -> fatal (without
// Fatal's flush). Attributes keep their types; groups (slog.Group and
// WithGroup) become dotted keys ("request.id"). The first attribute whose
// value is an error also fills Event.error. The record's time is the event's
// timestamp, and an OTel span in the context passed to the logging call fills
// trace_id/span_id.
func NewSlogHandler(c *Client, opts *SlogHandlerOptions) slog.Handler {
	h := &slogHandler{c: c, level: slog.LevelInfo}
	if opts != nil && opts.Level != nil {
		h.level = opts.Level
	}
	return h
}

type slogHandler struct {
	c      *Client
	level  slog.Leveler
	prefix string   // "g1.g2." from WithGroup
	attrs  []Option // from WithAttrs, already converted
	hasErr bool     // attrs already hold an error option
}

func (h *slogHandler) client() *Client {
	if h.c != nil {
		return h.c
	}
	return Default()
}

func (h *slogHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= h.level.Level() && h.client() != nil
}

func (h *slogHandler) Handle(ctx context.Context, r slog.Record) error {
	c := h.client()
	if c == nil {
		return nil
	}
	var buf [12]Option
	opts := append(buf[:0], h.attrs...)
	opts = append(opts, WithContext(ctx)) // nothing when ctx is nil
	hasErr := h.hasErr
	r.Attrs(func(a slog.Attr) bool {
		opts = appendSlogAttr(opts, h.prefix, a, &hasErr, 0)
		return true
	})
	var ts int64
	if !r.Time.IsZero() {
		ts = r.Time.UnixNano()
	}
	c.emit(slogSeverity(r.Level), r.Message, ts, opts)
	return nil
}

func (h *slogHandler) WithAttrs(as []slog.Attr) slog.Handler {
	if len(as) == 0 {
		return h
	}
	h2 := *h
	h2.attrs = make([]Option, len(h.attrs), len(h.attrs)+len(as))
	copy(h2.attrs, h.attrs)
	for _, a := range as {
		h2.attrs = appendSlogAttr(h2.attrs, h.prefix, a, &h2.hasErr, 0)
	}
	return &h2
}

func (h *slogHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	h2 := *h
	h2.prefix = h.prefix + name + "."
	return &h2
}

func slogSeverity(l slog.Level) Severity {
	switch {
	case l < slog.LevelDebug:
		return SeverityTrace
	case l < slog.LevelInfo:
		return SeverityDebug
	case l < slog.LevelWarn:
		return SeverityInfo
	case l < slog.LevelError:
		return SeverityWarn
	case l < slog.LevelError+4:
		return SeverityError
	}
	return SeverityFatal
}

func appendSlogAttr(opts []Option, prefix string, a slog.Attr, hasErr *bool, depth int) []Option {
	v := a.Value.Resolve()
	if a.Key == "" && v.Kind() != slog.KindGroup {
		return opts // slog's rule: empty attributes are ignored
	}
	key := a.Key
	if prefix != "" && key != "" {
		key = prefix + key
	}
	switch v.Kind() {
	case slog.KindString:
		return append(opts, String(key, v.String()))
	case slog.KindInt64:
		return append(opts, Int64(key, v.Int64()))
	case slog.KindUint64:
		return append(opts, Uint64(key, v.Uint64()))
	case slog.KindFloat64:
		return append(opts, Float64(key, v.Float64()))
	case slog.KindBool:
		return append(opts, Bool(key, v.Bool()))
	case slog.KindDuration:
		return append(opts, Duration(key, v.Duration()))
	case slog.KindTime:
		return append(opts, Time(key, v.Time()))
	case slog.KindGroup:
		if depth >= maxNesting {
			return opts
		}
		p := prefix
		if a.Key != "" {
			p = key + "."
		}
		for _, ga := range v.Group() {
			opts = appendSlogAttr(opts, p, ga, hasErr, depth+1)
		}
		return opts
	default: // KindAny, KindLogValuer (already resolved)
		if err, ok := v.Any().(error); ok {
			opts = append(opts, String(key, safeErrorString(err)))
			if !*hasErr {
				*hasErr = true
				opts = append(opts, WithError(err))
			}
			return opts
		}
		return append(opts, Any(key, v.Any()))
	}
}
