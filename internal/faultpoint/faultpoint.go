// Package faultpoint lets the tests stop the real binary at a named point of its work, the way
// a power cut, `kill -9` or a Ctrl-C would: between a device call and its result, inside a
// Junos transaction, between an ONTAP POST and its job's end, between state writes.
//
// It is off unless the environment says otherwise, and costs one atomic load per point then:
//
//	ENCLAVE_FAULTPOINT=NAME[#N]:ACTION   at the N-th time (default 1) NAME is reached, ACTION:
//	                                     kill  SIGKILL this process (nothing runs after it)
//	                                     int   SIGINT this process once, and go on
//	                                     int2  SIGINT it twice (the second stops all waiting)
//	ENCLAVE_FAULTPOINT_LOG=FILE          append "NAME" for every point reached, so a test can
//	                                     list the points a run passes through
//
// It must never change what the program does when those variables are unset, and nothing
// but tests may set them.
package faultpoint

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
)

var (
	enabled atomic.Bool
	mu      sync.Mutex
	target  string
	nth     = 1
	action  string
	counts  = map[string]int{}
	logFile *os.File
)

func init() {
	spec, log := os.Getenv("ENCLAVE_FAULTPOINT"), os.Getenv("ENCLAVE_FAULTPOINT_LOG")
	if spec == "" && log == "" {
		return
	}
	if spec != "" {
		name, act, ok := strings.Cut(spec, ":")
		if !ok {
			fmt.Fprintf(os.Stderr, "ENCLAVE_FAULTPOINT=%q: want NAME[#N]:ACTION\n", spec)
			os.Exit(1)
		}
		if n, c, ok := strings.Cut(name, "#"); ok {
			v, err := strconv.Atoi(c)
			if err != nil || v < 1 {
				fmt.Fprintf(os.Stderr, "ENCLAVE_FAULTPOINT=%q: #N must be a positive number\n", spec)
				os.Exit(1)
			}
			name, nth = n, v
		}
		target, action = name, act
	}
	if log != "" {
		f, err := os.OpenFile(log, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintf(os.Stderr, "ENCLAVE_FAULTPOINT_LOG: %v\n", err)
			os.Exit(1)
		}
		logFile = f
	}
	enabled.Store(true)
}

// Hit marks that the program reached the point name.
func Hit(name string) {
	if !enabled.Load() {
		return
	}
	mu.Lock()
	counts[name]++
	n := counts[name]
	if logFile != nil {
		fmt.Fprintln(logFile, name)
	}
	fire := name == target && n == nth
	mu.Unlock()
	if !fire {
		return
	}
	fireAction(action)
}
