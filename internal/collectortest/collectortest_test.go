package collectortest

import (
	"fmt"
	"net"
	"testing"
)

// FreePort's ports lie below the kernel's ephemeral range, where no
// outgoing connection takes them, and can be listened on.
func TestFreePortBelowEphemeralRange(t *testing.T) {
	low := ephemeralLow()
	seen := map[int]bool{}
	for range 20 {
		port, err := FreePort()
		if err != nil {
			t.Fatal(err)
		}
		if port < 10000 || port >= low {
			t.Fatalf("port %d outside [10000, %d)", port, low)
		}
		l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
		if err != nil {
			t.Fatalf("port %d is not free: %v", port, err)
		}
		_ = l.Close()
		seen[port] = true
	}
	if len(seen) < 2 {
		t.Fatalf("20 calls gave the same port %v", seen)
	}
}
