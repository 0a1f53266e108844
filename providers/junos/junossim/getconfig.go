package junossim

import (
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
)

// GetConfiguration is Junos's <get-configuration>: database committed|candidate (default
// the candidate), format xml|text|set|json, an optional <configuration> subtree filter; with
// compare="rollback" rollback="N" it answers the candidate's differences from rollback N as
// text inside <configuration-information><configuration-output>.
func (sess *session) GetConfiguration(op *elem) result {
	db := sess.s.db
	cand, _ := sess.candidate(false)
	if op.Attr("compare") == "rollback" {
		n := 0
		if rb := op.Attr("rollback"); rb != "" {
			var err error
			if n, err = strconv.Atoi(rb); err != nil || n < 0 || n >= len(db.rollbacks) {
				return fail(rpcError{Tag: "invalid-value", BadElement: rb, Message: fmt.Sprintf("Cannot find rollback %s", rb)})
			}
		}
		if f := op.Attr("format"); f != "" && f != "text" {
			return fail(rpcError{Tag: "invalid-value", BadElement: f, Message: "compare is only available in text format"})
		}
		out := newNode("configuration-information", leaf("configuration-output", diffText(db.rollbacks[n], cand)))
		return result{body: []*elem{out}}
	}
	var cfg *elem
	committed := false
	switch op.Attr("database") {
	case "", "candidate":
		cfg = cand
	case "committed":
		cfg, committed = db.committed, true
	default:
		return fail(rpcError{Tag: "invalid-value", BadElement: op.Attr("database"), Message: "invalid database " + op.Attr("database")})
	}
	if f := op.Child("configuration"); f != nil {
		cfg = filterConfig(cfg, f)
	}
	return sess.renderConfig(cfg, committed, op.Attr("format"), false)
}

// renderConfig answers a configuration in the requested format; wrap puts it in <data>.
func (sess *session) renderConfig(cfg *elem, committed bool, format string, wrap bool) result {
	db := sess.s.db
	var stamp []xml.Attr
	if committed {
		h := db.history[0]
		stamp = []xml.Attr{
			junosAttr("commit-seconds", strconv.FormatInt(h.Time.Unix(), 10)),
			junosAttr("commit-localtime", junosTime(h.Time)),
			junosAttr("commit-user", h.User)}
	} else {
		stamp = []xml.Attr{
			junosAttr("changed-seconds", strconv.FormatInt(db.changed.Unix(), 10)),
			junosAttr("changed-localtime", junosTime(db.changed))}
	}
	var out *elem
	switch format {
	case "", "xml":
		out = &elem{Name: "configuration", Children: cfg.Clone().Children, Attrs: stamp}
	case "json":
		if wrap {
			return fail(rpcError{Tag: "operation-not-supported", BadElement: format, Message: "junossim: get-config answers in XML only"})
		}
		return result{text: renderJSON(cfg, stamp)}
	case "text":
		var b strings.Builder
		h := db.history[0]
		fmt.Fprintf(&b, "\n## Last commit: %s by %s\n", junosTime(h.Time), h.User)
		renderText(&b, cfg, schemaRoot, 0)
		out = leaf("configuration-text", b.String())
	case "set":
		var b strings.Builder
		b.WriteString("\n")
		renderSet(&b, cfg, schemaRoot, nil)
		out = leaf("configuration-set", b.String())
	default:
		return fail(rpcError{Tag: "invalid-value", BadElement: format, Message: fmt.Sprintf("format %q is not supported by junossim", format)})
	}
	if wrap {
		out = newNode("data", out)
	}
	return result{body: []*elem{out}}
}

// filterConfig applies a subtree filter rooted at <configuration>: an empty element selects
// everything under it; a leaf with text (e.g. <name>trust</name>) selects the list entries
// whose leaf has that value; other elements select the matching children.
func filterConfig(cfg, f *elem) *elem {
	out, ok := applyFilter(cfg, f, schemaRoot)
	if !ok {
		return &elem{Name: "configuration"}
	}
	return out
}

func applyFilter(src, f *elem, sch *schemaNode) (*elem, bool) {
	if len(f.Children) == 0 {
		if f.Text != "" && src.Text != f.Text {
			return nil, false
		}
		return src.Clone(), true
	}
	var selectors []*elem
	contentMatch := map[string]bool{}
	for _, c := range f.Children {
		if len(c.Children) == 0 && c.Text != "" {
			if src.ChildText(c.Name) != c.Text {
				found := false
				for _, x := range src.All(c.Name) {
					if x.Text == c.Text {
						found = true
					}
				}
				if !found {
					return nil, false
				}
			}
			contentMatch[c.Name] = true
			continue
		}
		selectors = append(selectors, c)
	}
	if len(selectors) == 0 {
		return src.Clone(), true
	}
	out := &elem{Name: src.Name}
	matched := false
	for _, c := range src.Children {
		if isKey(sch, c.Name) || contentMatch[c.Name] {
			out.Children = append(out.Children, c.Clone())
			continue
		}
		for _, sel := range selectors {
			if sel.Name != c.Name {
				continue
			}
			if sub, ok := applyFilter(c, sel, shapeOf(sch, c)); ok {
				out.Children = append(out.Children, sub)
				matched = true
				break
			}
		}
	}
	// A containment node under which nothing was selected is left out.
	return out, matched
}

// GetConfig is RFC 6241 <get-config>: source running or candidate, optional subtree
// filter whose top element is <configuration>; the answer is <data><configuration>.
func (sess *session) GetConfig(op *elem) result {
	src := op.Child("source")
	var cfg *elem
	committed := false
	switch {
	case src.Child("running") != nil:
		cfg, committed = sess.s.db.committed, true
	case src.Child("candidate") != nil:
		cfg, _ = sess.candidate(false)
	default:
		return fail(rpcError{Tag: "missing-element", BadElement: "source", Message: "syntax error, expecting <source> with <running/> or <candidate/>"})
	}
	if f := op.Child("filter"); f != nil {
		if t := f.Attr("type"); t != "" && t != "subtree" {
			return fail(rpcError{Tag: "operation-not-supported", BadElement: "filter", Message: "only subtree filters are supported"})
		}
		if fc := f.Child("configuration"); fc != nil {
			cfg = filterConfig(cfg, fc)
		} else if len(f.Children) > 0 {
			cfg = &elem{Name: "configuration"}
		}
	}
	return sess.renderConfig(cfg, committed, op.Attr("format"), true)
}

// Get is RFC 6241 <get>; the simulator has no operational state to offer, so its data
// is empty.
func (sess *session) Get(op *elem) result {
	return result{body: []*elem{{Name: "data"}}}
}
