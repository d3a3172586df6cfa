package airesclickhouseexporter

import (
	"testing"

	"github.com/ClickHouse/clickhouse-go/v2"
	"github.com/stretchr/testify/assert"
)

func TestCompressionFor(t *testing.T) {
	local := []string{"127.0.0.1:9000"}
	for _, tc := range []struct {
		setting string
		addrs   []string
		want    clickhouse.CompressionMethod
	}{
		{"auto", local, clickhouse.CompressionNone},
		{"auto", []string{"localhost:9000", "[::1]:9000", "127.0.0.2:9001", "LOCALHOST.:9000"}, clickhouse.CompressionNone},
		{"auto", []string{"127.0.0.1:9000", "ch-2:9000"}, clickhouse.CompressionLZ4},
		{"auto", []string{"10.0.0.5:9000"}, clickhouse.CompressionLZ4},
		{"auto", []string{"[fe80::1]:9000"}, clickhouse.CompressionLZ4},
		{"auto", []string{"clickhouse:9000"}, clickhouse.CompressionLZ4}, // names are not resolved
		{"auto", nil, clickhouse.CompressionLZ4},
		{"", local, clickhouse.CompressionNone},
		{"lz4", local, clickhouse.CompressionLZ4},
		{"zstd", local, clickhouse.CompressionZSTD},
		{"none", []string{"10.0.0.5:9000"}, clickhouse.CompressionNone},
	} {
		assert.Equal(t, tc.want, compressionFor(tc.setting, tc.addrs), "%s %v", tc.setting, tc.addrs)
	}
}
