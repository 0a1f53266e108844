// Command enclave plans, approves and applies changes to an isolated critical-services
// enclave: vSphere, Junos SRX/EX and NetApp ONTAP. See the README and SPEC.md.
package main

import (
	"os"
	"os/signal"
	"syscall"
)

func main() {
	// A closed stdout (`enclave plan --json | head -2`) must be an EPIPE error the command
	// survives, releasing its lock, not a SIGPIPE that kills it holding the lock.
	signal.Ignore(syscall.SIGPIPE)
	in := newInterrupts(os.Stderr)
	defer in.close()
	code := runWith(in, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	if in.interrupted() && (code == exitOK || code == exitError) {
		code = exitInterrupted
	}
	os.Exit(code)
}
