package junossim

import (
	"fmt"
	"strings"
)

// The simulator stores configuration as a generic element tree. This file tells it how the
// part of the Junos hierarchy that enclave and its tests use is shaped: which elements are
// keyed lists (and by what), which are leaves, leaf-lists or empty flags. The shape drives
// merging (which sibling an incoming element replaces), the text and set formats, and the
// canonical order of siblings. Elements not described here still load and render: an
// element with a <name> child is taken as a list keyed by name, one with children as a
// container, anything else as a leaf.

type kind int

const (
	kContainer kind = iota // holds statements; removed when it becomes empty
	kPresence              // a container that means something when empty (then { permit; })
	kList                  // entries keyed by keys
	kLeaf                  // one value
	kLeafList              // many values, order kept
	kEmpty                 // a flag without a value
)

type schemaNode struct {
	name     string
	kind     kind
	keys     []string // key element names, for kList
	keyWords []string // keywords before each key in text/set ("" = the bare value follows)
	elide    bool     // the element's own name is not written in text/set (zone-pair policy)
	grouped  bool     // text writes entries as `name { k1; k2; }` (zone interfaces)
	pos      string   // a leaf whose value follows the key in text/set (address a1 10.0.0.0/24)
	alias    string   // the CLI keyword when it differs from the element name (802.3ad)
	integer  bool     // a leaf's value, or a list's key, is a number (unquoted in JSON)
	children []*schemaNode
	index    map[string]int
}

func (s *schemaNode) child(name string) *schemaNode {
	if s == nil {
		return nil
	}
	if i, ok := s.index[name]; ok {
		return s.children[i]
	}
	return nil
}

// byKeyword finds an elided list child whose first key keyword is word.
func (s *schemaNode) byKeyword(word string) *schemaNode {
	if s == nil {
		return nil
	}
	for _, c := range s.children {
		if c.elide && len(c.keyWords) > 0 && c.keyWords[0] == word {
			return c
		}
	}
	return nil
}

// bareList finds an elided list child named by its key alone (interfaces ge-0/0/0).
func (s *schemaNode) bareList() *schemaNode {
	if s == nil {
		return nil
	}
	for _, c := range s.children {
		if c.elide && len(c.keyWords) > 0 && c.keyWords[0] == "" {
			return c
		}
	}
	return nil
}

func (s *schemaNode) order(name string) int {
	if s == nil {
		return 1 << 30
	}
	if i, ok := s.index[name]; ok {
		return i
	}
	return 1 << 30
}

const policyBody = `
    description v
    match c
      source-address ll
      destination-address ll
      application ll
      from-zone ll
      to-zone ll
      source-identity ll
    then c
      permit p
        application-services c
      deny e
      reject e
      log c
        session-init e
        session-close e
      count p
    scheduler-name v
`

const addressBookBody = `
    address l pos=ip-prefix
      ip-prefix v
      description v
      dns-name c
      range-address c
    address-set l
      address l
      address-set l
      description v
`

// schemaText: indentation two spaces per level; "name kind [options]".
// kinds: c container, p presence container, l list (keys=a,b kw=x,y elide grouped pos=leaf;
// keys default to name; int: the key is a number), v leaf (int: its value is a number), ll
// leaf-list, e empty flag.
var schemaText = `
configuration c
  version v
  system c
    host-name v
    domain-name v
    time-zone v
    root-authentication c
      encrypted-password v
      ssh-ed25519 l
      ssh-rsa l
    login c
      user l
        uid v int
        class v
        authentication c
          encrypted-password v
          ssh-ed25519 l
          ssh-rsa l
    services c
      ssh p
        root-login v
      netconf c
        ssh p
          port v int
        rfc-compliant e
      web-management c
    name-server l
    ntp c
      server l
    syslog c
  chassis c
    cluster c
      control-link-recovery e
      reth-count v int
      redundancy-group l int
        node l int
          priority v int
        preempt p
        gratuitous-arp-count v int
        interface-monitor l
          weight v int
    aggregated-devices c
      ethernet c
        device-count v int
  interfaces c
    interface l elide
      description v
      disable e
      vlan-tagging e
      flexible-vlan-tagging e
      mtu v int
      encapsulation v
      native-vlan-id v int
      redundant-ether-options c
        redundancy-group v int
        minimum-links v int
        lacp c
          active e
          passive e
          periodic v
      aggregated-ether-options c
        minimum-links v int
        lacp c
          active e
          passive e
          periodic v
      gigether-options c
        redundant-parent c pos=parent
          parent v
        ieee-802.3ad c alias=802.3ad pos=bundle
          bundle v
          lacp c
            active e
            passive e
      ether-options c
        ieee-802.3ad c alias=802.3ad pos=bundle
          bundle v
          lacp c
            active e
            passive e
        auto-negotiation e
        speed c
      fabric-options c
        member-interfaces l
      unit l int
        description v
        disable e
        vlan-id v int
        family c
          inet p
            address l
              primary e
              preferred e
            dhcp p
            filter c
          inet6 p
            address l
          ethernet-switching p
            interface-mode v
            port-mode v
            vlan c
              members ll
            native-vlan-id v int
  security c
    address-book l` + indent(addressBookBody, 2) + `
      attach c
        zone l
      description v
    zones c
      security-zone l
        description v
        address-book c` + indent(addressBookBody, 4) + `
        screen v
        host-inbound-traffic c
          system-services l grouped
            except e
          protocols l grouped
            except e
        interfaces l grouped
          host-inbound-traffic c
            system-services l grouped
              except e
            protocols l grouped
              except e
      functional-zone c
    policies c
      policy l keys=from-zone-name,to-zone-name kw=from-zone,to-zone elide
        policy l` + indent(policyBody, 6) + `
      global c
        policy l` + indent(policyBody, 6) + `
      default-policy c
        permit-all e
        deny-all e
    nat c
    screen c
    flow c
  applications c
    application l
      description v
      application-protocol v
      protocol v
      source-port v
      destination-port v
      inactivity-timeout v
      term l
        protocol v
        source-port v
        destination-port v
        inactivity-timeout v
    application-set l
      description v
      application l
      application-set l
  vlans c
    vlan l elide
      description v
      vlan-id v int
      vlan-id-list ll
      l3-interface v
      interface l
  routing-options c
    router-id v
    autonomous-system c
    static c
      route l
        next-hop ll
        discard e
        reject e
        preference c
        qualified-next-hop l
          preference v
  routing-instances c
    instance l elide
      instance-type v
      interface l
      routing-options c
        static c
          route l
            next-hop ll
            discard e
            reject e
  protocols c
`

