package ontap

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

// writes are the requests other than GETs the simulator served since the last ResetCounts.
func (l *lab) writes() map[string]int {
	out := map[string]int{}
	for k, n := range l.sim.RequestCounts() {
		if k[:4] != "GET " {
			out[k] = n
		}
	}
	return out
}

func (l *lab) svm(t *testing.T, name string) ontapsim.SVM {
	t.Helper()
	for _, v := range l.sim.SVMs() {
		if v.Name == name {
			return v
		}
	}
	t.Fatalf("no SVM %s", name)
	return ontapsim.SVM{}
}

// An SVM's protocols are switched through their services, one write each: a PATCH of
// enabled when the service exists (also a disabled one), a POST when it does not.
func TestSVMProtocolSwitches(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	s := l.create(t, typeSVM, "ontap_svm.s", providers.Object{"name": "s", "aggregates": []any{"aggr1"}, "protocols": []any{"nfs", "fcp"}})
	assert.Equal(t, []any{"fcp", "nfs"}, s["protocols"])

	steps := []struct {
		protocols []any
		writes    map[string]int
	}{
		// off: the services stay, disabled
		{[]any{}, map[string]int{"PATCH /api/protocols/nfs/services/{svm.uuid}": 1, "PATCH /api/protocols/san/fcp/services/{svm.uuid}": 1}},
		// on again: the disabled service is PATCHed, not POSTed
		{[]any{"nfs"}, map[string]int{"PATCH /api/protocols/nfs/services/{svm.uuid}": 1}},
		// a protocol without a service gets one
		{[]any{"nfs", "iscsi", "nvme"}, map[string]int{"POST /api/protocols/san/iscsi/services": 1, "POST /api/protocols/nvme/services": 1}},
		{[]any{"iscsi"}, map[string]int{"PATCH /api/protocols/nfs/services/{svm.uuid}": 1, "PATCH /api/protocols/nvme/services/{svm.uuid}": 1}},
	}
	for _, st := range steps {
		l.sim.ResetCounts()
		res := l.apply(t, providers.Change{Addr: "ontap_svm.s", Type: typeSVM, Action: providers.Update, Prior: s, Planned: with(s, "protocols", st.protocols)})
		require.NoError(t, res.Err)
		assert.Equal(t, st.writes, l.writes(), "to %v", st.protocols)
		assert.ElementsMatch(t, st.protocols, res.New["protocols"])
		assert.LessOrEqual(t, l.sim.RequestCounts()["GET /api/svm/svms/{uuid}"], 1, "one read of the services")
		s = res.New
	}
	v := l.svm(t, "s")
	assert.True(t, v.ISCSI)
	assert.False(t, v.NFS || v.FCP || v.NVMe || v.CIFS)
	assert.ElementsMatch(t, []string{"nfs", "fcp", "iscsi", "nvme"}, v.Services, "switched off, not deleted")
}

// The switches start from what the cluster holds: a protocol already as planned (changed
// out of band since the prior was read) is not written.
func TestSVMProtocolSwitchesFromClusterState(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	s := l.create(t, typeSVM, "ontap_svm.s", providers.Object{"name": "s", "protocols": []any{"nfs"}})
	l.sim.ResetCounts()
	res := l.apply(t, providers.Change{Addr: "ontap_svm.s", Type: typeSVM, Action: providers.Update,
		Prior: with(s, "protocols", []any{}), Planned: s})
	require.NoError(t, res.Err)
	assert.Empty(t, l.writes())
	assert.Equal(t, []any{"nfs"}, res.New["protocols"])
}

