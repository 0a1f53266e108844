// Command enclave plans, approves and applies changes to an isolated critical-services
// enclave: vSphere, Junos SRX/EX and NetApp ONTAP. See the README and SPEC.md.
package main

import "os"

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}
