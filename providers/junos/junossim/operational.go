package junossim

import (
	"encoding/xml"
	"sort"
	"strconv"
	"strings"
)

// Operational RPCs: what automation clients ask when a session opens (PyEZ's facts, the
// Terraform junos provider's get-system-information) and the show commands behind them.
// On the SRX cluster each answer that Junos gives per node comes inside
// <multi-routing-engine-results>; see hardware.go for the simulated box.

// nsAttr declares the namespace Junos puts on an operational answer's top element, e.g.
// xmlns="http://xml.juniper.net/junos/21.4R0/junos-chassis".
func (s *Server) nsAttr(suffix string) xml.Attr {
	return xmlAttr("xmlns", "http://xml.juniper.net/junos/"+releaseTrain(s.opts.Release)+"/"+suffix)
}

// perNode builds an answer for each chassis: the bare element on a standalone device, one
// <multi-routing-engine-item> per node (named by <re-name>) on a chassis cluster.
func (s *Server) perNode(build func(n hwNode) *elem) *elem {
	if !s.hw.clustered() {
		return build(s.hw.local())
	}
	res := newNode("multi-routing-engine-results")
	for _, n := range s.hw.nodes {
		res.Children = append(res.Children, newNode("multi-routing-engine-item", leaf("re-name", n.name), build(n)))
	}
	return res
}

func (sess *session) hostName() string {
	if h := sess.s.db.committed.Child("system").ChildText("host-name"); h != "" {
		return h
	}
	return sess.s.opts.Hostname
}

// GetSystemInformation answers `show system information`: model, OS family and version,
// serial number and host name of the chassis the session is on; a cluster node adds an
// empty <cluster-node/>.
func (sess *session) GetSystemInformation(op *elem) result {
	return result{body: []*elem{sess.systemInformation()}}
}

func (sess *session) systemInformation() *elem {
	s := sess.s
	info := newNode("system-information",
		leaf("hardware-model", s.hw.model),
		leaf("os-name", s.hw.osName),
		leaf("os-version", s.opts.Release),
		leaf("serial-number", s.hw.local().serial),
		leaf("host-name", sess.hostName()))
	if s.hw.clustered() {
		info.Children = append(info.Children, &elem{Name: "cluster-node"})
	}
	return info
}

// GetSoftwareInformation answers `show version`, per node on a cluster.
func (sess *session) GetSoftwareInformation(op *elem) result {
	return result{body: []*elem{sess.softwareInformation()}}
}

func (sess *session) softwareInformation() *elem {
	s := sess.s
	rel := s.opts.Release
	return s.perNode(func(hwNode) *elem {
		return newNode("software-information",
			leaf("host-name", sess.hostName()),
			leaf("product-model", s.hw.model),
			leaf("product-name", s.hw.model),
			&elem{Name: "jsr"},
			leaf("junos-version", rel),
			newNode("package-information", leaf("name", "junos"), leaf("comment", "JUNOS Software Release ["+rel+"]")))
	})
}

// GetChassisInventory answers `show chassis hardware`: the chassis and its routing engine,
// per node on a cluster.
func (sess *session) GetChassisInventory(op *elem) result {
	s := sess.s
	inv := s.perNode(func(n hwNode) *elem {
		re := newNode("chassis-module",
			leaf("name", "Routing Engine"),
			leaf("version", "REV 0x06"),
			leaf("part-number", s.hw.rePart),
			leaf("serial-number", n.serial),
			leaf("description", s.hw.reModel))
		ch := newNode("chassis", leaf("name", "Chassis"), leaf("serial-number", n.serial), leaf("description", s.hw.chassis), re)
		ch.Attrs = []xml.Attr{junosAttr("style", "inventory")}
		out := newNode("chassis-inventory", ch)
		out.Attrs = []xml.Attr{s.nsAttr("junos-chassis")}
		return out
	})
	return result{body: []*elem{inv}}
}

// GetRouteEngineInformation answers `show chassis routing-engine`. The EX's one routing
// engine reports its slot and mastership; an SRX branch node reports neither (PyEZ then
// takes slot 0, master), as in the replies of real devices kept in PyEZ's tests.
func (sess *session) GetRouteEngineInformation(op *elem) result {
	s := sess.s
	now := s.clock.Now()
	out := s.perNode(func(n hwNode) *elem {
		re := newNode("route-engine")
		if !s.hw.clustered() {
			re.Children = append(re.Children, leaf("slot", "0"), leaf("mastership-state", "master"))
		}
		start := leaf("start-time", junosTime(s.started))
		start.Attrs = []xml.Attr{junosAttr("seconds", strconv.FormatInt(s.started.Unix(), 10))}
		up := leaf("up-time", upTime(now.Sub(s.started)))
		up.Attrs = []xml.Attr{junosAttr("seconds", strconv.FormatInt(int64(now.Sub(s.started).Seconds()), 10))}
		re.Children = append(re.Children,
			leaf("status", "OK"),
			leaf("model", s.hw.reModel),
			leaf("serial-number", n.serial),
			start, up,
			leaf("last-reboot-reason", "0x1:power cycle/failure"))
		rei := newNode("route-engine-information", re)
		rei.Attrs = []xml.Attr{s.nsAttr("junos-chassis")}
		return rei
	})
	return result{body: []*elem{out}}
}

