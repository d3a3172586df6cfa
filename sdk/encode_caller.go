package aires

// The caller's side of the encoding (DESIGN.md, "Encoding on the caller"):
// Client.emit encodes the event from its options on the logging goroutine,
// and the worker only copies the bytes into the batch. The bytes are those
// of appendEventFields for the same event (TestCallerEncodingMatchesWorker,
// FuzzEncodeEvent).

// callerEncodeMax is the largest event (by collectHead's size hint) the
// caller encodes: half the encoded bytes a pooled event keeps.
const callerEncodeMax = pooledWireCap / 2

// encodeEvent builds the event of one logging call in a pooled event:
// encoded, or as fields when the worker has an error stack to symbolize or
// the event is large (its bytes would outgrow the pooled buffer, an
// allocation per call, and its strings are referenced rather than copied).
func encodeEvent(sev Severity, msg string, ts int64, opts []Option) *event {
	var h eventHead
	h.ts, h.sev, h.msg = ts, sev, msg
	size := h.collectHead(opts)
	h.id = newUUIDv7(h.ts)
	ev := getEvent()
	if h.err == nil && size <= callerEncodeMax {
		ev.wire = appendOptionFields(ev.wire[:0], &h, opts)
		return ev
	}
	ev.eventHead = h
	ev.attrs, ev.tags = ev.collect(opts, ev.attrs, ev.tags)
	return ev
}

// collectHead sets e's fields from opts, leaving the attributes and tags in
// the options (appendOptionFields reads them there), and returns about the
// event's encoded size, from its strings: enough to tell the typical event
// from one with a long message, values or lists.
func (e *eventHead) collectHead(opts []Option) int {
	const large = callerEncodeMax / 8 // a list or a group, whatever its length
	n := 64
	var ids idSources
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case optAttr:
			n += 16 + len(o.key) + len(o.str)
			if o.any != nil {
				n += large
			}
		case optMap:
			m, _ := o.any.([]attr)
			n += len(m) * large
		case optTags:
			n += 2 + len(o.str)
			if t, ok := o.any.([]string); ok {
				for _, s := range t {
					n += 2 + len(s)
				}
			}
		default:
			e.set(o, &ids)
		}
	}
	n += len(e.msg) + len(e.service) + len(e.env) + len(e.release) + len(e.session) + len(e.user)
	if h := e.http; h != nil {
		n += 64 + len(h.Method) + len(h.Route) + len(h.Path) + len(h.URL) + len(h.UserAgent) + len(h.ClientAddress)
	}
	return n
}

// appendOptionFields is appendEventFields for an event whose attributes and
// tags are still in its options: the same fields in the same order, with
// the same limits, without copying the options anywhere first.
func appendOptionFields(b []byte, e *eventHead, opts []Option) []byte {
	b = appendHead(b, e)
	var n, tags int // attributes written (or skipped for an empty key), tag options seen
	for i := range opts {
		o := &opts[i]
		switch o.kind {
		case optAttr:
			if n == MaxAttributes {
				continue
			}
			n++
			switch {
			case o.key == "":
			case o.vk >= vString && o.vk <= vBool:
				b = kvScalar(b, fEvAttributes, o.key, o.vk, o.str, o.num)
			default:
				a := o.toAttr()
				b = appendKV(b, fEvAttributes, &a, 0)
			}
		case optMap:
			m, _ := o.any.([]attr)
			m = m[:min(len(m), MaxAttributes-n)]
			n += len(m)
			for j := range m {
				b = appendKV(b, fEvAttributes, &m[j], 0)
			}
		case optTags:
			tags++
		}
	}
	if tags > 0 {
		n = 0
		for i := range opts {
			o := &opts[i]
			if o.kind != optTags {
				continue
			}
			if o.num == 1 {
				if n < MaxTags {
					b = appendTagValue(b, o.str)
					n++
				}
				continue
			}
			t, _ := o.any.([]string)
			t = t[:min(len(t), MaxTags-n)]
			n += len(t)
			for _, s := range t {
				b = appendTagValue(b, s)
			}
		}
	}
	return appendHTTP(b, e.http)
}
