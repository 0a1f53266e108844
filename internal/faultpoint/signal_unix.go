//go:build unix

package faultpoint

import (
	"os"
	"syscall"
	"time"
)

func fireAction(action string) {
	switch action {
	case "kill":
		_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Minute) // never returns: the signal is on its way
	case "int":
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
	case "int2":
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
		time.Sleep(50 * time.Millisecond) // two signals, not one coalesced
		_ = syscall.Kill(os.Getpid(), syscall.SIGINT)
	}
}
