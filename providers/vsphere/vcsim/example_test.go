package vcsim_test

import (
	"context"
	"fmt"
	"log"

	"github.com/vmware/govmomi/find"

	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

// Start a lab vCenter, look its datacenter up, and count what that cost.
func ExampleStart() {
	sim, err := vcsim.Start(vcsim.Options{Username: "enclave", Password: "lab"})
	if err != nil {
		log.Fatal(err)
	}
	defer sim.Close()

	sim.ResetRequests()
	dc, err := find.NewFinder(sim.Client).Datacenter(context.Background(), "DC0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(dc.InventoryPath, sim.URL.Scheme, sim.URL.Path)
	fmt.Println(sim.Requests().Total > 0)
	// Output:
	// /DC0 https /sdk
	// true
}
