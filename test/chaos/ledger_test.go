package chaos

import (
	"context"
	"errors"
	"testing"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/grpc"
	"google.golang.org/protobuf/proto"
)

// rawBatch stands for the SDK's own request type: an encoded batch in a
// named byte slice.
type rawBatch []byte

func batchOf(seqs ...int64) *airesv1.EventBatch {
	b := &airesv1.EventBatch{}
	for _, s := range seqs {
		b.Events = append(b.Events, &airesv1.Event{Attributes: []*airesv1.KeyValue{
			{Key: "other", Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: -1}}},
			{Key: SeqKey, Value: &airesv1.AnyValue{Value: &airesv1.AnyValue_IntValue{IntValue: s}}},
		}})
	}
	return b
}

func TestLedgerIntercept(t *testing.T) {
	encoded, err := proto.Marshal(batchOf(1, 2, 3))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		method string
		req    any
		resp   *airesv1.IngestResponse
		err    error
		want   []int64
		unsure uint64
	}{
		{"encoded batch accepted", ingestMethod, rawBatch(encoded), &airesv1.IngestResponse{Accepted: 3}, nil, []int64{1, 2, 3}, 0},
		{"message accepted", ingestMethod, batchOf(1, 2, 3), &airesv1.IngestResponse{Accepted: 3}, nil, []int64{1, 2, 3}, 0},
		{"one rejected by index", ingestMethod, rawBatch(encoded),
			&airesv1.IngestResponse{Accepted: 2, Rejected: 1, Rejections: []*airesv1.Rejection{{Index: 1}}}, nil, []int64{1, 3}, 0},
		{"rejected without index", ingestMethod, rawBatch(encoded), &airesv1.IngestResponse{Accepted: 2, Rejected: 1}, nil, nil, 3},
		{"call failed", ingestMethod, rawBatch(encoded), &airesv1.IngestResponse{}, errors.New("unavailable"), nil, 0},
		{"other method", "/aires.v1.IngestService/Other", rawBatch(encoded), &airesv1.IngestResponse{}, nil, nil, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLedger()
			invoker := func(_ context.Context, _ string, _, reply any, _ *grpc.ClientConn, _ ...grpc.CallOption) error {
				proto.Merge(reply.(*airesv1.IngestResponse), tt.resp)
				return tt.err
			}
			err := l.intercept(context.Background(), tt.method, tt.req, &airesv1.IngestResponse{}, nil, invoker)
			if !errors.Is(err, tt.err) {
				t.Fatalf("error %v, want %v", err, tt.err)
			}
			got := l.acknowledged()
			if len(got) != len(tt.want) || l.unknown != tt.unsure {
				t.Fatalf("acknowledged %v (unknown %d), want %v (unknown %d)", got, l.unknown, tt.want, tt.unsure)
			}
			for _, s := range tt.want {
				if _, ok := got[s]; !ok {
					t.Errorf("seq %d not acknowledged: %v", s, got)
				}
			}
		})
	}
}

func TestCountAndFailures(t *testing.T) {
	acked := map[int64]struct{}{1: {}, 2: {}, 3: {}}
	tests := []struct {
		name      string
		stored    stored
		promise   Promise
		alive     bool
		failDups  bool
		want      Counts
		wantFails int
	}{
		{"all stored once", stored{1: 1, 2: 1, 3: 1}, Promise{NoLoss: true, NoDuplicates: true}, true, true,
			Counts{Sent: 4, Acknowledged: 3, Stored: 3}, 0},
		{"unacknowledged stored too", stored{1: 1, 2: 1, 3: 1, 4: 1}, Promise{NoLoss: true}, true, false,
			Counts{Sent: 4, Acknowledged: 3, Stored: 4}, 0},
		{"one lost, promised", stored{1: 1, 3: 1}, Promise{NoLoss: true}, true, false,
			Counts{Sent: 4, Acknowledged: 3, Stored: 2, Lost: 1}, 1},
		{"one lost, not promised", stored{1: 1, 3: 1}, Promise{}, true, false,
			Counts{Sent: 4, Acknowledged: 3, Stored: 2, Lost: 1}, 0},
		{"duplicates reported only", stored{1: 3, 2: 1, 3: 1}, Promise{NoLoss: true, NoDuplicates: true}, true, false,
			Counts{Sent: 4, Acknowledged: 3, Stored: 3, Duplicates: 2}, 0},
		{"duplicates fail on request", stored{1: 3, 2: 1, 3: 1}, Promise{NoLoss: true, NoDuplicates: true}, true, true,
			Counts{Sent: 4, Acknowledged: 3, Stored: 3, Duplicates: 2}, 1},
		{"collector dead", stored{1: 1, 2: 1, 3: 1}, Promise{}, false, false,
			Counts{Sent: 4, Acknowledged: 3, Stored: 3}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := Result{Counts: count(4, acked, tt.stored), Alive: tt.alive, Promise: tt.promise}
			if r.Counts != tt.want {
				t.Errorf("counts %+v, want %+v", r.Counts, tt.want)
			}
			if f := r.Failures(tt.failDups); len(f) != tt.wantFails {
				t.Errorf("failures %q, want %d", f, tt.wantFails)
			}
		})
	}
}
