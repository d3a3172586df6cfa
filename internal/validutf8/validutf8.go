// Package validutf8 checks that text is valid UTF-8, as unicode/utf8 does,
// but faster for the short ASCII strings that make most of an event: keys
// such as "http.route", values such as "GET" or "/orders/{id}".
//
// Each event's strings are checked by the receiver, again by the processor
// and again by the exporter (each must be correct on its own for input that
// did not go through the others), so this check runs about six times per
// attribute. utf8.ValidString costs a call and a byte loop over the tail of
// every string; here ASCII is checked eight bytes at a time, with the last
// word overlapping the previous one, and only text with a byte >= 0x80 goes
// on to unicode/utf8 (from the first word that holds one). Text of 64 bytes
// or more goes to unicode/utf8 at once: its own ASCII loop is faster there
// (BenchmarkStringLong).
package validutf8 // import "github.com/aires-dev/aires/internal/validutf8"

import (
	"encoding/binary"
	"unicode/utf8"
	"unsafe"
)

const (
	longText = 64
	high64   = 0x8080808080808080
	high32   = 0x80808080
)

// String reports whether s is valid UTF-8: utf8.ValidString(s).
func String(s string) bool {
	return Bytes(unsafe.Slice(unsafe.StringData(s), len(s)))
}

// Bytes reports whether b is valid UTF-8: utf8.Valid(b). It does not keep
// or modify b.
func Bytes(b []byte) bool {
	n := len(b)
	if n >= longText {
		return utf8.Valid(b)
	}
	if n < 8 {
		if n >= 4 {
			if (binary.LittleEndian.Uint32(b)|binary.LittleEndian.Uint32(b[n-4:]))&high32 == 0 {
				return true
			}
			return utf8.Valid(b)
		}
		var or byte
		for _, c := range b {
			or |= c
		}
		return or < utf8.RuneSelf || utf8.Valid(b)
	}
	i := 0
	for ; i+8 <= n; i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&high64 != 0 {
			// b[:i] is ASCII, so b[i] starts a rune.
			return utf8.Valid(b[i:])
		}
	}
	if i < n && binary.LittleEndian.Uint64(b[n-8:])&high64 != 0 {
		return utf8.Valid(b[i:])
	}
	return true
}
