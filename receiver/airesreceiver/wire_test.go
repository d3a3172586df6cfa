package airesreceiver

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/aires-dev/aires/internal/row"
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
