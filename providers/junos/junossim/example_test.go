package junossim_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"strings"
	"time"

	"github.com/Juniper/go-netconf/netconf"
	"golang.org/x/crypto/ssh"

	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

// A test starts a device, seeds it, and talks NETCONF to it; a confirmed commit that is
// never confirmed rolls back when the (manual) clock passes its timeout.
func Example() {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	user, _ := ssh.NewSignerFromKey(priv)
	clock := junossim.NewManualClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	sim, _ := junossim.New(junossim.Options{
		Hostname: "fw1",
		Users:    map[string][]ssh.PublicKey{"enclave": {user.PublicKey()}},
		Clock:    clock,
	})
	defer sim.Close()
	addr, _ := sim.Listen("127.0.0.1:0")
	_ = sim.LoadSet("set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24")

	s, err := netconf.DialSSH(addr.String(), &ssh.ClientConfig{
		User:            "enclave",
		Auth:            []ssh.AuthMethod{ssh.PublicKeys(user)},
		HostKeyCallback: ssh.FixedHostKey(sim.HostKey()),
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer s.Close()
	_, _ = s.Exec(netconf.RawMethod(`<lock-configuration/>`))
	_, _ = s.Exec(netconf.RawMethod(`<load-configuration action="set" format="text"><configuration-set>
set security zones security-zone trust interfaces ge-0/0/1.0
</configuration-set></load-configuration>`))
	reply, _ := s.Exec(netconf.RawMethod(`<commit-configuration><confirmed/><confirm-timeout>1</confirm-timeout></commit-configuration>`))
	fmt.Println(strings.Contains(reply.Data, "<commit-success/>"))
	fmt.Print(sim.CommittedSet())

	clock.Advance(time.Minute) // no confirming commit: the device rolls back
	fmt.Println(strings.Contains(sim.CommittedSet(), "security-zone"), sim.RPCCount("commit-configuration"))
	// Output:
	// true
	// set system host-name fw1
	// set system services ssh
	// set system services netconf ssh
	// set interfaces ge-0/0/1 unit 0 family inet address 10.1.0.1/24
	// set security zones security-zone trust interfaces ge-0/0/1.0
	// false 1
}
