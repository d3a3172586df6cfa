// Command cpustages splits collector CPU profiles by pipeline stage (receive
// and decode, request inflate, transform, rows, insert encoding, compression, GC)
// and charts each stage's CPU per event, for profiles taken before and after
// a change.
//
//	go run ./cmd/cpustages -out results/cpu-stages \
//	    before=17.5:/tmp/prof-before/collector.cpu.pprof \
//	    after=12.1:/tmp/prof-after/collector.cpu.pprof
//
// Each argument is label=us:profile, where us is the collector CPU per event
// that the same make bench run measured over the profile's phase
// (collector_us_per_event); a stage's share of the profile's samples times
// that figure is its CPU per event. It writes <out>.png and <out>.md.
package main

import (
	"flag"
	"fmt"
	"image/color"
	"log"
	"os"
	"strconv"
	"strings"

	"github.com/google/pprof/profile"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
)

// A stage is matched by the functions on a sample's stack.
type stage struct {
	name string
	// leaf matches a frame anywhere on the stack, nearest the leaf first:
	// work done inside these packages belongs to the stage whatever called
	// them.
	leaf []string
}

// stages in priority order: a sample goes to the first stage that matches.
var stages = []stage{
	{"GC", []string{"runtime.gcBgMarkWorker", "runtime.gcAssistAlloc", "runtime.bgsweep", "runtime.bgscavenge", "runtime.gcStart"}},
	{"lz4", []string{"github.com/pierrec/lz4", "github.com/ClickHouse/ch-go/compress"}},
	{"inflate (gzip, zstd)", []string{"github.com/klauspost/compress/flate", "compress/flate", "github.com/aires-dev/aires/internal/grpcgzip",
		"github.com/klauspost/compress/zstd", "configgrpc/internal/grpccompression"}},
	{"insert encoding", []string{"github.com/aires-dev/aires/internal/chblock", "github.com/ClickHouse/clickhouse-go", "github.com/ClickHouse/ch-go"}},
	{"rows (exporter)", []string{"airesclickhouseexporter.(*logsExporter).fill"}},
	{"transform (processor)", []string{"github.com/aires-dev/aires/processor/airestransformprocessor"}},
	{"receive + decode", []string{"github.com/aires-dev/aires/receiver/airesreceiver", "go.opentelemetry.io/collector/receiver/otlpreceiver",
		"go.opentelemetry.io/collector/pdata/plog/plogotlp", "google.golang.org/grpc", "golang.org/x/net/http2"}},
	{"queue + batching", []string{"go.opentelemetry.io/collector/exporter/exporterhelper", "airesclickhouseexporter.(*insertBatcher)"}},
}

const other = "other"

// classify returns the stage of one sample's stack (leaf first).
func classify(locs []*profile.Location) string {
	for _, st := range stages {
		for _, loc := range locs {
			for _, line := range loc.Line {
				if line.Function == nil {
					continue
				}
				for _, p := range st.leaf {
					if strings.Contains(line.Function.Name, p) {
						return st.name
					}
				}
			}
		}
	}
	return other
}

// split returns each stage's share of the profile's CPU samples.
func split(path string) (map[string]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	p, err := profile.Parse(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	idx := len(p.SampleType) - 1 // cpu nanoseconds
	total := 0.0
	by := map[string]float64{}
	for _, s := range p.Sample {
		v := float64(s.Value[idx])
		by[classify(s.Location)] += v
		total += v
	}
	if total == 0 {
		return nil, fmt.Errorf("%s: no samples", path)
	}
	for k := range by {
		by[k] /= total
	}
	return by, nil
}

type run struct {
	label string
	us    float64
	share map[string]float64
}

func parseArg(a string) (run, error) {
	label, rest, ok := strings.Cut(a, "=")
	usStr, path, ok2 := strings.Cut(rest, ":")
	if !ok || !ok2 {
		return run{}, fmt.Errorf("%q: want label=us:profile", a)
	}
	us, err := strconv.ParseFloat(usStr, 64)
	if err != nil {
		return run{}, fmt.Errorf("%q: collector us per event: %w", a, err)
	}
	share, err := split(path)
	if err != nil {
		return run{}, err
	}
	return run{label: label, us: us, share: share}, nil
}

func main() {
	out := flag.String("out", "results/cpu-stages", "output path without extension (.png and .md are written)")
	flag.Parse()
	if flag.NArg() == 0 {
		log.Fatal("give one or more label=us:profile arguments")
	}
	var runs []run
	for _, a := range flag.Args() {
		r, err := parseArg(a)
		if err != nil {
			log.Fatal(err)
		}
		runs = append(runs, r)
	}
	names := make([]string, 0, len(stages)+1)
	for _, st := range stages {
		names = append(names, st.name)
	}
	names = append(names, other)
	if err := writeTable(*out+".md", runs, names); err != nil {
		log.Fatal(err)
	}
	if err := writeChart(*out+".png", runs, names); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote %s.md and %s.png\n", *out, *out)
}

func writeTable(path string, runs []run, names []string) error {
	var b strings.Builder
	b.WriteString("Collector CPU per event by stage, in microseconds (share of the profile's samples times the run's collector_us_per_event; `go run ./cmd/cpustages`).\n\n| stage |")
	for _, r := range runs {
		fmt.Fprintf(&b, " %s |", r.label)
	}
	b.WriteString("\n| --- |" + strings.Repeat(" --- |", len(runs)) + "\n")
	for _, n := range append(names, "total") {
		fmt.Fprintf(&b, "| %s |", n)
		for _, r := range runs {
			v := r.us
			if n != "total" {
				v = r.share[n] * r.us
			}
			fmt.Fprintf(&b, " %.2f (%.0f%%) |", v, 100*v/r.us)
		}
		b.WriteString("\n")
	}
	return os.WriteFile(path, []byte(b.String()), 0o644)
}

// runColours come in light and dark pairs (ColorBrewer's "Paired"), for
// runs given as before and after pairs.
var runColours = []color.RGBA{
	{166, 206, 227, 255}, {31, 120, 180, 255}, {178, 223, 138, 255},
	{51, 160, 44, 255}, {253, 191, 111, 255}, {255, 127, 0, 255},
}

func writeChart(path string, runs []run, names []string) error {
	p := plot.New()
	p.Title.Text = "Collector CPU per event by stage"
	p.Y.Label.Text = "us per event"
	// A stage's bars share about 70 points of the 11-inch chart's room for
	// each of its nine stages.
	w := vg.Points(min(18, 70/float64(len(runs))))
	top := 0.0
	for i, r := range runs {
		vals := make(plotter.Values, len(names))
		for j, n := range names {
			vals[j] = r.share[n] * r.us
			top = max(top, vals[j])
		}
		bars, err := plotter.NewBarChart(vals, w)
		if err != nil {
			return err
		}
		bars.Color = runColours[i%len(runColours)]
		bars.LineStyle.Width = 0
		bars.Offset = w * vg.Length(float64(i)-float64(len(runs)-1)/2)
		p.Add(bars)
		p.Legend.Add(fmt.Sprintf("%s (%.1f us in all)", r.label, r.us), bars)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Y.Min, p.Y.Max = 0, top*1.3 // room for the legend
	p.NominalX(names...)
	p.X.Padding = vg.Points(20)
	return p.Save(11*vg.Inch, 6*vg.Inch, path)
}
