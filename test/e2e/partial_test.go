package e2e

import (
	"bytes"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/encoding"
	"google.golang.org/grpc/mem"
	"google.golang.org/protobuf/proto"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
)

// rawCodec sends pre-encoded bytes as they are, so a test can put on the wire
// what a correct client never would (invalid UTF-8).
type rawCodec struct{}

func (rawCodec) Marshal(v any) (mem.BufferSlice, error) {
	return mem.BufferSlice{mem.SliceBuffer(v.([]byte))}, nil
}

func (rawCodec) Unmarshal(data mem.BufferSlice, v any) error {
	return proto.Unmarshal(data.Materialize(), v.(proto.Message))
}

func (rawCodec) Name() string { return "proto" }

var _ encoding.CodecV2 = rawCodec{}

func TestOneInvalidEventAmongValidOnes(t *testing.T) {
	e := newEnv(t, nil)
	client := dialAires(t, e.col.AiresPort)
	ts := time.Now().Add(-time.Minute)

	b := fullBatch(1, 3, ts)
	b.Events[1].TraceId = []byte{1, 2, 3, 4, 5} // not 16 bytes
	resp, err := client.Ingest(ctxTimeout(t, 10*time.Second), b)
	require.NoError(t, err)
	assert.Equal(t, uint64(2), resp.Accepted)
	assert.Equal(t, uint64(1), resp.Rejected)
	require.Len(t, resp.Rejections, 1)
	assert.Equal(t, uint32(1), resp.Rejections[0].Index)
	assert.Contains(t, resp.Rejections[0].Reason, "trace")

	waitCount(t, e.db, 2, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	checkFullEvent(t, b.Events[0], readEvent(t, e.db, uuidString(b.Events[0].Id)))
	checkFullEvent(t, b.Events[2], readEvent(t, e.db, uuidString(b.Events[2].Id)))
}

func TestInvalidUTF8EventAmongValidOnes(t *testing.T) {
	e := newEnv(t, nil)
	ts := time.Now().Add(-time.Minute)

	b := fullBatch(40, 3, ts)
	b.Events[2].Message = "PLACEHOLDER"
	wire, err := proto.Marshal(b)
	require.NoError(t, err)
	// Same length, so every length prefix stays right: only the UTF-8 breaks.
	wire = bytes.Replace(wire, []byte("PLACEHOLDER"), []byte("bad\xff\xfeutf8!!"), 1)

	cc, err := grpc.NewClient(e.col.airesTarget(), grpcInsecure())
	require.NoError(t, err)
	defer cc.Close()
	var resp airesv1.IngestResponse
	err = cc.Invoke(ctxTimeout(t, 10*time.Second), "/aires.v1.IngestService/Ingest", wire, &resp, grpc.ForceCodecV2(rawCodec{}))
	require.NoError(t, err)
	assert.Equal(t, uint64(2), resp.Accepted)
	assert.Equal(t, uint64(1), resp.Rejected)
	require.Len(t, resp.Rejections, 1)
	assert.Equal(t, uint32(2), resp.Rejections[0].Index)
	assert.Contains(t, resp.Rejections[0].Reason, "UTF-8")

	waitCount(t, e.db, 2, 10*time.Second, `SELECT count() FROM aires_e2e.events`)
	checkFullEvent(t, b.Events[0], readEvent(t, e.db, uuidString(b.Events[0].Id)))
	checkFullEvent(t, b.Events[1], readEvent(t, e.db, uuidString(b.Events[1].Id)))
}
