package main

import (
	"reflect"
	"testing"
)

func TestMedianRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		runs []shapeRun
		want shapeRun
	}{
		{"none", nil, shapeRun{}},
		{"one", []shapeRun{{UsPerEvent: 5, AcceptedSec: 100, Failed: 1}}, shapeRun{UsPerEvent: 5, AcceptedSec: 100, Failed: 1, Rounds: []float64{5}}},
		{
			"odd: the middle round, every round's figure in order, all failures",
			[]shapeRun{{UsPerEvent: 7, AcceptedSec: 70}, {UsPerEvent: 5, AcceptedSec: 50, Failed: 2}, {UsPerEvent: 6, AcceptedSec: 60, Failed: 1}},
			shapeRun{UsPerEvent: 6, AcceptedSec: 60, Failed: 3, Rounds: []float64{7, 5, 6}},
		},
		{
			"even: the lower middle",
			[]shapeRun{{UsPerEvent: 4}, {UsPerEvent: 9}, {UsPerEvent: 1}, {UsPerEvent: 6}},
			shapeRun{UsPerEvent: 4, Rounds: []float64{4, 9, 1, 6}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := medianRun(tc.runs); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("medianRun = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestMedianRatio(t *testing.T) {
	runs := func(us ...float64) []shapeRun {
		var out []shapeRun
		for _, u := range us {
			out = append(out, shapeRun{UsPerEvent: u})
		}
		return out
	}
	for _, tc := range []struct {
		name       string
		runs, base []shapeRun
		want       float64
	}{
		{"none", nil, nil, 0},
		{"round by round, not the ratio of the medians (1.2)", runs(6, 10, 4), runs(2, 10, 5), 1}, // 3, 1, 0.8
		{"even: the lower middle", runs(1, 2, 3, 4), runs(1, 1, 1, 1), 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := medianRatio(tc.runs, tc.base); got != tc.want {
				t.Errorf("medianRatio = %v, want %v", got, tc.want)
			}
		})
	}
}
