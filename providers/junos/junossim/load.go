package junossim

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// LoadConfiguration is Junos's <load-configuration>: action merge (default), replace,
// override, update or set; format xml (default, <configuration>), text
// (<configuration-text>) or, with action set, <configuration-set>; or rollback="N" to load a
// rollback file into the candidate. The load is all or nothing.
func (sess *session) LoadConfiguration(op *elem) result {
	cur, lerr := sess.candidate(true)
	if lerr != nil {
		return loadResults(*lerr)
	}
	db := sess.s.db
	if rb := op.Attr("rollback"); rb != "" {
		n, err := strconv.Atoi(rb)
		if err != nil || n < 0 || n >= len(db.rollbacks) {
			return loadResults(rpcError{Tag: "invalid-value", BadElement: rb,
				Message: fmt.Sprintf("Cannot find rollback %s", rb)})
		}
		sess.setCandidate(db.rollbacks[n].Clone())
		return loadResults()
	}
	if op.Attr("url") != "" || op.Child("url") != nil {
		return loadResults(rpcError{Tag: "operation-not-supported", BadElement: "url", Message: "loading from a URL is not supported by junossim"})
	}
	action := op.Attr("action")
	if action == "" {
		action = "merge"
	}
	format := op.Attr("format")
	cfg := cur.Clone()
	var err error
	switch action {
	case "set":
		body := op.Child("configuration-set")
		if body == nil {
			body = op.Child("configuration-text") // some clients put set lines there
		}
		if body == nil {
			return loadResults(rpcError{Tag: "missing-element", BadElement: "configuration-set", Message: "syntax error, expecting <configuration-set>"})
		}
		err = loadSetLines(cfg, body.Text)
		if err == nil {
			if errs := sess.s.personalityErrors(touchedBySet(body.Text)); len(errs) > 0 {
				return loadResults(errs...)
			}
		}
	case "merge", "replace", "override", "update":
		var patch *elem
		switch format {
		case "", "xml":
			patch = op.Child("configuration")
			if patch == nil {
				return loadResults(rpcError{Tag: "missing-element", BadElement: "configuration", Message: "syntax error, expecting <configuration>"})
			}
		case "text":
			body := op.Child("configuration-text")
			if body == nil {
				return loadResults(rpcError{Tag: "missing-element", BadElement: "configuration-text", Message: "syntax error, expecting <configuration-text>"})
			}
			patch, err = parseText(body.Text)
		default:
			return loadResults(rpcError{Tag: "invalid-value", BadElement: format, Message: fmt.Sprintf("format %q is not supported by junossim", format)})
		}
		if err == nil {
			if errs := sess.s.personalityErrors(patch); len(errs) > 0 {
				return loadResults(errs...)
			}
			if action != "replace" {
				dropReplace(patch)
			}
			cfg, err = applyPatch(cfg, patch, action)
		}
	default:
		return loadResults(rpcError{Tag: "invalid-value", BadElement: action, Message: fmt.Sprintf("invalid action %q", action)})
	}
	if err != nil {
		return loadResults(loadError(err))
	}
	if errs := sess.s.personalityErrors(cfg); len(errs) > 0 {
		return loadResults(errs...)
	}
	sess.setCandidate(cfg)
	return loadResults()
}

// applyPatch merges patch into cfg, or builds the configuration from patch alone for
// override and update.
func applyPatch(cfg, patch *elem, action string) (*elem, error) {
	if action == "override" || action == "update" {
		cfg = &elem{Name: "configuration"}
	}
	if err := mergeInto(cfg, patch, schemaRoot, "merge", nil); err != nil {
		return nil, err
	}
	prune(cfg, schemaRoot)
	return cfg, nil
}

func dropReplace(n *elem) {
	kept := n.Attrs[:0]
	for _, a := range n.Attrs {
		if a.Name.Space == "" && a.Name.Local == "replace" {
			continue
		}
		kept = append(kept, a)
	}
	n.Attrs = kept
	for _, c := range n.Children {
		dropReplace(c)
	}
}

