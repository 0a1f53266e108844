package ontap

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

// BenchmarkRefresh500Volumes refreshes 500 volumes spread over two SVMs; requests/op must
// stay at 1.
func BenchmarkRefresh500Volumes(b *testing.B) {
	l := newLab(b, ontapsim.Options{})
	vols := addVolumes(l, 500)
	reqs := make([]providers.RefreshRequest, len(vols))
	for i, v := range vols {
		reqs[i] = providers.RefreshRequest{Addr: "ontap_volume.v", Type: typeVolume, ID: providers.String(v, "id")}
	}
	l.sim.ResetCounts()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := l.p.Refresh(context.Background(), reqs)
		require.NoError(b, err)
		require.NotNil(b, res[499].Current)
	}
	b.StopTimer()
	b.ReportMetric(float64(l.sim.Requests())/float64(b.N), "requests/op")
}