// GetChassisClusterStatus answers `show chassis cluster status` on the SRX: every
// redundancy group of the committed configuration (group 0 always exists), node0 primary.
// The EX has no such command.
func (sess *session) GetChassisClusterStatus(op *elem) result {
	s := sess.s
	if !s.hw.clustered() {
		return fail(syntaxErr(op.Name))
	}
	id := strconv.Itoa(s.hw.clusterID)
	type group struct {
		prio    [2]string
		preempt bool
	}
	groups := map[int]*group{0: {prio: [2]string{"1", "1"}}}
	for _, rg := range s.db.committed.Child("chassis").Child("cluster").All("redundancy-group") {
		n, err := strconv.Atoi(rg.ChildText("name"))
		if err != nil {
			continue
		}
		g := &group{prio: [2]string{"1", "1"}, preempt: rg.Child("preempt") != nil}
		for _, nd := range rg.All("node") {
			if i, err := strconv.Atoi(nd.ChildText("name")); err == nil && i >= 0 && i < 2 && nd.ChildText("priority") != "" {
				g.prio[i] = nd.ChildText("priority")
			}
		}
		groups[n] = g
	}
	ids := make([]int, 0, len(groups))
	for n := range groups {
		ids = append(ids, n)
	}
	sort.Ints(ids)
	out := newNode("chassis-cluster-status", leaf("cluster-id", id))
	for _, n := range ids {
		g := groups[n]
		stats := newNode("device-stats")
		for i, nd := range s.hw.nodes {
			status, preempt := "primary", "no"
			if i > 0 {
				status = "secondary"
			}
			if g.preempt && n != 0 {
				preempt = "yes"
			}
			stats.Children = append(stats.Children,
				leaf("device-name", nd.name),
				leaf("device-priority", g.prio[i]),
				leaf("redundancy-group-status", status),
				leaf("preempt", preempt),
				leaf("failover-mode", "no"))
		}
		out.Children = append(out.Children, newNode("redundancy-group",
			leaf("cluster-id", id),
			leaf("redundancy-group-id", strconv.Itoa(n)),
			leaf("redundancy-group-failover-count", "0"),
			stats))
	}
	return result{body: []*elem{out}}
}

const privateInstance = "__juniper_private1__"

// GetInterfaceInformation answers only `show interfaces terse routing-instance
// __juniper_private1__`, the internal interface PyEZ reads to learn which routing engine or
// cluster node it is on (current_re). Interfaces are not modelled otherwise: any other
// form is refused like an unknown RPC.
func (sess *session) GetInterfaceInformation(op *elem) result {
	s := sess.s
	if op.ChildText("routing-instance") != privateInstance || op.Child("terse") == nil {
		return fail(syntaxErr(op.Name))
	}
	ifl, addrs := s.hw.iriAddresses()
	fam := newNode("address-family", leaf("address-family-name", "inet"))
	for _, a := range addrs {
		l := leaf("ifa-local", a)
		l.Attrs = []xml.Attr{junosAttr("emit", "emit")}
		fam.Children = append(fam.Children, newNode("interface-address", l))
	}
	ifd, _, _ := strings.Cut(ifl, ".")
	logical := newNode("logical-interface", leaf("name", ifl), leaf("admin-status", "up"), leaf("oper-status", "up"),
		&elem{Name: "filter-information"}, fam)
	phys := newNode("physical-interface", leaf("name", ifd), leaf("admin-status", "up"), leaf("oper-status", "up"), logical)
	out := newNode("interface-information", phys)
	out.Attrs = []xml.Attr{s.nsAttr("junos-interface"), junosAttr("style", "terse")}
	return result{body: []*elem{out}}
}

// FileShow answers `file show` for /etc/hosts.junos, the one file clients read (PyEZ maps
// internal addresses to routing engine names with it). There is no other file.
func (sess *session) FileShow(op *elem) result {
	name := strings.TrimSpace(op.ChildText("filename"))
	if name != "/etc/hosts.junos" {
		return fail(rpcError{Tag: "operation-failed", Message: "could not resolve file: " + name})
	}
	content := "\n" + hostsJunos
	out := leaf("file-content", content)
	out.Attrs = []xml.Attr{
		xmlAttr("filename", name),
		junosAttr("seconds", strconv.FormatInt(sess.s.started.Unix(), 10)),
		xmlAttr("filesize", strconv.Itoa(len(hostsJunos))),
		xmlAttr("encoding", "text"),
	}
	return result{body: []*elem{out}}
}

// FileList answers `file list` for the user's home directory (~), which is empty: PyEZ
// takes the HOME fact from its root-path. Other paths do not exist.
func (sess *session) FileList(op *elem) result {
	home := "/var/home/" + sess.user + "/"
	if sess.user == "root" {
		home = "/root/"
	}
	path := strings.TrimSpace(op.ChildText("path"))
	switch path {
	case "", "~", "~/", home, strings.TrimSuffix(home, "/"):
	default:
		return fail(rpcError{Tag: "operation-failed", Message: "could not resolve file: " + path})
	}
	dir := newNode("directory", leaf("directory-name", home), leaf("total-file-blocks", "0"), leaf("total-files", "0"))
	dir.Attrs = []xml.Attr{xmlAttr("name", home)}
	out := newNode("directory-list", dir)
	out.Attrs = []xml.Attr{xmlAttr("root-path", home), junosAttr("seconds", strconv.FormatInt(sess.s.clock.Now().Unix(), 10)), junosAttr("style", "brief")}
	return result{body: []*elem{out}}
}
