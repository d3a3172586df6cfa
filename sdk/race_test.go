//go:build race

package aires_test

// raceDetector is set when the tests run under the race detector, which
// changes what allocation counts mean: sync.Pool then drops a quarter of
// what is put back, on purpose, so pooled events are allocated again at
// random.
const raceDetector = true
