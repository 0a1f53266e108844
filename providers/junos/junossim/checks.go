package junossim

import (
	"fmt"
	"strings"
)

// The commit check: the semantic errors Junos refuses at commit time that enclave's plans
// can produce. Each error names the hierarchy level (error-path), the offending statement
// (bad-element) and a message; the commit adds a final "configuration check-out failed".

// predefinedApplications are the junos-defaults applications a policy may name.
var predefinedApplications = map[string]bool{"any": true}

func init() {
	for _, a := range strings.Fields(`junos-ftp junos-tftp junos-rtsp junos-netbios-session junos-smb
	junos-ssh junos-telnet junos-smtp junos-smtps junos-tacacs junos-tacacs-ds junos-dhcp-client
	junos-dhcp-server junos-bootpc junos-bootps junos-finger junos-dns-udp junos-dns-tcp junos-http
	junos-https junos-http-ext junos-icmp-all junos-icmp-ping junos-icmp6-all junos-ping junos-pingv6
	junos-imap junos-imaps junos-pop3 junos-ldap junos-ldaps junos-nfs junos-ntp junos-radius
	junos-radius-accounting junos-rdp junos-rsh junos-sql-monitor junos-sqlnet-v1 junos-sqlnet-v2
	junos-ms-sql junos-mysql junos-oracle junos-syslog junos-snmp-agentx junos-snmp-get
	junos-snmp-get-next junos-snmp-response junos-snmp-trap junos-sun-rpc junos-ms-rpc junos-talk
	junos-ntalk junos-gre junos-gtp junos-ike junos-ike-nat junos-ipsec-esp junos-l2tp junos-ospf
	junos-bgp junos-rip junos-ripng junos-pptp junos-sip junos-h323 junos-mgcp-ua junos-mgcp-ca
	junos-sccp junos-vnc junos-x-windows junos-xnm-ssl junos-xnm-clear-text junos-nntp junos-ident
	junos-ymsg junos-msn junos-aol junos-irc junos-cvspserver junos-lpr junos-wais junos-who
	junos-whois junos-wxcontrol junos-internet-locator-service junos-persistent-nat junos-stun
	junos-netconf junos-vdo-live junos-realaudio junos-winframe junos-uucp junos-smpp junos-ssh-v6`) {
		predefinedApplications[a] = true
	}
}

func checkConfig(personality string, cfg *elem) []rpcError {
	var errs []rpcError
	books := map[string]map[string]bool{} // addressNames by zone, computed once per check
	sec := cfg.Child("security")
	zones := map[string]*elem{}
	var zoneNames []string
	for _, z := range sec.Child("zones").All("security-zone") {
		zones[z.ChildText("name")] = z
		zoneNames = append(zoneNames, z.ChildText("name"))
	}

	// Zone interfaces: each in one zone only, and each a configured interface unit.
	owner := map[string]string{}
	for _, zn := range zoneNames {
		z := zones[zn]
		path := "[edit security zones security-zone " + zn + "]"
		for _, i := range z.All("interfaces") {
			ifn := i.ChildText("name")
			if prev, dup := owner[ifn]; dup {
				errs = append(errs, rpcError{Path: path, BadElement: "interfaces " + ifn,
					Message: fmt.Sprintf("Interface %s is already in security zone %s; an interface can be in only one zone", ifn, prev)})
				continue
			}
			owner[ifn] = zn
			if !unitConfigured(cfg, ifn) {
				errs = append(errs, rpcError{Path: path, BadElement: "interfaces " + ifn,
					Message: fmt.Sprintf("Interface %s is not configured under [edit interfaces]", ifn)})
			}
		}
		errs = append(errs, checkAddressSets(z.Child("address-book"), "security zones security-zone "+zn+" address-book")...)
	}
	for _, ab := range sec.All("address-book") {
		errs = append(errs, checkAddressSets(ab, "security address-book "+ab.ChildText("name"))...)
	}

	// Policies: zones defined; addresses in the zone's or a global address book;
	// applications defined or predefined.
	for _, pair := range sec.Child("policies").All("policy") {
		from, to := pair.ChildText("from-zone-name"), pair.ChildText("to-zone-name")
		pairPath := fmt.Sprintf("[edit security policies from-zone %s to-zone %s]", from, to)
		for _, zn := range []string{from, to} {
			if zones[zn] == nil && zn != "junos-host" {
				errs = append(errs, rpcError{Path: pairPath, BadElement: zn,
					Message: fmt.Sprintf("Security zone %s is not defined", zn)})
			}
		}
		for _, p := range pair.All("policy") {
			path := fmt.Sprintf("[edit security policies from-zone %s to-zone %s policy %s]", from, to, p.ChildText("name"))
			errs = append(errs, checkPolicy(cfg, books, p, path, from, to)...)
		}
	}
	for _, p := range sec.Child("policies").Child("global").All("policy") {
		path := fmt.Sprintf("[edit security policies global policy %s]", p.ChildText("name"))
		errs = append(errs, checkPolicy(cfg, books, p, path, "", "")...)
	}
	for _, as := range cfg.Child("applications").All("application-set") {
		for _, a := range as.All("application") {
			if !applicationDefined(cfg, a.ChildText("name")) {
				errs = append(errs, rpcError{Path: "[edit applications application-set " + as.ChildText("name") + "]",
					BadElement: "application " + a.ChildText("name"),
					Message:    fmt.Sprintf("application %s is not defined", a.ChildText("name"))})
			}
		}
	}

	// VLANs: a VLAN id is used once.
	byID := map[string]string{}
	for _, v := range cfg.Child("vlans").All("vlan") {
		id := v.ChildText("vlan-id")
		if id == "" {
			continue
		}
		if prev, dup := byID[id]; dup {
			errs = append(errs, rpcError{Path: "[edit vlans " + v.ChildText("name") + "]", BadElement: "vlan-id " + id,
				Message: fmt.Sprintf("VLAN ID %s is already used by vlan %s", id, prev)})
			continue
		}
		byID[id] = v.ChildText("name")
	}
	return errs
}

