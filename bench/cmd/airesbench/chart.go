package main

import (
	"encoding/json"
	"fmt"
	"image/color"
	"os"
	"sort"
	"strings"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// phaseColours gives each phase of the run one colour in the chart.
var phaseColours = map[string]color.RGBA{
	"raw": {128, 128, 128, 255}, "sustained": {31, 119, 180, 255}, "latency": {44, 160, 44, 255},
	"overload": {214, 39, 40, 255}, "drain": {255, 127, 14, 255}, "shapes": {148, 103, 189, 255},
	"idle": {140, 86, 75, 255}, "start": {200, 200, 200, 255}, "unlimited": {23, 190, 207, 255},
}

// otherPhase colours a phase missing from phaseColours, so that its points
// are still seen.
var otherPhase = color.RGBA{0, 0, 0, 255}

// phaseColour is the colour of phase ph in the chart.
func phaseColour(ph string) color.RGBA {
	if c, ok := phaseColours[ph]; ok {
		return c
	}
	return otherPhase
}

// writeChart draws, one above the other, the rows/s landing in ClickHouse
// over the run (one colour per phase, the raw insert ceiling dashed) and the
// latency of each probe of the latency phase (the 1 s target dashed).
func writeChart(path string, r *report) error {
	d := &r.Details
	top := plot.New()
	top.Title.Text = "Rows/s stored in ClickHouse (one sample a second)"
	top.X.Label.Text = "seconds since start"
	top.Y.Label.Text = "rows/s"
	phases := map[string]plotter.XYs{}
	var order []string
	for _, s := range d.Series {
		if _, ok := phases[s.Phase]; !ok {
			order = append(order, s.Phase)
		}
		phases[s.Phase] = append(phases[s.Phase], plotter.XY{X: s.T, Y: s.RowsSec})
	}
	for _, ph := range order {
		sc, err := plotter.NewScatter(phases[ph])
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = phaseColour(ph)
		sc.GlyphStyle.Radius = vg.Points(2)
		top.Add(sc)
		top.Legend.Add(ph, sc)
	}
	tmax := 1.0
	for _, s := range d.Series {
		tmax = max(tmax, s.T)
	}
	for _, l := range d.LatencySeries {
		tmax = max(tmax, l.T)
	}
	if r.RawInsertRowsPerSec > 0 {
		if err := addLevel(top, "raw insert ceiling", r.RawInsertRowsPerSec, tmax); err != nil {
			return err
		}
	}
	top.Legend.Top = true
	top.Y.Min = 0

	bottom := plot.New()
	bottom.Title.Text = "Latency of each probe, SDK call to visible in a SELECT"
	bottom.X.Label.Text = "seconds since start"
	bottom.Y.Label.Text = "ms"
	pts := make(plotter.XYs, 0, len(d.LatencySeries))
	for _, l := range d.LatencySeries {
		pts = append(pts, plotter.XY{X: l.T, Y: l.Ms})
	}
	sort.Slice(pts, func(i, j int) bool { return pts[i].X < pts[j].X })
	if len(pts) > 0 {
		sc, err := plotter.NewScatter(pts)
		if err != nil {
			return err
		}
		sc.GlyphStyle.Color = phaseColour("latency")
		sc.GlyphStyle.Radius = vg.Points(1.5)
		bottom.Add(sc)
		bottom.Legend.Add("probe", sc)
		if err := addLevel(bottom, "1 s target (p99)", 1000, tmax); err != nil {
			return err
		}
	}
	bottom.Legend.Top = true
	bottom.Y.Min = 0
	top.X.Min, top.X.Max, bottom.X.Min, bottom.X.Max = 0, tmax, 0, tmax

	img := vgimg.New(10*vg.Inch, 7*vg.Inch)
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: 2, Cols: 1, PadY: vg.Points(12), PadTop: vg.Points(4), PadBottom: vg.Points(4), PadLeft: vg.Points(4), PadRight: vg.Points(8)}
	canvases := plot.Align([][]*plot.Plot{{top}, {bottom}}, tiles, dc)
	top.Draw(canvases[0][0])
	bottom.Draw(canvases[1][0])
	return saveImage(path, img)
}

// addLevel draws a dashed horizontal line at y across the run.
func addLevel(p *plot.Plot, name string, y, tmax float64) error {
	l, err := plotter.NewLine(plotter.XYs{{X: 0, Y: y}, {X: tmax, Y: y}})
	if err != nil {
		return err
	}
	l.LineStyle.Dashes = []vg.Length{vg.Points(4), vg.Points(4)}
	l.LineStyle.Color = color.RGBA{90, 90, 90, 255}
	p.Add(l)
	p.Legend.Add(name, l)
	return nil
}

func saveImage(path string, img *vgimg.Canvas) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := (vgimg.PngCanvas{Canvas: img}).WriteTo(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// replot draws the chart of an earlier run again, from its report (path,
// results/latest.json) and the .details.json beside it, as the .png beside
// them: for a chart drawn wrong, without running the bench again.
func replot(path string) error {
	base := strings.TrimSuffix(path, ".json")
	var r report
	if err := readJSON(path, &r); err != nil {
		return err
	}
	var d struct {
		Series        []sample        `json:"throughput_series"`
		LatencySeries []latencySample `json:"latency_series"`
	}
	if err := readJSON(base+".details.json", &d); err != nil {
		return err
	}
	r.Details.Series, r.Details.LatencySeries = d.Series, d.LatencySeries
	return writeChart(base+".png", &r)
}

func readJSON(path string, v any) error {
	b, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}
