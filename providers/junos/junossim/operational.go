package junossim

import (
	"strings"
)

// Operational RPCs: just enough for clients that gather facts or run `show version`.

func (s *Server) model() string {
	if s.opts.Personality == "ex" {
		return "ex4300-48t"
	}
	return "srx345"
}

// GetSoftwareInformation answers `show version`.
func (sess *session) GetSoftwareInformation(op *elem) result {
	s := sess.s
	rel := s.opts.Release
	info := newNode("software-information",
		leaf("host-name", sess.hostName()),
		leaf("product-model", s.model()),
		leaf("product-name", s.model()),
		leaf("junos-version", rel),
		newNode("package-information", leaf("name", "junos"), leaf("comment", "JUNOS Software Release ["+rel+"]")),
	)
	return result{body: []*elem{info}}
}

func (sess *session) hostName() string {
	if h := sess.s.db.committed.Child("system").ChildText("host-name"); h != "" {
		return h
	}
	return sess.s.opts.Hostname
}

// GetChassisInventory answers `show chassis hardware` with the chassis alone.
func (sess *session) GetChassisInventory(op *elem) result {
	ch := newNode("chassis",
		leaf("name", "Chassis"),
		leaf("serial-number", "JNSIM"+strings.ToUpper(sess.s.opts.Personality)+"0001"),
		leaf("description", strings.ToUpper(sess.s.model())))
	ch.Attrs = append(ch.Attrs, junosAttr("style", "inventory"))
	return result{body: []*elem{newNode("chassis-inventory", ch)}}
}

// Command is Junos's <command> (a CLI command over NETCONF). Only `show version` and
// `show configuration` are understood.
func (sess *session) Command(op *elem) result {
	cmd := strings.Join(strings.Fields(op.Text), " ")
	switch {
	case cmd == "show version":
		if op.Attr("format") == "text" {
			var b strings.Builder
			b.WriteString("Hostname: " + sess.hostName() + "\nModel: " + sess.s.model() + "\nJunos: " + sess.s.opts.Release + "\n")
			return result{body: []*elem{leaf("output", b.String())}}
		}
		return sess.GetSoftwareInformation(op)
	case cmd == "show configuration" || strings.HasPrefix(cmd, "show configuration |"):
		format := "text"
		if strings.Contains(cmd, "display set") {
			format = "set"
		} else if strings.Contains(cmd, "display xml") {
			format = "xml"
		}
		return sess.renderConfig(sess.s.db.committed, true, format, false)
	}
	return fail(rpcError{Type: "protocol", Tag: "operation-failed", BadElement: cmd, Message: "syntax error, expecting <command>"})
}
