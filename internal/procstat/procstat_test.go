package procstat

import (
	"os"
	"strconv"
	"testing"
)

func TestFields(t *testing.T) {
	for _, tc := range []struct {
		line     string
		nice     string // field 19
		state    string // field 3
		tooShort bool
		bad      bool
	}{
		{line: "4242 (BackgrProcPool) S 1 4242 4242 0 -1 4194368 51 0 0 0 3 1 0 0 30 10 47 0 1234", nice: "10", state: "S"},
		{line: "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 99", nice: "0", state: "R"},
		{line: "7 (x) R 1 2", state: "R", tooShort: true},
		{line: "no parenthesis at all", bad: true},
	} {
		f, err := Fields(tc.line)
		if tc.bad {
			if err == nil {
				t.Errorf("Fields(%q) = %q, want an error", tc.line, f)
			}
			continue
		}
		if err != nil {
			t.Errorf("Fields(%q): %v", tc.line, err)
			continue
		}
		if f[Field(3)] != tc.state {
			t.Errorf("Fields(%q) state %q, want %q", tc.line, f[Field(3)], tc.state)
		}
		if tc.tooShort {
			if len(f) > Field(19) {
				t.Errorf("Fields(%q) has a field 19", tc.line)
			}
			continue
		}
		if f[Field(19)] != tc.nice {
			t.Errorf("Fields(%q) nice %q, want %q", tc.line, f[Field(19)], tc.nice)
		}
	}
}

// Read of this process's own stat: field 4 is the parent's pid.
func TestReadSelf(t *testing.T) {
	f, err := Read("/proc/self/stat")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := f[Field(4)], strconv.Itoa(os.Getppid()); got != want {
		t.Errorf("parent pid %s, want %s", got, want)
	}
}
