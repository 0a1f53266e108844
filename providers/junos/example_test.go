package junos_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos"
	"github.com/enclave-dev/enclave/providers/junos/junossim"
)

// A Junos device (here the simulator) gets all of its changes in one transaction; refresh
// reads them back with one get-configuration.
func Example() {
	dir, _ := os.MkdirTemp("", "junos-example")
	defer os.RemoveAll(dir)

	// The client key and the device's host key, as an operator would keep them.
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	block, _ := ssh.MarshalPrivateKey(priv, "")
	_ = os.WriteFile(filepath.Join(dir, "id_ed25519"), pem.EncodeToMemory(block), 0o600)
	signer, _ := ssh.NewSignerFromKey(priv)
	sim, _ := junossim.New(junossim.Options{Users: map[string][]ssh.PublicKey{"enclave": {signer.PublicKey()}}})
	defer sim.Close()
	addr, _ := sim.Listen("127.0.0.1:0")
	_ = os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(knownhosts.Line([]string{addr.String()}, sim.HostKey())+"\n"), 0o600)
	_ = sim.LoadSet("set security zones security-zone trust\nset security zones security-zone untrust")

	host, port, _ := strings.Cut(addr.String(), ":")
	var portNum int64
	fmt.Sscan(port, &portNum)
	p := junos.New(providers.Options{BaseDir: dir})
	defer p.Close()
	if err := p.Configure(context.Background(), providers.Object{
		"host": host, "port": portNum, "username": "enclave",
		"private_key_file": "id_ed25519", "known_hosts_file": "known_hosts",
	}); err != nil {
		fmt.Println(err)
		return
	}

	res := p.Apply(context.Background(), []providers.Change{
		{Addr: "junos_application.imaps", Type: junos.TypeApplication, Action: providers.Create,
			Planned: providers.Object{"name": "imaps-alt", "protocol": "tcp", "destination_port": "1993"}},
		{Addr: "junos_security_policies.out", Type: junos.TypeSecurityPolicies, Action: providers.Create,
			Planned: providers.Object{"from_zone": "trust", "to_zone": "untrust", "policy": []any{
				map[string]any{"name": "mail", "source_address": []any{"any"}, "destination_address": []any{"any"},
					"application": []any{"imaps-alt"}, "action": "permit"}}}},
	}, nil)
	for _, r := range res {
		fmt.Println(r.Addr, r.Err, providers.String(r.New, "id"))
	}
	fmt.Println("commits:", sim.CommitCount()-2) // minus the initial configuration and the seed

	got, _ := p.Refresh(context.Background(), []providers.RefreshRequest{
		{Addr: "junos_security_policies.out", Type: junos.TypeSecurityPolicies, ID: "trust>untrust"}})
	fmt.Println(providers.Blocks(got[0].Current, "policy")[0]["application"])
	// Output:
	// junos_application.imaps <nil> imaps-alt
	// junos_security_policies.out <nil> trust>untrust
	// commits: 2
	// [imaps-alt]
}
