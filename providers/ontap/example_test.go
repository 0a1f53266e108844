package ontap_test

import (
	"context"
	"encoding/pem"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

// A provider configured against a simulated cluster creates a volume; its size, given as
// "500GiB", comes back in bytes, the form refresh reports and plan compares.
func ExampleNew() {
	sim := ontapsim.New(ontapsim.Options{SVMs: []string{"svm1"}})
	srv := httptest.NewTLSServer(sim)
	defer srv.Close()
	dir, _ := os.MkdirTemp("", "enclave")
	defer os.RemoveAll(dir)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	_ = os.WriteFile(filepath.Join(dir, "ca.pem"), ca, 0o600)

	p := ontap.New(providers.Options{BaseDir: dir})
	defer p.Close()
	ctx := context.Background()
	err := p.Configure(ctx, providers.Object{
		"url": srv.URL, "username": "admin", "password": "netapp1!", "ca_file": "ca.pem",
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	res := p.Apply(ctx, []providers.Change{{
		Addr: "ontap_volume.mail", Type: "ontap_volume", Action: providers.Create,
		Planned: providers.Object{"name": "mail", "svm": "svm1", "aggregate": "aggr1", "size": "500GiB", "junction_path": "/mail"},
	}}, nil)
	if res[0].Err != nil {
		fmt.Println(res[0].Err)
		return
	}
	v := res[0].New
	fmt.Println(v["name"], v["size"], v["state"], v["junction_path"])
	// Output: mail 536870912000 online /mail
}
