package wire

import "testing"

// FuzzScanEvent holds the scan to proto.Unmarshal on arbitrary bytes: an
// event the scan accepts must decode, to the same fields, attributes and
// tags. (The receiver's FuzzDecodeBatch checks the whole decode path.)
func FuzzScanEvent(f *testing.F) {
	f.Add(mustMarshal(f, sampleEvent()))
	f.Add([]byte{})
	f.Add(attrEvent(keyValue("k", nestedArrays(3))))
	f.Add(attrEvent(keyValue("", bytesField(nil, AnyKvlist, bytesField(nil, ListValues, keyValue("a", nil))))))
	f.Add(bytesField(nil, EventHTTP, bytesField(nil, HTTPMethod, []byte("GET"))))
	f.Add(varintField(nil, EventMessage, 1))

	f.Fuzz(func(t *testing.T, raw []byte) {
		var e Event
		if !ScanEvent(raw, &e) {
			return // the caller decodes with proto.Unmarshal
		}
		if _, err := decode(raw); err != nil {
			t.Fatalf("the scan accepted an event proto.Unmarshal rejects: %v", err)
		}
		assertSameEvent(t, raw, &e)
	})
}
