package ontapsim

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
)

// ClusterPeer is this cluster's record of a peered cluster.
type ClusterPeer struct {
	UUID       string
	Name       string // the remote cluster's name
	RemoteUUID string
}

// SVMPeer is a peering between a local SVM and an SVM of this or a peered
// cluster. The simulator accepts peerings at once (state "peered").
type SVMPeer struct {
	UUID         string
	SVM          string
	PeerSVM      string
	PeerCluster  string
	State        string
	Applications []string
}

// peerView is a copy of what a peered cluster exposes to SnapMirror, taken
// before the local lock so two servers never hold each other's locks.
type peerView struct {
	cluster string
	uuid    string
	svms    map[string]SVM
	volumes []Volume
}

func (p *peerView) volume(svm, name string) *Volume {
	for i := range p.volumes {
		if p.volumes[i].SVM == svm && p.volumes[i].Name == name {
			return &p.volumes[i]
		}
	}
	return nil
}

// Peer peers this cluster with other, on both sides, as `cluster peer
// create` and its acceptance would: each gets a cluster peer record and may
// then peer SVMs with the other (POST /api/svm/peers or PeerSVM) and create
// SnapMirror relationships whose source lives on the other.
func (s *Server) Peer(other *Server) {
	if other == nil || other == s {
		return
	}
	other.mu.Lock()
	oname, ouuid := other.opts.ClusterName, other.uuid
	other.mu.Unlock()
	s.mu.Lock()
	name, id := s.opts.ClusterName, s.uuid
	s.addClusterPeer(other, oname, ouuid)
	s.mu.Unlock()
	other.mu.Lock()
	other.addClusterPeer(s, name, id)
	other.mu.Unlock()
}

func (s *Server) addClusterPeer(other *Server, name, id string) {
	if _, ok := s.peers[name]; ok {
		return
	}
	s.peers[name] = other
	s.clusterPeer = append(s.clusterPeer, &ClusterPeer{UUID: uuid.NewString(), Name: name, RemoteUUID: id})
}

// PeerSVM peers a local SVM with an SVM of other (or of this cluster when
// other is nil or s), on both sides.
func (s *Server) PeerSVM(local string, other *Server, remote string) error {
	if other == nil {
		other = s
	}
	other.mu.Lock()
	oname := other.opts.ClusterName
	remoteOK := other.svm(remote) != nil
	other.mu.Unlock()
	if !remoteOK {
		return fmt.Errorf("ontapsim: no SVM %s on cluster %s", remote, oname)
	}
	s.mu.Lock()
	name := s.opts.ClusterName
	if s.svm(local) == nil {
		s.mu.Unlock()
		return fmt.Errorf("ontapsim: no SVM %s on cluster %s", local, name)
	}
	if _, ok := s.peers[oname]; !ok && other != s {
		s.mu.Unlock()
		return fmt.Errorf("ontapsim: cluster %s is not peered with %s", name, oname)
	}
	s.addSVMPeer(local, remote, oname, []string{"snapmirror"})
	s.mu.Unlock()
	other.mu.Lock()
	other.addSVMPeer(remote, local, name, []string{"snapmirror"})
	other.mu.Unlock()
	return nil
}

func (s *Server) addSVMPeer(local, remote, cluster string, apps []string) *SVMPeer {
	for _, p := range s.svmPeers {
		if p.SVM == local && p.PeerSVM == remote && p.PeerCluster == cluster {
			return p
		}
	}
	p := &SVMPeer{UUID: uuid.NewString(), SVM: local, PeerSVM: remote, PeerCluster: cluster, State: "peered", Applications: apps}
	s.svmPeers = append(s.svmPeers, p)
	return p
}

func (s *Server) svmPeerFor(local, remote string) *SVMPeer {
	for _, p := range s.svmPeers {
		if p.SVM == local && p.PeerSVM == remote {
			return p
		}
	}
	return nil
}

func (s *Server) peerViews() map[string]*peerView {
	s.mu.Lock()
	peers := make(map[string]*Server, len(s.peers))
	for n, p := range s.peers {
		peers[n] = p
	}
	s.mu.Unlock()
	out := map[string]*peerView{}
	for n, p := range peers {
		p.mu.Lock()
		p.advance()
		v := &peerView{cluster: p.opts.ClusterName, uuid: p.uuid, svms: map[string]SVM{}}
		for _, x := range p.svms {
			v.svms[x.Name] = *x
		}
		for _, x := range p.volumes {
			v.volumes = append(v.volumes, copyVolume(x))
		}
		p.mu.Unlock()
		out[n] = v
	}
	return out
}

// svmPeerFields: POST names both SVMs (and the peer's cluster); PATCH
// changes the applications or suspends and resumes the peering.
var svmPeerFields = &fieldSet{
	post:   []string{"svm.name", "svm.uuid", "peer.svm.name", "peer.svm.uuid", "peer.cluster.name", "peer.cluster.uuid", "applications", "name"},
	patch:  []string{"applications", "state", "name"},
	sample: func(s *Server) map[string]any { return s.svmPeerRecord(&SVMPeer{}) },
}

var clusterPeerKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}
var svmPeerKind = &kind{keys: []string{"uuid", "name"}, sortKey: "uuid"}

func (s *Server) clusterPeerRecord(p *ClusterPeer) map[string]any {
	return map[string]any{
		"uuid": p.UUID,
		"name": p.Name,
		"remote": map[string]any{
			"name": p.Name, "ip_addresses": []any{"127.0.0.1"}, "serial_number": "1-80-000011",
		},
		"status":            map[string]any{"state": "available", "update_time": ontapTime(s.clock.Now())},
		"authentication":    map[string]any{"state": "ok", "in_use": "ok"},
		"encryption":        map[string]any{"proposed": "tls_psk", "state": "tls_psk"},
		"ipspace":           map[string]any{"name": "Default"},
		"peer_applications": []any{"snapmirror", "flexcache"},
		"version":           versionRecord(),
		"_links":            links("/api/cluster/peers/" + p.UUID),
	}
}

func getClusterPeers(s *Server, c *call) *response {
	var recs []map[string]any
	for _, p := range s.clusterPeer {
		recs = append(recs, s.clusterPeerRecord(p))
	}
	return ok(200, clusterPeerKind.collection(c.path, c.q, recs))
}

func (s *Server) findClusterPeer(id string) *ClusterPeer {
	for _, p := range s.clusterPeer {
		if p.UUID == id {
			return p
		}
	}
	return nil
}

func getClusterPeer(s *Server, c *call) *response {
	p := s.findClusterPeer(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, clusterPeerKind.project(s.clusterPeerRecord(p), c.q.fields, false))
}

// A cluster peering is made with Server.Peer: the simulator cannot reach
// another cluster by address.
func postClusterPeer(s *Server, c *call) *response {
	return fail(newErr(http.StatusBadRequest, codeNotSupported, "remote.ip_addresses",
		"ontapsim: cluster peers are created with Server.Peer, not over the API."))
}

