package sdkcompare

import "testing"

// Every library of the comparison delivers every event it was given, and the
// CPU per delivered event is the measured CPU over that count.
func TestMeasureCPUDeliversEveryEvent(t *testing.T) {
	srv, err := StartDiscardServer()
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	const n = 5000
	for _, lib := range append(Libraries, "aires/100") {
		t.Run(lib, func(t *testing.T) {
			req0 := srv.Requests.Load()
			r, err := MeasureCPU(lib, n, srv.Addr, "")
			if err != nil {
				t.Fatal(err)
			}
			if r.Events != n || r.Delivered != n {
				t.Fatalf("events %d, delivered %d, want %d", r.Events, r.Delivered, n)
			}
			if r.CPUSeconds <= 0 || r.UsPerEvent != r.CPUSeconds*1e6/n {
				t.Fatalf("cpu %v s, %v us per event", r.CPUSeconds, r.UsPerEvent)
			}
			reqs := srv.Requests.Load() - req0
			switch lib {
			case "aires/100": // the warm-up's 2,000 and the n events, 100 at most per request
				if reqs < (warmup+n)/100 {
					t.Fatalf("%d requests for %d events in batches of 100", reqs, warmup+n)
				}
			case "zap", "slog":
				if reqs != 0 {
					t.Fatalf("%s sent %d requests", lib, reqs)
				}
			default:
				if reqs == 0 {
					t.Fatalf("%s sent nothing to the server", lib)
				}
			}
		})
	}
	if _, err := MeasureCPU("log4j", 1, srv.Addr, ""); err == nil {
		t.Fatal("an unknown library was accepted")
	}
}