// cifs needs a CIFS server, which ONTAP makes only with a name and an Active Directory
// domain ontap_svm does not carry: enabling it without one is refused before any write,
// naming what is needed; an existing server is switched like any other service.
func TestSVMCIFS(t *testing.T) {
	l := newLab(t, ontapsim.Options{})

	l.sim.ResetCounts()
	res := l.apply(t, providers.Change{Addr: "ontap_svm.c", Type: typeSVM, Action: providers.Create,
		Planned: providers.Object{"name": "c", "protocols": []any{"nfs", "cifs"}}})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "ontap phx1: ")
	assert.Contains(t, res.Err.Error(), "cifs.ad_domain.fqdn")
	assert.Contains(t, res.Err.Error(), "vserver cifs create")
	assert.Nil(t, res.New)
	assert.Empty(t, l.writes(), "refused before the SVM is made")

	s := l.create(t, typeSVM, "ontap_svm.c", providers.Object{"name": "c", "protocols": []any{"nfs"}, "comment": "a"})
	l.sim.ResetCounts()
	res = l.apply(t, providers.Change{Addr: "ontap_svm.c", Type: typeSVM, Action: providers.Update, Prior: s,
		Planned: with(s, "protocols", []any{"cifs", "nfs"}, "comment", "b")})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "ontap phx1: ")
	assert.Contains(t, res.Err.Error(), "POST /api/protocols/cifs/services requires name, ad_domain.fqdn, ad_domain.user and ad_domain.password")
	assert.Empty(t, l.writes(), "nothing written, not even the comment")
	assert.Equal(t, s, res.New, "read back unchanged")

	// a CIFS server made on the cluster, disabled: enclave switches it
	require.NoError(t, l.sim.UpdateSVM("c", func(v *ontapsim.SVM) {
		v.CIFSServer = &ontapsim.CIFSServer{Name: "C", Domain: "ad.example.com"}
		v.Services = append(v.Services, "cifs")
	}))
	l.sim.ResetCounts()
	res = l.apply(t, providers.Change{Addr: "ontap_svm.c", Type: typeSVM, Action: providers.Update, Prior: s,
		Planned: with(s, "protocols", []any{"cifs", "nfs"})})
	require.NoError(t, res.Err)
	assert.Equal(t, map[string]int{"PATCH /api/protocols/cifs/services/{svm.uuid}": 1}, l.writes())
	assert.Equal(t, []any{"cifs", "nfs"}, res.New["protocols"])
	assert.True(t, l.svm(t, "c").CIFS)

	res = l.apply(t, providers.Change{Addr: "ontap_svm.c", Type: typeSVM, Action: providers.Update, Prior: res.New,
		Planned: with(res.New, "protocols", []any{"nfs"})})
	require.NoError(t, res.Err)
	assert.False(t, l.svm(t, "c").CIFS)
	assert.NotNil(t, l.svm(t, "c").CIFSServer, "disabled, not deleted")
}

// A service write the cluster refuses names the device and the call.
func TestSVMProtocolSwitchError(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	s := l.create(t, typeSVM, "ontap_svm.s", providers.Object{"name": "s", "protocols": []any{"nfs"}})
	require.NoError(t, l.sim.UpdateSVM("s", func(v *ontapsim.SVM) { v.NotAllowed = []string{"nvme"} }))
	res := l.apply(t, providers.Change{Addr: "ontap_svm.s", Type: typeSVM, Action: providers.Update, Prior: s,
		Planned: with(s, "protocols", []any{"nfs", "nvme"})})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "ontap phx1: POST /api/protocols/nvme/services: NVMe is not allowed for the specified SVM. (ONTAP error 2621507)")
	assert.Equal(t, []any{"nfs"}, res.New["protocols"], "read back as the cluster has it")

	// the read of the services fails: named too, nothing written
	l.sim.Faults().FailRequests(10, http.StatusServiceUnavailable, ontapsim.Match{Method: "GET", Path: "/api/svm/svms/{uuid}"})
	l.sim.ResetCounts()
	res = l.apply(t, providers.Change{Addr: "ontap_svm.s", Type: typeSVM, Action: providers.Update, Prior: s,
		Planned: with(s, "protocols", []any{})})
	require.Error(t, res.Err)
	assert.Contains(t, res.Err.Error(), "ontap phx1: GET /api/svm/svms/"+providers.String(s, "id")+": ")
	assert.Empty(t, l.writes())
	l.sim.Faults().Clear()
}
