//go:build !unix

package state

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"
)

// lockFile serializes appends with a sibling ".lock" file created with O_EXCL where flock is
// not available.
func lockFile(f *os.File) (func(), error) {
	path := f.Name() + ".lock"
	deadline := time.Now().Add(30 * time.Second)
	for {
		l, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err == nil {
			l.Close()
			return func() { os.Remove(path) }, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return nil, err
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%s is held for more than 30s; remove it if no enclave is running", path)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// LockDir serializes updates of files in dir with a ".lock" file inside it.
func LockDir(dir string) (func(), error) {
	f, err := os.Open(dir + string(os.PathSeparator) + ".enclave-update")
	if errors.Is(err, fs.ErrNotExist) {
		f, err = os.Create(dir + string(os.PathSeparator) + ".enclave-update")
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return lockFile(f)
}
