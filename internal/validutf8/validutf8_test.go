package validutf8

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestValid(t *testing.T) {
	for _, tc := range []struct {
		name string
		in   string
	}{
		{"empty", ""},
		{"one ASCII byte", "a"},
		{"three ASCII bytes", "GET"},
		{"four ASCII bytes", "POST"},
		{"seven ASCII bytes", "/orders"},
		{"eight ASCII bytes", "12345678"},
		{"key", "http.response.status_code"},
		{"long ASCII", strings.Repeat("stack frame\n", 200)},
		{"two-byte rune", "é"},
		{"three-byte rune at the end of a word", "1234567€"},
		{"rune across two words", "123456€89"},
		{"rune in the overlapping tail", "123456789ab€"},
		{"four-byte rune", "emoji 🙂 here"},
		{"invalid lone continuation", "\x80"},
		{"invalid in a short string", "ab\xffc"},
		{"invalid in the first word", "\xff2345678"},
		{"invalid in the last word only", "123456789\xff"},
		{"invalid in the overlapping tail", "123456789a\xff"},
		{"truncated rune at the end", "12345678\xe2\x82"},
		{"surrogate", "1234\xed\xa0\x80"},
		{"overlong encoding", "12345678\xc0\xaf"},
		{"invalid after long ASCII", strings.Repeat("a", 100) + "\xfe"},
		{"valid after long ASCII", strings.Repeat("a", 100) + "ü"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			want := utf8.ValidString(tc.in)
			if got := String(tc.in); got != want {
				t.Errorf("String(%q) = %v, utf8.ValidString says %v", tc.in, got, want)
			}
			if got := Bytes([]byte(tc.in)); got != want {
				t.Errorf("Bytes(%q) = %v, utf8.Valid says %v", tc.in, got, want)
			}
		})
	}
}

// TestValidEveryPosition puts one non-ASCII byte sequence at every offset of
// strings of every length up to 40, so that each word and tail case sees it.
func TestValidEveryPosition(t *testing.T) {
	for _, ins := range []string{"\xff", "\x80", "é", "€", "🙂", "\xe2\x82", "\xf0\x9f\x99"} {
		for n := 0; n <= 40; n++ {
			for at := 0; at <= n; at++ {
				s := strings.Repeat("x", at) + ins + strings.Repeat("y", n-at)
				if got, want := String(s), utf8.ValidString(s); got != want {
					t.Fatalf("String(%q) = %v, utf8.ValidString says %v", s, got, want)
				}
			}
		}
	}
}

func FuzzValid(f *testing.F) {
	for _, s := range []string{"", "a", "http.route", "1234567€", "\xff", "123456789a\xff", "emoji 🙂 here"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := Bytes(b), utf8.Valid(b); got != want {
			t.Fatalf("Bytes(%q) = %v, utf8.Valid says %v", b, got, want)
		}
		if got, want := String(string(b)), utf8.Valid(b); got != want {
			t.Fatalf("String(%q) = %v, utf8.ValidString says %v", b, got, want)
		}
	})
}

// typical are the strings of a small event: keys and short values.
var typical = []string{
	"http.request.method", "GET", "http.route", "/orders/{id}", "user.id", "user-42",
	"order.id", "A-1", "service.name", "checkout", "attr.17", "value-17",
}

var sink bool

func BenchmarkString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range typical {
			sink = String(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typical)), "ns/string")
}

func BenchmarkUTF8ValidString(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		for _, s := range typical {
			sink = utf8.ValidString(s)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(typical)), "ns/string")
}

func BenchmarkStringLong(b *testing.B) {
	s := strings.Repeat("at com.example.Service.handle(Service.java:42)\n", 44) // ~2 KB
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		sink = String(s)
	}
}

func BenchmarkUTF8ValidStringLong(b *testing.B) {
	s := strings.Repeat("at com.example.Service.handle(Service.java:42)\n", 44)
	b.SetBytes(int64(len(s)))
	for b.Loop() {
		sink = utf8.ValidString(s)
	}
}
