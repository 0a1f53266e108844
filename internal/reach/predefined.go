package reach

import (
	"fmt"
	"strconv"
	"strings"
)

const (
	protoICMP = 1
	protoTCP  = 6
	protoUDP  = 17
	protoSCTP = 132
)

// protocolNumbers are the protocol names Junos accepts in an application's protocol.
var protocolNumbers = map[string]uint32{
	"icmp": 1, "igmp": 2, "ipip": 4, "tcp": 6, "egp": 8, "udp": 17, "rsvp": 46, "gre": 47,
	"esp": 50, "ah": 51, "icmp6": 58, "ospf": 89, "pim": 103, "vrrp": 112, "sctp": 132,
}

// protocolNames names protocol numbers when rendering.
var protocolNames = func() map[uint32]string {
	m := map[uint32]string{}
	for name, n := range protocolNumbers {
		m[n] = name
	}
	return m
}()

// portNumbers are the port names Junos accepts for source-port and destination-port (the
// table "Port Names Supported by Services Interfaces" of Juniper's destination-port page).
var portNumbers = map[string]uint32{
	"afs": 1483, "bgp": 179, "biff": 512, "bootpc": 68, "bootps": 67, "cmd": 514,
	"cvspserver": 2401, "dhcp": 67, "domain": 53, "eklogin": 2105, "ekshell": 2106,
	"exec": 512, "finger": 79, "ftp": 21, "ftp-data": 20, "http": 80, "https": 443,
	"ident": 113, "imap": 143, "kerberos-sec": 88, "klogin": 543, "kpasswd": 761,
	"krb-prop": 754, "krbupdate": 760, "kshell": 544, "ldap": 389, "ldp": 646, "login": 513,
	"mobileip-agent": 434, "mobilip-mn": 435, "msdp": 639, "netbios-dgm": 138,
	"netbios-ns": 137, "netbios-ssn": 139, "nfsd": 2049, "nntp": 119, "ntalk": 518,
	"ntp": 123, "pop3": 110, "pptp": 1723, "printer": 515, "radacct": 1813, "radius": 1812,
	"rip": 520, "rkinit": 2108, "smtp": 25, "snmp": 161, "snmp-trap": 162, "snpp": 444,
	"socks": 1080, "ssh": 22, "sunrpc": 111, "syslog": 514, "tacacs": 49, "tacacs-ds": 65,
	"talk": 517, "telnet": 23, "tftp": 69, "timed": 525, "who": 513, "xdmcp": 177,
}

