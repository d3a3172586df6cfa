//go:build !race

package aires_test

// raceDetector: see race_test.go.
const raceDetector = false
