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