// predefinedSpecs are the junos-* applications of the junos-defaults group this package knows,
// each as its terms: "PROTO[/PORTS]" with PROTO a name or number, PORTS a port or range (for
// ICMP, "icmp type N"). Predefined applications match every source port.
//
// Values cross-checked between Batfish's JunosApplication (batfish/batfish,
// representation/juniper/JunosApplication.java), a public parser's transcription of
// "show groups junos-defaults applications", and Juniper's port-name table. Left out on
// purpose: applications that match on an RPC program number or a MS-RPC UUID through an ALG
// (junos-sun-rpc-*-tcp/udp, junos-ms-rpc-epm, -uuid-*, -wmic-*, ...) and the ICMPv6 type
// applications; naming one is an "unknown application" error, and a caller can describe it
// in Config.Applications. junos-ping is all of ICMP (as in Batfish and junos-defaults; one
// third-party implementation narrows it to echo requests); junos-icmp-ping is echo requests
// (type 8) only.
var predefinedSpecs = map[string]string{
	"junos-aol":             "tcp/5190-5193",
	"junos-bgp":             "tcp/179",
	"junos-biff":            "udp/512",
	"junos-bootpc":          "udp/68",
	"junos-bootps":          "udp/67",
	"junos-chargen":         "udp/19",
	"junos-cvspserver":      "tcp/2401",
	"junos-dhcp-client":     "udp/68",
	"junos-dhcp-relay":      "udp/67",
	"junos-dhcp-server":     "udp/67",
	"junos-discard":         "udp/9",
	"junos-dns-tcp":         "tcp/53",
	"junos-dns-udp":         "udp/53",
	"junos-echo":            "udp/7",
	"junos-finger":          "tcp/79",
	"junos-ftp":             "tcp/21",
	"junos-ftp-data":        "tcp/20",
	"junos-gnutella":        "udp/6346-6347",
	"junos-gopher":          "tcp/70",
	"junos-gre":             "47",
	"junos-h323":            "tcp/1720 udp/1719 tcp/1503 tcp/389 tcp/522 tcp/1731",
	"junos-http":            "tcp/80",
	"junos-http-ext":        "tcp/7001",
	"junos-https":           "tcp/443",
	"junos-icmp-all":        "icmp",
	"junos-icmp-ping":       "icmp type 8",
	"junos-icmp6-all":       "58",
	"junos-ident":           "tcp/113",
	"junos-ike":             "udp/500",
	"junos-ike-nat":         "udp/4500",
	"junos-imap":            "tcp/143",
	"junos-imaps":           "tcp/993",
	"junos-irc":             "tcp/6660-6669",
	"junos-l2tp":            "udp/1701",
	"junos-ldap":            "tcp/389",
	"junos-ldp-tcp":         "tcp/646",
	"junos-ldp-udp":         "udp/646",
	"junos-lpr":             "tcp/515",
	"junos-mail":            "tcp/25",
	"junos-mgcp-ca":         "udp/2727",
	"junos-mgcp-ua":         "udp/2427",
	"junos-ms-rpc-tcp":      "tcp/135",
	"junos-ms-rpc-udp":      "udp/135",
	"junos-ms-sql":          "tcp/1433",
	"junos-msn":             "tcp/1863",
	"junos-nbds":            "udp/138",
	"junos-nbname":          "udp/137",
	"junos-netbios-session": "tcp/139",
	"junos-nfs":             "udp/111",
	"junos-nfsd-tcp":        "tcp/2049",
	"junos-nfsd-udp":        "udp/2049",
	"junos-nntp":            "tcp/119",
	"junos-ntalk":           "udp/518 tcp/518",
	"junos-ntp":             "udp/123",
	"junos-ospf":            "89",
	"junos-pc-anywhere":     "udp/5632",
	"junos-ping":            "icmp",
	"junos-pingv6":          "58",
	"junos-pop3":            "tcp/110",
	"junos-pptp":            "tcp/1723",
	"junos-printer":         "tcp/515",
	"junos-radacct":         "udp/1813",
	"junos-radius":          "udp/1812",
	"junos-realaudio":       "tcp/554",
	"junos-rip":             "udp/520",
	"junos-rsh":             "tcp/514",
	"junos-rtsp":            "tcp/554",
	"junos-sccp":            "tcp/2000",
	"junos-sctp-any":        "132",
	"junos-sip":             "udp/5060 tcp/5060",
	"junos-smb":             "tcp/139 tcp/445",
	"junos-smb-session":     "tcp/445",
	"junos-smtp":            "tcp/25",
	"junos-snmp-agentx":     "tcp/705",
	"junos-snmp-get":        "udp/161",
	"junos-snmp-get-next":   "udp/161",
	"junos-snpp":            "tcp/444",
	"junos-sql-monitor":     "udp/1434",
	"junos-sqlnet-v1":       "tcp/1525",
	"junos-sqlnet-v2":       "tcp/1521",
	"junos-ssh":             "tcp/22",
	"junos-stun":            "udp/3478-3479 tcp/3478-3479",
	"junos-sun-rpc-tcp":     "tcp/111",
	"junos-sun-rpc-udp":     "udp/111",
	"junos-syslog":          "udp/514",
	"junos-tacacs":          "tcp/49",
	"junos-tacacs-ds":       "tcp/65",
	"junos-talk":            "udp/517 tcp/517",
	"junos-tcp-any":         "tcp",
	"junos-telnet":          "tcp/23",
	"junos-tftp":            "udp/69",
	"junos-udp-any":         "udp",
	"junos-uucp":            "udp/540",
	"junos-vdo-live":        "udp/7000-7010",
	"junos-wais":            "tcp/210",
	"junos-who":             "udp/513",
	"junos-whois":           "tcp/43",
	"junos-winframe":        "tcp/1494",
	"junos-wxcontrol":       "tcp/3578",
	"junos-x-windows":       "tcp/6000-6063",
	"junos-xnm-clear-text":  "tcp/3221",
	"junos-xnm-ssl":         "tcp/3220",
	"junos-ymsg":            "tcp/5000-5010 tcp/5050 udp/5000-5010 udp/5050",
}