func indent(s string, levels int) string {
	pad := strings.Repeat("  ", levels)
	var b strings.Builder
	for _, ln := range strings.Split(s, "\n") {
		if strings.TrimSpace(ln) == "" {
			continue
		}
		b.WriteString("\n")
		b.WriteString(pad)
		b.WriteString(ln)
	}
	return b.String()
}

var schemaRoot = mustParseSchema(schemaText)

// mustParseSchema parses the built-in schema table: a malformed table is a bug in this
// package, found by the first test that loads it, like regexp.MustCompile.
func mustParseSchema(text string) *schemaNode {
	root, err := parseSchema(text)
	if err != nil {
		panic(err)
	}
	return root
}

// parseSchema reads the indented schema table: "name kind [option=value...]" per line, two
// spaces of indent per level, one root.
func parseSchema(text string) (*schemaNode, error) {
	type frame struct {
		depth int
		node  *schemaNode
	}
	var root *schemaNode
	var stack []frame
	for ln, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == "" {
			continue
		}
		depth := (len(line) - len(strings.TrimLeft(line, " "))) / 2
		f := strings.Fields(line)
		if len(f) < 2 {
			return nil, fmt.Errorf("schema line %d: %q", ln, line)
		}
		n := &schemaNode{name: f[0], index: map[string]int{}}
		switch f[1] {
		case "c":
			n.kind = kContainer
		case "p":
			n.kind = kPresence
		case "l":
			n.kind = kList
			n.keys = []string{"name"}
		case "v":
			n.kind = kLeaf
		case "ll":
			n.kind = kLeafList
		case "e":
			n.kind = kEmpty
		default:
			return nil, fmt.Errorf("schema line %d: kind %q", ln, f[1])
		}
		for _, opt := range f[2:] {
			k, v, _ := strings.Cut(opt, "=")
			switch k {
			case "keys":
				n.keys = strings.Split(v, ",")
			case "kw":
				n.keyWords = strings.Split(v, ",")
			case "elide":
				n.elide = true
			case "grouped":
				n.grouped = true
			case "pos":
				n.pos = v
			case "alias":
				n.alias = v
			case "int":
				n.integer = true
			default:
				return nil, fmt.Errorf("schema line %d: option %q", ln, opt)
			}
		}
		if n.kind == kList && len(n.keyWords) == 0 {
			n.keyWords = make([]string, len(n.keys))
		}
		for len(stack) > 0 && stack[len(stack)-1].depth >= depth {
			stack = stack[:len(stack)-1]
		}
		if len(stack) == 0 {
			if root != nil {
				return nil, fmt.Errorf("schema line %d: a second root %q", ln, n.name)
			}
			root = n
		} else {
			p := stack[len(stack)-1].node
			p.index[n.name] = len(p.children)
			if n.alias != "" {
				p.index[n.alias] = len(p.children)
			}
			p.children = append(p.children, n)
		}
		stack = append(stack, frame{depth, n})
	}
	if root == nil {
		return nil, fmt.Errorf("schema: empty")
	}
	return root, nil
}

// shape is what the simulator knows about one element instance: its schema node when the
// hierarchy is described, or a shape guessed from the instance.
func shapeOf(parent *schemaNode, n *elem) *schemaNode {
	if s := parent.child(n.Name); s != nil {
		return s
	}
	return guessShape(n)
}

var (
	guessList      = &schemaNode{kind: kList, keys: []string{"name"}, keyWords: []string{""}, index: map[string]int{}}
	guessContainer = &schemaNode{kind: kPresence, index: map[string]int{}}
	guessLeaf      = &schemaNode{kind: kLeaf, index: map[string]int{}}
	guessEmpty     = &schemaNode{kind: kEmpty, index: map[string]int{}}
)

func guessShape(n *elem) *schemaNode {
	switch {
	case len(n.Children) > 0 && n.Children[0].Name == "name" && len(n.Children[0].Children) == 0:
		return guessList
	case len(n.Children) > 0:
		return guessContainer
	case n.Text != "":
		return guessLeaf
	default:
		return guessEmpty
	}
}

// keyOf returns the identity of n among its siblings: the element name plus the list key
// or, for leaf-list values, the value.
func keyOf(s *schemaNode, n *elem) string {
	switch s.kind {
	case kList:
		var b strings.Builder
		b.WriteString(n.Name)
		for _, k := range s.keys {
			b.WriteByte(0)
			b.WriteString(n.ChildText(k))
		}
		return b.String()
	case kLeafList:
		return n.Name + "\x00" + n.Text
	}
	return n.Name
}

func isKey(s *schemaNode, name string) bool {
	if s == nil || s.kind != kList {
		return false
	}
	for _, k := range s.keys {
		if k == name {
			return true
		}
	}
	return false
}
