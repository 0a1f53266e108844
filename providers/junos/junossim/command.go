package junossim

import (
	"strings"
)

// The <command> RPC: a CLI command over NETCONF. Junos answers an operational command with
// the XML of its RPC (format="xml", the default) or with the CLI's text inside <output>
// (format="text"); `show configuration` answers with <configuration> in XML, with
// <configuration-information><configuration-output> in text and for `| display set`, and
// with <configuration-set> for format="set" (which Ansible's junos_command sends instead of
// the `| display set` pipe).

// cliCommand is an operational command the simulator understands.
type cliCommand struct {
	words []string
	rpc   *elem                      // the equivalent RPC, for `| display xml rpc`
	xml   func(sess *session) *elem  // the XML answer
	text  func(sess *session) string // the CLI's text; nil when not simulated
	avail func(s *Server) bool       // nil: every personality has the command
}

var cliCommands = []cliCommand{
	{words: []string{"show", "version"}, rpc: &elem{Name: "get-software-information"},
		xml: (*session).softwareInformation, text: (*session).showVersionText},
	{words: []string{"show", "version", "invoke-on", "all-routing-engines"},
		rpc: newNode("get-software-information", leaf("invoke-on", "all-routing-engines")),
		xml: (*session).softwareInformation, text: (*session).showVersionText},
	{words: []string{"show", "system", "information"}, rpc: &elem{Name: "get-system-information"},
		xml: (*session).systemInformation, text: (*session).showSystemInformationText},
	{words: []string{"show", "chassis", "hardware"}, rpc: &elem{Name: "get-chassis-inventory"},
		xml: func(sess *session) *elem { return sess.GetChassisInventory(nil).body[0] }},
	{words: []string{"show", "chassis", "routing-engine"}, rpc: &elem{Name: "get-route-engine-information"},
		xml: func(sess *session) *elem { return sess.GetRouteEngineInformation(nil).body[0] }},
	{words: []string{"show", "chassis", "cluster", "status"}, rpc: &elem{Name: "get-chassis-cluster-status"},
		xml:   func(sess *session) *elem { return sess.GetChassisClusterStatus(nil).body[0] },
		avail: func(s *Server) bool { return s.hw.clustered() }},
}

// cliSyntaxError is Junos's answer to a command it cannot parse: bad-element names the
// first word it did not expect.
func cliSyntaxError(word string) result {
	return fail(rpcError{Type: "protocol", Tag: "operation-failed", BadElement: word, Message: "syntax error, expecting <command>"})
}

// Command is Junos's <command>.
func (sess *session) Command(op *elem) result {
	format := strings.ToLower(op.Attr("format"))
	switch format {
	case "", "xml":
		format = "xml"
	case "text", "ascii":
		format = "text"
	case "json", "set":
	default:
		return fail(rpcError{Tag: "invalid-value", BadElement: op.Attr("format"), Message: "invalid format " + op.Attr("format")})
	}
	segs := splitPipes(op.Text)
	words, err := splitWords(segs[0])
	if err != nil || len(words) == 0 {
		return cliSyntaxError(strings.TrimSpace(segs[0]))
	}
	var pipes [][]string
	for _, p := range segs[1:] {
		pw, err := splitWords(p)
		if err != nil || len(pw) == 0 {
			return cliSyntaxError("|")
		}
		pipes = append(pipes, pw)
	}
	if len(words) >= 2 && words[0] == "show" && words[1] == "configuration" {
		return sess.showConfiguration(words[2:], format, pipes)
	}
	cmd, bad := matchCommand(sess.s, words)
	if cmd == nil {
		return cliSyntaxError(bad)
	}
	display := ""
	for _, p := range pipes {
		switch strings.Join(p, " ") {
		case "display xml rpc", "display xml", "no-more":
			display = strings.Join(p, " ")
		default:
			return cliSyntaxError(p[0])
		}
	}
	switch {
	case display == "display xml rpc":
		return result{body: []*elem{newNode("rpc", cmd.rpc.Clone())}}
	case format == "set":
		return fail(rpcError{Tag: "invalid-value", BadElement: "set", Message: "invalid format set"})
	case format == "json":
		return fail(rpcError{Tag: "operation-not-supported", BadElement: "json",
			Message: "junossim: JSON output is simulated only for show configuration"})
	case format == "text" && display != "display xml":
		if cmd.text == nil {
			return fail(rpcError{Tag: "operation-not-supported", BadElement: strings.Join(cmd.words, " "),
				Message: "junossim: the text output of `" + strings.Join(cmd.words, " ") + "` is not simulated; ask for format=\"xml\""})
		}
		return result{body: []*elem{leaf("output", "\n"+cmd.text(sess))}}
	}
	return result{body: []*elem{cmd.xml(sess)}}
}

// matchCommand finds the command the words name exactly; otherwise it returns the first
// word no command continues with.
func matchCommand(s *Server, words []string) (*cliCommand, string) {
	best := 0
	for i := range cliCommands {
		c := &cliCommands[i]
		if c.avail != nil && !c.avail(s) {
			continue
		}
		n := 0
		for n < len(words) && n < len(c.words) && words[n] == c.words[n] {
			n++
		}
		if n == len(words) && n == len(c.words) {
			return c, ""
		}
		best = max(best, n)
	}
	if best < len(words) {
		return nil, words[best]
	}
	return nil, words[len(words)-1]
}

// splitPipes splits a command line at the | that are outside double quotes.
func splitPipes(line string) []string {
	var out []string
	inQuote := false
	start := 0
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '\\':
			if inQuote {
				i++
			}
		case '"':
			inQuote = !inQuote
		case '|':
			if !inQuote {
				out = append(out, line[start:i])
				start = i + 1
			}
		}
	}
	return append(out, line[start:])
}

// nodeHeader is the banner Junos prints above each node's part of an answer on a cluster.
func nodeHeader(name string) string {
	return name + ":\n" + strings.Repeat("-", 74) + "\n"
}

// showVersionText is `show version` as the CLI prints it, per node on a cluster.
func (sess *session) showVersionText() string {
	s := sess.s
	one := "Hostname: " + sess.hostName() + "\nModel: " + s.hw.model + "\nJunos: " + s.opts.Release +
		"\nJUNOS Software Release [" + s.opts.Release + "]\n"
	if !s.hw.clustered() {
		return one
	}
	var b strings.Builder
	for i, n := range s.hw.nodes {
		if i > 0 {
			b.WriteString("\n")
		}
		b.WriteString(nodeHeader(n.name) + one)
	}
	return b.String()
}

// showSystemInformationText is `show system information` as the CLI prints it.
func (sess *session) showSystemInformationText() string {
	s := sess.s
	return "Model: " + s.hw.model + "\nFamily: " + s.hw.osName + "\nJunos: " + s.opts.Release + "\nHostname: " + sess.hostName() + "\n"
}