func deleteClusterPeer(s *Server, c *call) *response {
	p := s.findClusterPeer(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	for _, sp := range s.svmPeers {
		if sp.PeerCluster == p.Name {
			return fail(newErr(http.StatusConflict, codeInUse, "", "Cannot delete the peer relationship with cluster \"%s\": SVM peer relationships exist.", p.Name))
		}
	}
	s.clusterPeer = removeFirst(s.clusterPeer, func(x *ClusterPeer) bool { return x == p })
	delete(s.peers, p.Name)
	return ok(200, nil)
}

func (s *Server) svmPeerRecord(p *SVMPeer) map[string]any {
	peerCluster := map[string]any{"name": p.PeerCluster}
	if p.PeerCluster == s.opts.ClusterName {
		peerCluster["uuid"] = s.uuid
	} else {
		for _, cp := range s.clusterPeer {
			if cp.Name == p.PeerCluster {
				peerCluster["uuid"] = cp.RemoteUUID
			}
		}
	}
	rec := map[string]any{
		"uuid":         p.UUID,
		"name":         p.PeerSVM,
		"svm":          s.svmRef(p.SVM),
		"peer":         map[string]any{"svm": map[string]any{"name": p.PeerSVM}, "cluster": peerCluster},
		"state":        p.State,
		"applications": strsAny(p.Applications),
		"_links":       links("/api/svm/peers/" + p.UUID),
	}
	return rec
}

func getSVMPeers(s *Server, c *call) *response {
	var recs []map[string]any
	for _, p := range s.svmPeers {
		recs = append(recs, s.svmPeerRecord(p))
	}
	return ok(200, svmPeerKind.collection(c.path, c.q, recs))
}

func (s *Server) findSVMPeer(id string) *SVMPeer {
	for _, p := range s.svmPeers {
		if p.UUID == id {
			return p
		}
	}
	return nil
}

func getSVMPeer(s *Server, c *call) *response {
	p := s.findSVMPeer(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	return ok(200, svmPeerKind.project(s.svmPeerRecord(p), c.q.fields, false))
}

// postSVMPeer peers SVMs; the peer side accepts at once.
func postSVMPeer(s *Server, c *call) *response {
	if err := svmPeerFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	v, err := s.svmFromBody(c.body)
	if err != nil {
		return fail(err)
	}
	remote, _, err := c.body.str("peer.svm.name")
	if err != nil {
		return fail(err)
	}
	if remote == "" {
		return fail(errMissing("peer.svm.name"))
	}
	cluster, _, err := c.body.str("peer.cluster.name")
	if err != nil {
		return fail(err)
	}
	if cluster == "" {
		cluster = s.opts.ClusterName
	}
	apps, _, err := c.body.strList("applications")
	if err != nil {
		return fail(err)
	}
	if len(apps) == 0 {
		apps = []string{"snapmirror"}
	}
	var other *Server
	if cluster == s.opts.ClusterName {
		if s.svm(remote) == nil {
			return fail(newErr(http.StatusNotFound, codeNotFound, "peer.svm.name", "SVM \"%s\" does not exist on cluster \"%s\".", remote, cluster))
		}
	} else {
		view, ok := c.peers[cluster]
		other = s.peers[cluster]
		if !ok || other == nil {
			return fail(newErr(http.StatusNotFound, codePeerMissing, "peer.cluster.name", "Cluster \"%s\" is not a peer of cluster \"%s\".", cluster, s.opts.ClusterName))
		}
		if _, ok := view.svms[remote]; !ok {
			return fail(newErr(http.StatusNotFound, codeNotFound, "peer.svm.name", "SVM \"%s\" does not exist on cluster \"%s\".", remote, cluster))
		}
	}
	if p := s.svmPeerFor(v.Name, remote); p != nil && p.PeerCluster == cluster {
		return fail(newErr(http.StatusConflict, codeDuplicate, "", "Duplicate entry: SVM \"%s\" is already peered with SVM \"%s\" on cluster \"%s\".", v.Name, remote, cluster))
	}
	local, name := v.Name, s.opts.ClusterName
	created := &SVMPeer{SVM: local, PeerSVM: remote, PeerCluster: cluster, State: "peered", Applications: apps}
	resp := s.async(c, func() {
		created = s.addSVMPeer(local, remote, cluster, apps)
		if other == nil {
			s.addSVMPeer(remote, local, name, apps)
		}
	}, nil)
	if other != nil && !resp.job.Fail {
		resp.after = append(resp.after, func() {
			other.mu.Lock()
			other.addSVMPeer(remote, local, name, apps)
			other.mu.Unlock()
		})
	}
	if created.UUID != "" {
		resp.location = "/api/svm/peers/" + created.UUID
	}
	resp.kind, resp.record = svmPeerKind, func() map[string]any { return s.svmPeerRecord(created) }
	return resp
}

func patchSVMPeer(s *Server, c *call) *response {
	p := s.findSVMPeer(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	if err := svmPeerFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	apps, has, err := c.body.strList("applications")
	if err != nil {
		return fail(err)
	}
	if st, ok, _ := c.body.str("state"); ok {
		if e := oneOf("state", st, "peered", "suspended"); e != nil {
			return fail(e)
		}
	}
	st, hasState, _ := c.body.str("state")
	return s.async(c, func() {
		if has {
			p.Applications = apps
		}
		if hasState {
			p.State = st
		}
	}, nil)
}

func deleteSVMPeer(s *Server, c *call) *response {
	p := s.findSVMPeer(c.vars["uuid"])
	if p == nil {
		return fail(errNotFound("uuid"))
	}
	other := s.peers[p.PeerCluster]
	local, remote, name := p.SVM, p.PeerSVM, s.opts.ClusterName
	resp := s.async(c, func() {
		s.svmPeers = removeFirst(s.svmPeers, func(x *SVMPeer) bool { return x == p })
		if p.PeerCluster == name {
			s.svmPeers = removeAll(s.svmPeers, func(x *SVMPeer) bool { return x.SVM == remote && x.PeerSVM == local && x.PeerCluster == name })
		}
	}, nil)
	if other != nil && !resp.job.Fail {
		resp.after = append(resp.after, func() {
			other.mu.Lock()
			other.svmPeers = removeAll(other.svmPeers, func(x *SVMPeer) bool { return x.SVM == remote && x.PeerSVM == local && x.PeerCluster == name })
			other.mu.Unlock()
		})
	}
	return resp
}

// ClusterPeers returns a copy of the cluster peer records.
func (s *Server) ClusterPeers() []ClusterPeer {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ClusterPeer, 0, len(s.clusterPeer))
	for _, p := range s.clusterPeer {
		out = append(out, *p)
	}
	return out
}

// SVMPeers returns a copy of the SVM peer records.
func (s *Server) SVMPeers() []SVMPeer {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advance()
	out := make([]SVMPeer, 0, len(s.svmPeers))
	for _, p := range s.svmPeers {
		cp := *p
		cp.Applications = append([]string(nil), p.Applications...)
		out = append(out, cp)
	}
	return out
}

func init() {
	handle("/api/cluster/peers", map[string]handler{"GET": getClusterPeers, "POST": postClusterPeer}, false)
	handle("/api/cluster/peers/{uuid}", map[string]handler{"GET": getClusterPeer, "DELETE": deleteClusterPeer}, false)
	handle("/api/svm/peers", map[string]handler{"GET": getSVMPeers, "POST": postSVMPeer}, true)
	handle("/api/svm/peers/{uuid}", map[string]handler{"GET": getSVMPeer, "PATCH": patchSVMPeer, "DELETE": deleteSVMPeer}, false)
}