// predefined holds predefinedSpecs parsed, built once.
var predefined = func() map[string][]cube {
	m := make(map[string][]cube, len(predefinedSpecs))
	for name, spec := range predefinedSpecs {
		terms, err := parseTerms(spec)
		if err != nil {
			panic(fmt.Sprintf("reach: predefined application %s: %v", name, err))
		}
		m[name] = terms
	}
	return m
}()

// parseTerms reads a predefinedSpecs value into cubes over protocol and ports.
func parseTerms(spec string) ([]cube, error) {
	if strings.HasPrefix(spec, "icmp type ") {
		t, err := strconv.ParseUint(strings.TrimPrefix(spec, "icmp type "), 10, 8)
		if err != nil {
			return nil, err
		}
		return []cube{{dimProto: ivals{{protoICMP, protoICMP}}, dimDport: ivals{{uint32(t), uint32(t)}}}}, nil
	}
	var out []cube
	for _, term := range strings.Fields(spec) {
		proto, ports, _ := strings.Cut(term, "/")
		c, err := applicationCube(proto, ports, "")
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// applicationCube is the packets of one application term: protocol, destination ports and
// source ports as Junos writes them.
func applicationCube(protocol, dport, sport string) (cube, error) {
	var c cube
	if protocol != "" {
		p, ok := protocolNumbers[protocol]
		if !ok {
			n, err := strconv.ParseUint(protocol, 10, 8)
			if err != nil {
				return c, fmt.Errorf("protocol %q is not a protocol name or number 0-255", protocol)
			}
			p = uint32(n)
		}
		c[dimProto] = ivals{{p, p}}
		if (dport != "" || sport != "") && p != protoTCP && p != protoUDP && p != protoSCTP {
			return c, fmt.Errorf("protocol %s has no ports", protocol)
		}
	} else if dport != "" || sport != "" {
		return c, fmt.Errorf("ports need a protocol (tcp, udp or sctp)")
	}
	var err error
	if c[dimDport], err = parsePorts(dport); err != nil {
		return c, fmt.Errorf("destination port: %w", err)
	}
	if c[dimSport], err = parsePorts(sport); err != nil {
		return c, fmt.Errorf("source port: %w", err)
	}
	return c, nil
}

// parsePorts reads a port, a port name or a range LOW-HIGH of either; "" is every port (nil).
func parsePorts(s string) (ivals, error) {
	if s == "" {
		return nil, nil
	}
	lo, hi, isRange := strings.Cut(s, "-")
	// A port name may itself contain "-" (ftp-data): try the whole string first.
	if n, ok := portNumbers[s]; ok {
		return ivals{{n, n}}, nil
	}
	if !isRange {
		hi = lo
	}
	a, err := portValue(lo)
	if err != nil {
		return nil, err
	}
	b, err := portValue(hi)
	if err != nil {
		return nil, err
	}
	if a > b {
		return nil, fmt.Errorf("range %q runs backwards", s)
	}
	return ivals{{a, b}}, nil
}

func portValue(s string) (uint32, error) {
	if n, ok := portNumbers[s]; ok {
		return n, nil
	}
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("%q is not a port number 0-65535 or a known port name", s)
	}
	return uint32(n), nil
}