func unitConfigured(cfg *elem, ifn string) bool {
	phys, unit := ifn, "0"
	if i := strings.LastIndex(ifn, "."); i >= 0 {
		phys, unit = ifn[:i], ifn[i+1:]
	}
	for _, i := range cfg.Child("interfaces").All("interface") {
		if i.ChildText("name") != phys {
			continue
		}
		for _, u := range i.All("unit") {
			if u.ChildText("name") == unit {
				return true
			}
		}
	}
	return false
}

// checkAddressSets: every member of an address set is an address or set of the same book.
func checkAddressSets(book *elem, where string) []rpcError {
	var errs []rpcError
	defined := map[string]bool{}
	for _, a := range book.All("address") {
		defined[a.ChildText("name")] = true
	}
	for _, s := range book.All("address-set") {
		defined[s.ChildText("name")] = true
	}
	for _, s := range book.All("address-set") {
		for _, m := range append(s.All("address"), s.All("address-set")...) {
			if !defined[m.ChildText("name")] {
				errs = append(errs, rpcError{Path: "[edit " + where + " address-set " + s.ChildText("name") + "]",
					BadElement: m.Name + " " + m.ChildText("name"),
					Message:    fmt.Sprintf("%s %s is not defined in this address book", m.Name, m.ChildText("name"))})
			}
		}
	}
	return errs
}

// addressNames are the names a policy between zones may use on one side: the zone's own
// address book plus every address book that is global or attached to the zone.
func addressNames(cfg *elem, zone string) map[string]bool {
	names := map[string]bool{"any": true, "any-ipv4": true, "any-ipv6": true}
	sec := cfg.Child("security")
	add := func(book *elem) {
		for _, a := range book.All("address") {
			names[a.ChildText("name")] = true
		}
		for _, s := range book.All("address-set") {
			names[s.ChildText("name")] = true
		}
	}
	for _, z := range sec.Child("zones").All("security-zone") {
		if z.ChildText("name") == zone {
			add(z.Child("address-book"))
		}
	}
	for _, ab := range sec.All("address-book") {
		attached := ab.ChildText("name") == "global"
		for _, z := range ab.Child("attach").All("zone") {
			if z.ChildText("name") == zone || zone == "" {
				attached = true
			}
		}
		if attached {
			add(ab)
		}
	}
	return names
}

func applicationDefined(cfg *elem, name string) bool {
	if predefinedApplications[name] {
		return true
	}
	apps := cfg.Child("applications")
	for _, a := range append(apps.All("application"), apps.All("application-set")...) {
		if a.ChildText("name") == name {
			return true
		}
	}
	return false
}

func checkPolicy(cfg *elem, books map[string]map[string]bool, p *elem, path, from, to string) []rpcError {
	var errs []rpcError
	match := p.Child("match")
	book := func(zone string) map[string]bool {
		if b, ok := books[zone]; ok {
			return b
		}
		b := addressNames(cfg, zone)
		books[zone] = b
		return b
	}
	src, dst := book(from), book(to)
	undefined := func(kind, name, zone string) {
		where := "the global address book"
		if zone != "" {
			where = fmt.Sprintf("the address book of zone %s or the global address book", zone)
		}
		errs = append(errs, rpcError{Path: path, BadElement: "match",
			Message: fmt.Sprintf("Policy %s: %s %s is not defined in %s", p.ChildText("name"), kind, name, where)})
	}
	for _, a := range match.All("source-address") {
		if !src[a.Text] {
			undefined("source-address", a.Text, from)
		}
	}
	for _, a := range match.All("destination-address") {
		if !dst[a.Text] {
			undefined("destination-address", a.Text, to)
		}
	}
	for _, a := range match.All("application") {
		if !applicationDefined(cfg, a.Text) {
			errs = append(errs, rpcError{Path: path, BadElement: "match",
				Message: fmt.Sprintf("Policy %s: application %s is not defined", p.ChildText("name"), a.Text)})
		}
	}
	for _, m := range []string{"source-address", "destination-address", "application"} {
		if match.Child(m) == nil {
			errs = append(errs, rpcError{Path: path, BadElement: "match", Message: "Missing mandatory statement: '" + m + "'"})
		}
	}
	return errs
}
