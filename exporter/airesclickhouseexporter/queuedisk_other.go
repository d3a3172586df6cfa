//go:build !unix

package airesclickhouseexporter

import "errors"

// freeBytes cannot read free space here; the guard then lets data through
// and logs why once.
func freeBytes(string) (uint64, error) {
	return 0, errors.New("reading a filesystem's free space is implemented for Unix systems only")
}
