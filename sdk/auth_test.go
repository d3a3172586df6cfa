package aires

import (
	"strings"
	"testing"

	airesv1 "github.com/aires-dev/aires/proto/aires/v1"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// A collector that refuses the credentials refuses every batch the same way
// until someone changes a configuration: the SDK must not retry, must count
// the events as failed, and must say once (not once per batch) what to check.
func TestRefusedCredentialsNotRetriedWarnedOnce(t *testing.T) {
	for _, tc := range []struct {
		name    string
		code    codes.Code
		apiKey  string
		headers map[string]string
		want    string // in the single warning
	}{
		{"wrong key", codes.Unauthenticated, "wrong", nil, "check Config.APIKey and the collector's bearertokenauth token"},
		{"no key", codes.Unauthenticated, "", nil, "Config.APIKey is empty"},
		{"key in Headers", codes.Unauthenticated, "", map[string]string{"Authorization": "Token k"}, "refused the API key"},
		{"permission denied", codes.PermissionDenied, "k", nil, "PERMISSION_DENIED"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startServer(t, func(int, *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
				return nil, status.Error(tc.code, "provided authorization does not match expected scheme or token")
			})
			log, buf := testLogger()
			c := newTestClient(t, Config{Endpoint: srv.addr, APIKey: tc.apiKey, Headers: tc.headers, BatchSize: 2, Logger: log})
			const batches = 4
			for range 2 * batches {
				c.Info("x")
			}
			flush(t, c)
			if got := len(srv.callTimes()); got != batches {
				t.Fatalf("calls = %d, want %d (one per batch, no retry)", got, batches)
			}
			if st := c.Stats(); st.Failed != 2*batches || st.Sent != 0 {
				t.Fatalf("stats = %+v, want all %d events failed", st, 2*batches)
			}
			out := buf.String()
			if n := strings.Count(out, "level=WARN"); n != 1 {
				t.Fatalf("%d warnings for %d refused batches, want 1:\n%s", n, batches, out)
			}
			if !strings.Contains(out, tc.want) || !strings.Contains(out, "does not match expected scheme") {
				t.Fatalf("warning does not say what to check (%q) or the server's reason:\n%s", tc.want, out)
			}
			if strings.Contains(out, "dropped a batch") {
				t.Fatalf("refusal also reported as a generic failed send:\n%s", out)
			}
		})
	}
}

// After a batch goes through (the key was fixed on one side), a new refusal
// is reported again.
func TestRefusalWarnedAgainAfterAcceptedBatch(t *testing.T) {
	// Calls 0 and 1 refused, 2 accepted, 3 refused.
	srv := startServer(t, func(call int, _ *airesv1.EventBatch) (*airesv1.IngestResponse, error) {
		if call == 2 {
			return nil, nil
		}
		return nil, status.Error(codes.Unauthenticated, "bad token")
	})
	log, buf := testLogger()
	c := newTestClient(t, Config{Endpoint: srv.addr, APIKey: "k", Logger: log})
	for range 4 {
		c.Info("x")
		flush(t, c)
	}
	if st := c.Stats(); st.Failed != 3 || st.Sent != 1 {
		t.Fatalf("stats = %+v, want 3 failed and 1 sent", st)
	}
	if n := strings.Count(buf.String(), "refused the API key"); n != 2 {
		t.Fatalf("%d refusal warnings, want 2 (before and after the accepted batch):\n%s", n, buf.String())
	}
}