func loadError(err error) rpcError {
	var se *syntaxError
	if errors.As(err, &se) {
		return rpcError{Path: editPath(se.path), BadElement: se.element, Message: se.message}
	}
	var me *mergeError
	if errors.As(err, &me) {
		return rpcError{Tag: me.tag, Path: me.path, BadElement: me.element, Message: me.message}
	}
	return rpcError{Message: err.Error()}
}

// loadResults is <load-configuration-results> with <ok/> or the errors and their count.
func loadResults(errs ...rpcError) result {
	n := &elem{Name: "load-configuration-results"}
	if len(errs) == 0 {
		n.Children = append(n.Children, &elem{Name: "ok"})
		return result{body: []*elem{n}}
	}
	for _, e := range errs {
		n.Children = append(n.Children, e.node())
	}
	n.Children = append(n.Children, leaf("load-error-count", strconv.Itoa(len(errs))))
	return result{body: []*elem{n}}
}

// EditConfig is RFC 6241 <edit-config> on the candidate: <config><configuration> (or
// Junos's <config-text><configuration-text>), default-operation merge|replace|none and
// operation="..." attributes in the base namespace.
func (sess *session) EditConfig(op *elem) result {
	if !isCandidateTarget(op) {
		return fail(rpcError{Tag: "operation-not-supported", BadElement: "target", Message: "only the candidate configuration can be edited"})
	}
	cur, lerr := sess.candidate(true)
	if lerr != nil {
		return fail(*lerr)
	}
	defOp := strings.TrimSpace(op.ChildText("default-operation"))
	if defOp == "" {
		defOp = "merge"
	}
	if defOp != "merge" && defOp != "replace" && defOp != "none" {
		return fail(rpcError{Type: "protocol", Tag: "invalid-value", BadElement: "default-operation", Message: "invalid default-operation " + defOp})
	}
	var patch *elem
	var err error
	switch {
	case op.Child("config") != nil:
		patch = op.Child("config").Child("configuration")
		if patch == nil {
			patch = &elem{Name: "configuration"}
		}
	case op.Child("config-text") != nil:
		patch, err = parseText(op.Child("config-text").ChildText("configuration-text"))
		if err != nil {
			return fail(loadError(err))
		}
	default:
		return fail(rpcError{Tag: "missing-element", BadElement: "config", Message: "syntax error, expecting <config> or <config-text>"})
	}
	if errs := sess.s.personalityErrors(patch); len(errs) > 0 {
		return fail(errs...)
	}
	cfg := cur.Clone()
	if defOp == "replace" {
		cfg = &elem{Name: "configuration"}
		defOp = "merge"
	}
	if err := mergeInto(cfg, patch, schemaRoot, defOp, nil); err != nil {
		e := loadError(err)
		e.Type = "application"
		return fail(e)
	}
	prune(cfg, schemaRoot)
	if errs := sess.s.personalityErrors(cfg); len(errs) > 0 {
		return fail(errs...)
	}
	sess.setCandidate(cfg)
	return ok()
}

// personalityErrors refuses hierarchies the device type does not have: an EX switch has no
// security hierarchy and no chassis cluster.
func (s *Server) personalityErrors(cfg *elem) []rpcError {
	if s.opts.Personality != "ex" {
		return nil
	}
	var errs []rpcError
	if cfg.Child("security") != nil {
		errs = append(errs, rpcError{Path: "[edit]", BadElement: "security", Message: "syntax error"})
	}
	if cfg.Child("chassis").Child("cluster") != nil {
		errs = append(errs, rpcError{Path: "[edit chassis]", BadElement: "cluster", Message: "syntax error"})
	}
	return errs
}

// touchedBySet is a skeleton of the hierarchies set lines name (set, delete or insert
// alike), for the personality check.
func touchedBySet(text string) *elem {
	root := &elem{Name: "configuration"}
	for _, line := range strings.Split(text, "\n") {
		words := strings.Fields(line)
		if len(words) < 2 || (words[0] != "set" && words[0] != "delete" && words[0] != "insert") {
			continue
		}
		n := root
		for _, w := range words[1:min(len(words), 3)] {
			c := n.Child(w)
			if c == nil {
				c = &elem{Name: w}
				n.Children = append(n.Children, c)
			}
			n = c
		}
	}
	return root
}
