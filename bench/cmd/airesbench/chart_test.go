package main

import (
	"bytes"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// TestWriteChart draws a chart from a made-up run and checks that it is a
// PNG of the expected size (the drawing itself is looked at by eye: see
// bench/results/latest.png).
func TestWriteChart(t *testing.T) {
	r := &report{RawInsertRowsPerSec: 250000}
	for i := range 120 {
		ph := "sustained"
		switch {
		case i < 30:
			ph = "raw"
		case i > 80:
			ph = "overload"
		}
		r.Details.Series = append(r.Details.Series, sample{T: float64(i), RowsSec: float64(100000 + 1000*(i%7)), Phase: ph})
	}
	for i := range 200 {
		r.Details.LatencySeries = append(r.Details.LatencySeries, latencySample{T: 60 + float64(i)/10, Ms: float64(300 + i%50*10)})
	}
	path := filepath.Join(t.TempDir(), "chart.png")
	if err := writeChart(path, r); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if got := img.Bounds().Dx(); got < 900 {
		t.Errorf("chart is %d px wide, want at least 900", got)
	}
	if dir := os.Getenv("AIRES_CHART_OUT"); dir != "" {
		_ = os.WriteFile(filepath.Join(dir, "chart-test.png"), b, 0o644)
	}
}

// Every phase the bench records has a colour of its own (the unlimited
// phase once had none, and its points were drawn transparent), and a phase
// without one is still drawn.
func TestPhaseColours(t *testing.T) {
	seen := map[color.RGBA]string{}
	for _, ph := range []string{"start", "raw", "sustained", "latency", "overload", "drain", "unlimited", "shapes", "idle"} {
		c, ok := phaseColours[ph]
		if !ok {
			t.Errorf("phase %q has no colour", ph)
			continue
		}
		if other, dup := seen[c]; dup {
			t.Errorf("phases %q and %q share a colour", ph, other)
		}
		seen[c] = ph
	}
	if c := phaseColour("new phase"); c.A == 0 {
		t.Error("a phase without a colour is drawn transparent")
	}
}
