package vsphere

import (
	"context"
	"fmt"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

func benchmarkRefresh(b *testing.B, machinesPerPool int) {
	l := newLab(b, vcsim.Options{Standard: true, Machines: machinesPerPool})
	reqs := standardRefresh(l)
	ctx := context.Background()
	l.sim.ResetRequests()
	b.ResetTimer()
	for b.Loop() {
		if _, err := l.p.Refresh(ctx, reqs); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(l.sim.Requests().Total)/float64(b.N), "requests/op")
}

// The standard inventory has two pools with VMs (the cluster's and the standalone host's).
func BenchmarkRefresh200VMs(b *testing.B)  { benchmarkRefresh(b, 100) }
func BenchmarkRefresh1000VMs(b *testing.B) { benchmarkRefresh(b, 500) }

// BenchmarkCreate200VMs creates 200 VMs, ten at a time as the engine's default parallelism
// does, through one provider instance.
func BenchmarkCreate200VMs(b *testing.B) {
	l := newLab(b, vcsim.Options{Standard: true, Machines: 1})
	ctx := context.Background()
	res, err := l.p.ReadData(ctx, []providers.DataRequest{
		{Addr: "data.vsphere_compute_cluster.c", Type: "vsphere_compute_cluster", Args: providers.Object{"name": "DC0_C0"}},
		{Addr: "data.vsphere_datastore.ds", Type: "vsphere_datastore", Args: providers.Object{"name": "LocalDS_0"}},
		{Addr: "data.vsphere_network.pg", Type: "vsphere_network", Args: providers.Object{"name": "DC0_DVPG0"}},
	})
	require.NoError(b, err)
	for _, r := range res {
		require.NoError(b, r.Err)
	}
	pool, ds, pg := res[0].Result["resource_pool_id"], res[1].Result["id"], res[2].Result["id"]

	l.sim.ResetRequests()
	b.ResetTimer()
	run := 0
	for b.Loop() {
		run++
		work := make(chan int)
		var wg sync.WaitGroup
		errs := make(chan error, 200)
		for range 10 {
			wg.Go(func() {
				for i := range work {
					out := l.p.Apply(ctx, []providers.Change{{
						Addr: fmt.Sprintf("vsphere_virtual_machine.vm[%d]", i), Type: "vsphere_virtual_machine", Action: providers.Create,
						Planned: planned("vsphere_virtual_machine", providers.Object{
							"name": fmt.Sprintf("bench-%d-%d", run, i), "resource_pool_id": pool, "datastore_id": ds,
							"disk":              []any{map[string]any{"label": "root", "size_gb": int64(1)}},
							"network_interface": []any{map[string]any{"network_id": pg}},
						}),
					}}, nil)
					if out[0].Err != nil {
						errs <- out[0].Err
					}
				}
			})
		}
		for i := range 200 {
			work <- i
		}
		close(work)
		wg.Wait()
		close(errs)
		for err := range errs {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	b.ReportMetric(float64(l.sim.Requests().Total)/float64(b.N)/200, "requests/vm")
}
