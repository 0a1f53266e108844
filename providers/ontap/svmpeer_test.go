package ontap

import (
	"testing"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// SVM peering through the provider, then a SnapMirror relationship that needs it.
func TestSVMPeerLifecycle(t *testing.T) {
	src := newLab(t, ontapsim.Options{ClusterName: "phx1", SVMs: []string{"hci"}})
	dst := newLab(t, ontapsim.Options{ClusterName: "scl3", SVMs: []string{"hci_dr"}})
	dst.sim.Peer(src.sim)
	src.create(t, typeVolume, "ontap_volume.mail", providers.Object{"name": "mail", "svm": "hci", "aggregate": "aggr1", "size": "10GiB"})
	dst.create(t, typeVolume, "ontap_volume.mail_dr", providers.Object{"name": "mail_dr", "svm": "hci_dr", "aggregate": "aggr1", "size": "10GiB", "type": "dp"})

	peer := dst.create(t, typeSVMPeer, "ontap_svm_peer.dr", providers.Object{"svm": "hci_dr", "peer_svm": "hci", "peer_cluster": "phx1"})
	assert.Equal(t, "hci", peer["peer_svm"])
	assert.Equal(t, []any{"snapmirror"}, peer["applications"])
	assert.Len(t, dst.sim.SVMPeers(), 1)
	assert.Equal(t, peer, dst.refresh(t, typeSVMPeer, peer)[0])

	sm := dst.create(t, typeSnapMirror, "ontap_snapmirror.mail", providers.Object{"source_path": "hci:mail", "destination_path": "hci_dr:mail_dr"})
	assert.Equal(t, "snapmirrored", sm["state"])

	del := dst.apply(t, providers.Change{Addr: "ontap_snapmirror.mail", Type: typeSnapMirror, Action: providers.Delete, Prior: sm})
	require.NoError(t, del.Err)
	del = dst.apply(t, providers.Change{Addr: "ontap_svm_peer.dr", Type: typeSVMPeer, Action: providers.Delete, Prior: peer})
	require.NoError(t, del.Err)
	assert.Empty(t, dst.sim.SVMPeers())
	assert.Nil(t, dst.refresh(t, typeSVMPeer, peer)[0])
}
