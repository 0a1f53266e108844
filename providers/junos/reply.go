package junos

import (
	"errors"
	"fmt"
	"strings"
)

// reply is one parsed <rpc-reply>.
type reply struct {
	MessageID string
	Root      *element // the <rpc-reply> element
	Errors    []*RPCError
	Warnings  []*RPCError
}

// RPCError is one <rpc-error> from the device, in the device's own words.
type RPCError struct {
	Type       string // error-type: transport, rpc, protocol, application
	Tag        string // error-tag: operation-failed, lock-denied, ...
	Severity   string // error-severity: error or warning
	Path       string // error-path: the configuration hierarchy, e.g. [edit security policies]
	Message    string // error-message
	BadElement string // error-info/bad-element
}

func (e *RPCError) Error() string {
	var b strings.Builder
	if e.Message != "" {
		b.WriteString(e.Message)
	} else {
		// A device may send an rpc-error with no message; say what little it did say.
		b.WriteString("rpc-error without a message")
		var parts []string
		for _, kv := range [][2]string{{"error-tag", e.Tag}, {"error-type", e.Type}, {"error-severity", e.Severity}} {
			if kv[1] != "" {
				parts = append(parts, kv[0]+" "+kv[1])
			}
		}
		if len(parts) > 0 {
			b.WriteString(" (" + strings.Join(parts, ", ") + ")")
		}
	}
	if e.Path != "" {
		b.WriteString(" at " + e.Path)
	}
	if e.BadElement != "" {
		b.WriteString(" (bad element: " + e.BadElement + ")")
	}
	return b.String()
}

// ReplyError carries every rpc-error of severity error in one reply.
type ReplyError struct {
	Errors []*RPCError
}

func (e *ReplyError) Error() string {
	msgs := make([]string, len(e.Errors))
	for i, x := range e.Errors {
		msgs[i] = x.Error()
	}
	return strings.Join(msgs, "; ")
}

// Err returns the reply's errors as one error, nil when there are none.
func (r *reply) Err() error {
	if len(r.Errors) == 0 {
		return nil
	}
	return &ReplyError{Errors: r.Errors}
}

// parseReply parses one NETCONF message that must be an <rpc-reply>. rpc-error elements are
// collected wherever they are: Junos puts them directly under rpc-reply, inside
// <load-configuration-results> and inside <commit-results>.
func parseReply(data []byte) (*reply, error) {
	root, err := parseElement(data)
	if err != nil {
		return nil, fmt.Errorf("malformed reply: %w", err)
	}
	if root.Name != "rpc-reply" {
		return nil, fmt.Errorf("malformed reply: got <%s>, want <rpc-reply>", root.Name)
	}
	r := &reply{MessageID: root.attrValue("message-id"), Root: root}
	collectErrors(root, r)
	return r, nil
}

func collectErrors(e *element, r *reply) {
	for _, c := range e.Children {
		if c.Name == "configuration" || c.Name == "configuration-information" {
			continue // data, not diagnostics
		}
		if (c.Name == "error" || c.Name == "warning") && c.has("message") {
			// The Junos XML protocol's own <xnm:error>/<xnm:warning>, which some releases
			// put inside load-configuration-results.
			re := &RPCError{Severity: c.Name, Message: strings.TrimSpace(c.childText("message")),
				Path: strings.TrimSpace(c.childText("edit-path")), BadElement: strings.TrimSpace(c.childText("statement"))}
			if c.Name == "warning" {
				r.Warnings = append(r.Warnings, re)
			} else {
				r.Errors = append(r.Errors, re)
			}
			continue
		}
		if c.Name != "rpc-error" {
			collectErrors(c, r)
			continue
		}
		re := &RPCError{
			Type:       c.childText("error-type"),
			Tag:        c.childText("error-tag"),
			Severity:   c.childText("error-severity"),
			Path:       c.childText("error-path"),
			Message:    strings.TrimSpace(c.childText("error-message")),
			BadElement: c.child("error-info").childText("bad-element"),
		}
		if re.BadElement == "" {
			re.BadElement = c.childText("bad-element")
		}
		if strings.EqualFold(re.Severity, "warning") {
			r.Warnings = append(r.Warnings, re)
		} else {
			r.Errors = append(r.Errors, re)
		}
	}
}

// body returns the first element child of the reply other than rpc-error (the answer of a
// get-configuration, the commit-results of a commit), or nil.
func (r *reply) body(name string) *element {
	return r.Root.child(name)
}

// ok reports whether the reply is a plain <ok/>.
func (r *reply) ok() bool { return r.Root.has("ok") }

// checkLoad turns a load-configuration reply into an error when it did not load.
func (r *reply) checkLoad() error {
	if err := r.Err(); err != nil {
		return err
	}
	res := r.body("load-configuration-results")
	if res == nil {
		if r.ok() {
			return nil
		}
		return errors.New("the device answered without <load-configuration-results>")
	}
	if n := res.childText("load-error-count"); n != "" && n != "0" {
		return fmt.Errorf("the device reported %s load errors without details", n)
	}
	return nil
}

// checkCommit turns a commit-configuration reply into an error unless it reports success.
// A reply with neither an error nor a success mark is an error: a commit is never assumed.
func (r *reply) checkCommit(check bool) error {
	if err := r.Err(); err != nil {
		return err
	}
	want := "commit-success"
	if check {
		want = "commit-check-success"
	}
	res := r.body("commit-results")
	if res == nil {
		if r.ok() {
			return nil
		}
		return fmt.Errorf("the device answered without <commit-results> or <ok/>")
	}
	// A chassis cluster answers for each node's routing engine; every one must succeed.
	engines := res.all("routing-engine")
	if len(engines) == 0 {
		if res.has(want) {
			return nil
		}
		return fmt.Errorf("the device's <commit-results> do not report <%s/>", want)
	}
	for _, re := range engines {
		if !re.has(want) {
			return fmt.Errorf("the device's <commit-results> do not report <%s/> for routing engine %q", want, re.childText("name"))
		}
	}
	return nil
}
