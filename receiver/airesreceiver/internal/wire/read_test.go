package wire

import (
	"bytes"
	"strings"
	"testing"

	"google.golang.org/protobuf/encoding/protowire"
)

// readerInputs are encodings the readers' fast paths take, and neighbours
// of them that must take the general loop.
func readerInputs() [][]byte {
	long := strings.Repeat("x", 200)
	huge := strings.Repeat("y", 20000) // a three-byte length
	str := func(s string) []byte { return bytesField(nil, AnyString, []byte(s)) }
	return [][]byte{
		nil,
		{},
		keyValue("k", str("v")),
		keyValue(long, str(long)),
		keyValue("k", str(huge)),
		keyValue("", nil),
		keyValue("k", []byte{}),
		bytesField(keyValue("k", str("v")), KeyValueKey, []byte("again")), // the last key wins
		bytesField(bytesField(nil, KeyValueValue, str("v")), KeyValueKey, []byte("k")),
		varintField(keyValue("k", str("v")), 9, 1), // an unknown field after
		keyValue("k", str("v"))[:4],                // truncated
		{byte(keyTag), 0x80},                       // a length cut short
		{byte(keyTag), 0x80, 0x00},                 // a non-minimal length
		{byte(keyTag), 0xff, 0xff, 0x01},
		varintField(nil, AnyInt, 7),
		append(str("a"), str("b")...),
	}
}

func TestFastReadersMatch(t *testing.T) {
	for _, b := range readerInputs() {
		checkReadersMatch(t, b)
	}
}

// FuzzReaders holds the readers' fast paths to their general loops on any
// bytes, scanned or not.
func FuzzReaders(f *testing.F) {
	for _, b := range readerInputs() {
		f.Add(b)
	}
	f.Fuzz(checkReadersMatch)
}

func checkReadersMatch(t *testing.T, b []byte) {
	t.Helper()
	for _, num := range []protowire.Number{1, 2, 3, 15, 16} {
		v1, r1, ok1 := NextField(b, num)
		v2, r2, ok2 := nextField(b, num)
		if ok1 != ok2 || !bytes.Equal(v1, v2) || !bytes.Equal(r1, r2) {
			t.Fatalf("NextField(%x, %d) = %x, %x, %v; the general loop gives %x, %x, %v", b, num, v1, r1, ok1, v2, r2, ok2)
		}
	}
	k1, v1, h1 := ReadKeyValue(b)
	k2, v2, h2 := readKeyValue(b)
	if k1 != k2 || !bytes.Equal(v1, v2) || h1 != h2 {
		t.Fatalf("ReadKeyValue(%x) = %q, %x, %v; the general loop gives %q, %x, %v", b, k1, v1, h1, k2, v2, h2)
	}
	m1, s1, p1 := ReadAnyValue(b)
	m2, s2, p2 := readAnyValue(b)
	if m1 != m2 || s1 != s2 || !bytes.Equal(p1, p2) {
		t.Fatalf("ReadAnyValue(%x) = %d, %d, %x; the general loop gives %d, %d, %x", b, m1, s1, p1, m2, s2, p2)
	}
}
