package airesreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"github.com/aires-dev/aires/receiver/airesreceiver/internal/wire"
)

func TestDecodeBatchFastPath(t *testing.T) {
	batch := &airesv1.EventBatch{Resource: testResource(), Events: []*airesv1.Event{fullEvent(), minimalEvent("b")}}
	db, err := decodeBatch(mustMarshal(batch), 10)
	require.NoError(t, err)
	assert.True(t, proto.Equal(batch.Resource, db.resource))
	require.Len(t, db.events, 2)
	assert.True(t, proto.Equal(batch.Events[0], db.events[0]))
	assert.Nil(t, db.decodeErrs)
}

func TestDecodeBatch(t *testing.T) {
	res := mustMarshal(testResource())
	good := mustMarshal(minimalEvent("good"))
	badResource := protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), "\xff")
	truncated := encodeBatch(res, good)
	truncated = truncated[:len(truncated)-3]

	tests := []struct {
		name       string
		raw        []byte
		maxEvents  int
		batchErr   string         // substring of the batch error; "" when the batch decodes
		events     int            // number of event slots
		decodeErrs map[int]string // index -> substring of the reason
	}{
		{name: "empty request", raw: nil, events: 0},
		{name: "resource only", raw: encodeBatch(res), events: 0},
		{name: "no resource", raw: encodeBatch(nil, good, good), events: 2},
		{
			name:       "invalid utf-8 event among valid ones",
			raw:        encodeBatch(res, good, invalidUTF8Event(), good),
			events:     3,
			decodeErrs: map[int]string{1: "invalid UTF-8"},
		},
		{
			name:       "malformed event bytes",
			raw:        encodeBatch(res, good, []byte{0x0a, 0x05, 0x01}),
			events:     2,
			decodeErrs: map[int]string{1: "event cannot be decoded"},
		},
		{
			name:      "invalid utf-8 resource",
			raw:       encodeBatch(badResource, good),
			batchErr:  "the batch's resource cannot be decoded",
			maxEvents: 10,
		},
		{name: "truncated", raw: truncated, batchErr: "malformed aires.v1.EventBatch"},
		{name: "garbage", raw: []byte{0xff, 0xff, 0xff}, batchErr: "malformed aires.v1.EventBatch at byte 0"},
		{name: "field zero", raw: []byte{0x00, 0x01}, batchErr: "malformed"},
		{name: "events with another wire type are unknown fields", raw: protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 1), events: 0},
		{
			name:       "events with another wire type, lenient",
			raw:        append(protowire.AppendVarint(protowire.AppendTag(nil, 2, protowire.VarintType), 1), encodeBatch(res, invalidUTF8Event())...),
			events:     1,
			decodeErrs: map[int]string{0: "invalid UTF-8"},
		},
		{
			name:   "unknown fields are skipped",
			raw:    append(protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 7), encodeBatch(res, good)...),
			events: 1,
		},
		{
			name: "unknown fields are skipped on the lenient path too",
			raw: append(protowire.AppendVarint(protowire.AppendTag(nil, 99, protowire.VarintType), 7),
				encodeBatch(res, invalidUTF8Event(), good)...),
			events:     2,
			decodeErrs: map[int]string{0: "invalid UTF-8"},
		},
		{name: "too many events", raw: encodeBatch(res, good, good, good), maxEvents: 2, batchErr: "batch holds 3 events, more than max_events_per_batch (2)"},
		{name: "too many events, lenient", raw: encodeBatch(res, good, invalidUTF8Event(), good), maxEvents: 2, batchErr: "batch holds 3 events"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxEvents := tt.maxEvents
			if maxEvents == 0 {
				maxEvents = 10
			}
			db, err := decodeBatch(tt.raw, maxEvents)
			if tt.batchErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.batchErr)
				_, ok := asBatchError(err)
				assert.True(t, ok)
				return
			}
			require.NoError(t, err)
			require.Len(t, db.events, tt.events)
			assert.Len(t, db.decodeErrs, len(tt.decodeErrs))
			for i, ev := range db.events {
				if want, bad := tt.decodeErrs[i]; bad {
					assert.Nil(t, ev)
					assert.Contains(t, db.decodeErrs[i], want)
					continue
				}
				require.NotNil(t, ev)
				assert.Equal(t, "good", ev.Message)
			}
		})
	}
}

func TestDecodeBatchMergesRepeatedResource(t *testing.T) {
	a := mustMarshal(&airesv1.Resource{Service: "a", Host: "h"})
	b := mustMarshal(&airesv1.Resource{Service: "b"})
	raw := encodeBatch(a, invalidUTF8Event()) // lenient path
	raw = append(raw, encodeBatch(b)...)
	db, err := decodeBatch(raw, 10)
	require.NoError(t, err)
	assert.Equal(t, "b", db.resource.Service)
	assert.Equal(t, "h", db.resource.Host)

	// The fast path merges the same way.
	var want airesv1.EventBatch
	require.NoError(t, proto.Unmarshal(append(encodeBatch(a), encodeBatch(b)...), &want))
	assert.True(t, proto.Equal(want.Resource, db.resource))
}

// An unknown field numbered above protowire.MaxValidNumber, at the top of an
// event or inside an attribute's map, is accepted by protowire but rejected
// by proto.Unmarshal: the direct path must reject it the same way (found by
// FuzzDecodeBatch).
func TestFieldNumberAboveMaxIsRejected(t *testing.T) {
	tooBig := protowire.MaxValidNumber + 1
	unknown := protowire.AppendVarint(protowire.AppendTag(nil, tooBig, protowire.VarintType), 1)
	top := append(mustMarshal(minimalEvent("top")), unknown...)

	kvlist := protowire.AppendBytes(protowire.AppendTag(nil, wire.AnyKvlist, protowire.BytesType), unknown)
	kv := protowire.AppendBytes(protowire.AppendTag(nil, wire.KeyValueValue, protowire.BytesType), kvlist)
	kv = append(protowire.AppendString(protowire.AppendTag(nil, wire.KeyValueKey, protowire.BytesType), "k"), kv...)
	nested := protowire.AppendBytes(protowire.AppendTag(mustMarshal(minimalEvent("nested")), wire.EventAttributes, protowire.BytesType), kv)

	raw := encodeBatch(nil, top, nested, mustMarshal(minimalEvent("ok")))
	br, err := decodeConvert(raw, diffNow, 64, 256, "")
	require.NoError(t, err)
	assert.Equal(t, 1, br.accepted)
	require.Len(t, br.rejections, 2)
	for i, r := range br.rejections {
		assert.Equal(t, uint32(i), r.Index)
		assert.Contains(t, r.Reason, "event cannot be decoded")
	}
	compareWithReference(t, raw, 64, 256)
}
