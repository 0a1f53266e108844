//go:build unix

package state

import (
	"os"
	"syscall"
)

// lockFile takes an exclusive flock on f, which serializes appends across processes (and
// across separate opens within one process).
func lockFile(f *os.File) (func(), error) {
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX)
		if err == syscall.EINTR {
			continue
		}
		if err != nil {
			return nil, err
		}
		return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN) }, nil
	}
}

// LockDir takes an exclusive flock on a directory until the returned function is called. It
// serializes read-modify-write updates of files in that directory across processes (two
// reviewers approving one plan file at once), where a lock on the file itself would not hold
// across the atomic rename that replaces it.
func LockDir(dir string) (func(), error) {
	f, err := os.Open(dir)
	if err != nil {
		return nil, err
	}
	unlock, err := lockFile(f)
	if err != nil {
		f.Close()
		return nil, err
	}
	return func() { unlock(); f.Close() }, nil
}
