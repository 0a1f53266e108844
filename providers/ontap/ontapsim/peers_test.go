package ontapsim

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestPeering(t *testing.T) {
	src, dst, _ := newPair(t)
	out := dst.must(404, "POST", "/api/svm/peers", map[string]any{"svm.name": "svm_dst", "peer.svm.name": "svm_src", "peer.cluster.name": "src"})
	require.Equal(t, codePeerMissing, errCode(out), "clusters not peered yet")
	out = dst.must(400, "POST", "/api/cluster/peers", map[string]any{"remote": map[string]any{"ip_addresses": []any{"127.0.0.1"}}})
	require.Equal(t, codeNotSupported, errCode(out))

	dst.sim.Peer(src.sim)
	dst.sim.Peer(src.sim) // idempotent
	require.Len(t, dst.sim.ClusterPeers(), 1)
	out = dst.must(404, "POST", "/api/svm/peers", map[string]any{"svm.name": "svm_dst", "peer.svm.name": "nosuch", "peer.cluster.name": "src"})
	require.Equal(t, "4", errCode(out))
	dst.must(201, "POST", "/api/svm/peers?return_timeout=10&return_records=true", map[string]any{"svm.name": "svm_dst", "peer.svm.name": "svm_src", "peer.cluster.name": "src"})
	out = dst.must(409, "POST", "/api/svm/peers", map[string]any{"svm.name": "svm_dst", "peer.svm.name": "svm_src", "peer.cluster.name": "src"})
	require.Equal(t, "1", errCode(out))

	out = dst.must(200, "GET", "/api/svm/peers?fields=*", nil)
	r := records(out)[0]
	require.Equal(t, "peered", r["state"])
	require.Equal(t, "src", r["peer"].(map[string]any)["cluster"].(map[string]any)["name"])
	require.Equal(t, src.sim.UUID(), r["peer"].(map[string]any)["cluster"].(map[string]any)["uuid"])
	require.Equal(t, []any{"snapmirror"}, r["applications"])

	peerID := dst.must(200, "GET", "/api/cluster/peers", nil)
	out = dst.must(409, "DELETE", "/api/cluster/peers/"+records(peerID)[0]["uuid"].(string), nil)
	require.Equal(t, "8", errCode(out), "SVM peers hold the cluster peer")

	dst.must(200, "DELETE", "/api/svm/peers/"+r["uuid"].(string)+"?return_timeout=10", nil)
	require.Empty(t, dst.sim.SVMPeers())
	require.Empty(t, src.sim.SVMPeers(), "both sides are removed")
	dst.must(200, "DELETE", "/api/cluster/peers/"+records(peerID)[0]["uuid"].(string), nil)

	// PeerSVM refuses unknown names and unpeered clusters
	require.Error(t, dst.sim.PeerSVM("nosuch", src.sim, "svm_src"))
	require.Error(t, dst.sim.PeerSVM("svm_dst", src.sim, "nosuch"))
	dst.sim.AddSVM("svm_b")
	require.NoError(t, dst.sim.PeerSVM("svm_dst", nil, "svm_b"), "intra-cluster")
	require.Len(t, dst.sim.SVMPeers(), 2)
}
