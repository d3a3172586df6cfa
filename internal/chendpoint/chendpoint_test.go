package chendpoint

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{in: "tcp://127.0.0.1:9000", want: []string{"127.0.0.1:9000"}},
		{in: "clickhouse://db:9440", want: []string{"db:9440"}},
		{in: "localhost:9001", want: []string{"localhost:9001"}},
		{in: "localhost", want: []string{"localhost:9000"}},
		{in: "tcp://h1:9000, h2:9001,h3", want: []string{"h1:9000", "h2:9001", "h3:9000"}},
		{in: "[::1]:9000", want: []string{"[::1]:9000"}},
	}
	for _, tt := range tests {
		got, err := Parse(tt.in)
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
	for _, bad := range []string{"", "https://h:8443", "ftp://h", "tcp://h:9000/db", "h1:9000,,h2", "tcp://:9000", "h:70000"} {
		_, err := Parse(bad)
		assert.Error(t, err, bad)
	}
}
