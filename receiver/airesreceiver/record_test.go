package airesreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/aires-dev/aires/internal/row"
	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

func TestUUIDString(t *testing.T) {
	buf := make([]byte, 0, 2*uuidLen)
	var got []string
	ids := [][idLen]byte{[idLen]byte(testEventID), {}, {0xff, 0xfe, 0xfd, 0xfc, 0xfb, 0xfa, 0xf9, 0xf8, 0xf7, 0xf6, 0xf5, 0xf4, 0xf3, 0xf2, 0xf1, 0xf0}}
	for _, id := range ids {
		s := uuidString(&buf, id) // the third one does not fit: allocated on its own
		assert.Equal(t, row.FormatUUID(id), s)
		got = append(got, s)
	}
	// Earlier strings are not overwritten.
	assert.Equal(t, row.FormatUUID([idLen]byte(testEventID)), got[0])
	assert.Equal(t, "00000000-0000-0000-0000-000000000000", got[1])
	assert.Equal(t, "fffefdfc-fbfa-f9f8-f7f6-f5f4f3f2f1f0", got[2])
}

// TestWireAttributeCapacity checks that wireAttributeCapacity is what
// convertWire writes: never fewer (the map would grow again), and exactly as
// many when no user attribute shares a key with a field.
func TestWireAttributeCapacity(t *testing.T) {
	convert := func(b []byte) (plog.LogRecord, *wire.Event, bool) {
		var we wire.Event
		if !wire.ScanEvent(b, &we) || validateWire(b, &we, diffNow, 256) != "" {
			return plog.LogRecord{}, nil, false
		}
		lr := plog.NewLogRecord()
		var uids []byte
		convertWire(lr, b, &we, 1, &uids, nil)
		return lr, &we, true
	}

	for _, ev := range []*airesv1.Event{fullEvent(), minimalEvent("m"), {}} {
		lr, we, ok := convert(mustMarshal(ev))
		require.True(t, ok)
		assert.Equal(t, lr.Attributes().Len(), wireAttributeCapacity(we))
	}

	g := newBatchGen(3)
	checked := 0
	for range 2000 {
		_, events, err := splitBatch(g.batch(), 64, nil)
		if err != nil {
			continue
		}
		for _, b := range events {
			if lr, we, ok := convert(b); ok {
				require.LessOrEqual(t, lr.Attributes().Len(), wireAttributeCapacity(we))
				checked++
			}
		}
	}
	require.Greater(t, checked, 1000)
}
