package row

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/semconv"
	"github.com/aires-dev/aires/internal/validutf8"
)

// IsCanonical reports, without building a row, that lr is already in the
// canonical shape: Build would change nothing in it (no attribute dropped,
// its time kept) and RecordMatches would accept it, so WriteRecord would
// leave it equal. It reads each attribute once and allocates nothing; Build
// followed by RecordMatches costs about twice as much (BenchmarkCanonical).
//
// It is sound, not complete: true means so, false means "build the row and
// compare" (the processor's path for records that are not canonical). It
// says false for what is rare in canonical records: an attribute that is a
// map, a list (but aires.tags) or empty, a key Build reads as an alias
// (enduser.id, http.server.request.duration), the original timestamp a
// rewrite keeps, a double that is NaN, more than maxKeySet attributes.
// TestIsCanonicalImpliesMatch and FuzzIsCanonical hold it to Build and
// RecordMatches.
func (b *Builder) IsCanonical(lr plog.LogRecord) bool {
	ts := uint64(lr.Timestamp())
	if ts == 0 {
		return false
	}
	if ns, original := b.eventTime(lr); original != 0 || ns != ts {
		return false
	}
	n, text := lr.SeverityNumber(), lr.SeverityText()
	if sev := SeverityOf(n, text); n != sev.SeverityNumber() || text != sev.Text() {
		return false
	}
	if body := lr.Body(); body.Type() != pcommon.ValueTypeStr || !validutf8.String(body.Str()) {
		return false
	}
	attrs := lr.Attributes()
	count := attrs.Len()
	if count > maxKeySet {
		return false
	}
	// Duplicate keys: each key is compared with those before it when they
	// are few, looked up in a table of their hashes otherwise.
	var few [fewKeys]string
	var set *keySet // cleared only for a record with more than fewKeys keys
	if count > fewKeys {
		set = new(keySet)
	}
	hasID, typed, i := false, 0, 0
	for k, v := range attrs.All() {
		if count <= fewKeys {
			for _, seen := range few[:i] {
				if seen == k {
					return false
				}
			}
			few[i] = k
			i++
		} else if !set.add(k) {
			return false
		}
		switch k {
		case semconv.LogRecordUID:
			if v.Type() != pcommon.ValueTypeStr || !isCanonicalUUID(v.Str()) {
				return false
			}
			hasID = true
		case semconv.SessionID, semconv.UserID,
			semconv.HTTPRequestMethod, semconv.HTTPRoute, semconv.URLPath, semconv.URLFull,
			semconv.UserAgentOriginal, semconv.ClientAddress,
			semconv.ExceptionType, semconv.ExceptionMessage, semconv.ExceptionStacktrace:
			// Stored whole (no cut), absent when empty.
			if v.Type() != pcommon.ValueTypeStr || v.Str() == "" || !validutf8.String(v.Str()) {
				return false
			}
		case semconv.HTTPResponseStatusCode:
			if v.Type() != pcommon.ValueTypeInt || v.Int() <= 0 || v.Int() > math.MaxUint16 {
				return false
			}
		case semconv.HTTPRequestBodySize, semconv.HTTPResponseBodySize:
			if v.Type() != pcommon.ValueTypeInt || v.Int() == 0 {
				return false
			}
		case semconv.AiresHTTPDurationMs:
			if v.Type() != pcommon.ValueTypeDouble || v.Double() == 0 || math.IsNaN(v.Double()) {
				return false
			}
		case semconv.AiresTags:
			if !b.canonicalTags(v) {
				return false
			}
		case semconv.EnduserID, semconv.HTTPServerRequestDuration, semconv.AiresOriginalTimestampNs:
			return false
		default:
			if !b.canonicalTyped(k, v) {
				return false
			}
			typed++
		}
	}
	return hasID && typed <= b.limits.MaxAttributes
}

// fewKeys is the most attributes IsCanonical checks for a duplicate key by
// comparing each with those before it; more take a keySet.
const fewKeys = 16

// canonicalTyped reports whether attribute k, v is a typed attribute as
// Build keeps it: a valid key, and a string (valid, within the value length
// limit), an integer, a double (not NaN) or a boolean.
func (b *Builder) canonicalTyped(k string, v pcommon.Value) bool {
	if !validutf8.String(k) {
		return false
	}
	switch v.Type() {
	case pcommon.ValueTypeStr:
		s := v.Str()
		return len(s) <= b.limits.MaxValueLength && validutf8.String(s)
	case pcommon.ValueTypeInt, pcommon.ValueTypeBool:
		return true
	case pcommon.ValueTypeDouble:
		return !math.IsNaN(v.Double())
	}
	return false
}

// canonicalTags reports whether v is aires.tags as Build keeps it: a
// non-empty list of valid strings within the value length limit.
func (b *Builder) canonicalTags(v pcommon.Value) bool {
	if v.Type() != pcommon.ValueTypeSlice || v.Slice().Len() == 0 {
		return false
	}
	for _, e := range v.Slice().All() {
		if e.Type() != pcommon.ValueTypeStr || len(e.Str()) > b.limits.MaxValueLength || !validutf8.String(e.Str()) {
			return false
		}
	}
	return true
}

// isCanonicalUUID reports whether s is a UUID in the text WriteRecord
// writes (FormatUUID's): 36 characters, lowercase hexadecimal digits with
// hyphens at 8, 13, 18 and 23. It is ParseUUID followed by a comparison
// with FormatUUID's text, in one pass (FuzzIsCanonicalUUID).
func isCanonicalUUID(s string) bool {
	if len(s) != uuidTextLen {
		return false
	}
	for i := 0; i < uuidTextLen; i++ {
		if uuidTextChar[i]&uuidChar[s[i]] == 0 {
			return false
		}
	}
	return true
}

const uuidTextLen = 36

// uuidChar classes the bytes of a UUID's text: a lowercase hexadecimal
// digit is 1, a hyphen 2, anything else 0. uuidTextChar is the class each
// position of the text wants.
var uuidChar, uuidTextChar = func() (chars [256]byte, positions [uuidTextLen]byte) {
	for _, c := range "0123456789abcdef" {
		chars[c] = 1
	}
	chars['-'] = 2
	for i := range positions {
		positions[i] = 1
	}
	for _, i := range []int{8, 13, 18, 23} {
		positions[i] = 2
	}
	return chars, positions
}()
