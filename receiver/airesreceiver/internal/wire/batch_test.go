package wire

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protowire"
)

func TestWalkBatch(t *testing.T) {
	res := bytesField(nil, BatchResource, []byte("r"))
	ev := bytesField(nil, BatchEvents, []byte("e"))
	batch := append(append(append([]byte(nil), res...), ev...), ev...)
	tests := []struct {
		name      string
		raw       []byte
		events    int
		visited   []protowire.Number
		malformed int // offset of the framing error; -1 when none
	}{
		{name: "empty", raw: nil, malformed: -1},
		{name: "resource and two events", raw: batch, events: 2, visited: []protowire.Number{BatchResource, BatchEvents, BatchEvents}, malformed: -1},
		{name: "unknown and mistyped fields are skipped", raw: append(varintField(varintField(nil, 9, 1), BatchEvents, 1), ev...), events: 1, visited: []protowire.Number{BatchEvents}, malformed: -1},
		{name: "truncated last event", raw: batch[:len(batch)-1], malformed: len(res) + len(ev)},
		{name: "bad tag", raw: append(append([]byte(nil), res...), 0xff), malformed: len(res)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var visited []protowire.Number
			n, err := WalkBatch(tt.raw, func(num protowire.Number, _ []byte) error {
				visited = append(visited, num)
				return nil
			})
			if tt.malformed >= 0 {
				var me *MalformedError
				require.ErrorAs(t, err, &me)
				assert.Equal(t, tt.malformed, me.Offset)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.events, n)
			assert.Equal(t, tt.visited, visited)
			// Without visit, the walk only counts.
			n, err = WalkBatch(tt.raw, nil)
			require.NoError(t, err)
			assert.Equal(t, tt.events, n)
		})
	}
}

func TestWalkBatchStopsAtVisitError(t *testing.T) {
	stop := errors.New("stop")
	ev := bytesField(nil, BatchEvents, nil)
	calls := 0
	_, err := WalkBatch(append(append([]byte(nil), ev...), ev...), func(protowire.Number, []byte) error {
		calls++
		return stop
	})
	assert.Same(t, stop, err)
	assert.Equal(t, 1, calls)
}
