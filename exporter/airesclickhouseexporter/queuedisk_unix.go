//go:build unix

package airesclickhouseexporter

import "syscall"

// freeBytes is the space an unprivileged process can still write in dir.
func freeBytes(dir string) (uint64, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		return 0, err
	}
	return st.Bavail * uint64(st.Bsize), nil
}
