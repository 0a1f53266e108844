package vsphere_test

import (
	"context"
	"fmt"
	"log"
	"sort"

	"github.com/vmware/govmomi/vim25/mo"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

// Refresh every VM of a simulated vCenter: the cost is a fixed number of requests, whatever
// the number of VMs.
func ExampleProvider_Refresh() {
	sim, err := vcsim.Start(vcsim.Options{Standard: true, Username: "enclave", Password: "lab"})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()

	p := vsphere.New(providers.Options{})
	err = p.Configure(context.Background(), providers.Object{
		"url": sim.URL.String(), "username": "enclave", "password": "lab",
		"thumbprint": vsphere.Fingerprint(sim.Certificate()),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer p.Close()

	var reqs []providers.RefreshRequest
	for _, vm := range sim.Map().All("VirtualMachine") {
		reqs = append(reqs, providers.RefreshRequest{Addr: "vsphere_virtual_machine." + vm.Entity().Name, Type: "vsphere_virtual_machine", ID: vm.(mo.Reference).Reference().Value})
	}
	sim.ResetRequests()
	res, err := p.Refresh(context.Background(), reqs)
	if err != nil {
		log.Fatal(err)
	}
	var lines []string
	for _, r := range res {
		lines = append(lines, fmt.Sprintf("%s %s %d CPU", r.Current["name"], r.Current["power_state"], r.Current["num_cpus"]))
	}
	sort.Strings(lines)
	for _, l := range lines {
		fmt.Println(l)
	}
	fmt.Println(sim.Requests())
	// Output:
	// DC0_C0_RP0_VM0 on 1 CPU
	// DC0_C0_RP0_VM1 on 1 CPU
	// DC0_H0_VM0 on 1 CPU
	// DC0_H0_VM1 on 1 CPU
	// 7 requests: CreateContainerView=1 DestroyView=1 RetrievePropertiesEx=5
}
