package junossim

import (
	"fmt"
	"strings"
)

// Merging a patch (the <configuration> of a load or an edit-config, or a tree built from
// text) into a database tree. Junos attributes: delete="delete", replace="replace",
// insert="before|after|first|last" with the neighbour's key as an attribute (name="p2").
// RFC 6241 edit-config uses operation="merge|replace|create|delete|remove" in the base
// namespace instead; defaultOp is edit-config's default-operation ("merge", "replace",
// "none").

type mergeError struct {
	tag     string // RFC error-tag
	path    string
	element string
	message string
}

func (e *mergeError) Error() string { return e.message }

func opOf(n *elem) string {
	if v := n.attrNS(nsBase, "operation"); v != "" {
		return v
	}
	if v := n.Attr("operation"); v != "" && n.Attr("delete") == "" {
		// Junos accepts the RFC attribute without a prefix as well.
		return v
	}
	if n.Attr("delete") == "delete" {
		return "delete"
	}
	if n.Attr("replace") == "replace" {
		return "replace"
	}
	return ""
}

func hasOp(n *elem) bool {
	if opOf(n) != "" {
		return true
	}
	for _, c := range n.Children {
		if hasOp(c) {
			return true
		}
	}
	return false
}

// childIndex finds a node's children by identity (keyOf) without rescanning them for every
// element of a patch, which would make loading long lists quadratic.
type childIndex struct {
	parent *elem
	psch   *schemaNode
	byKey  map[string]*elem
}

func newChildIndex(parent *elem, psch *schemaNode) *childIndex {
	ix := &childIndex{parent: parent, psch: psch, byKey: make(map[string]*elem, len(parent.Children))}
	for _, x := range parent.Children {
		k := keyOf(shapeOf(psch, x), x)
		if _, dup := ix.byKey[k]; !dup {
			ix.byKey[k] = x
		}
	}
	return ix
}

func (ix *childIndex) find(sc *schemaNode, c *elem) *elem {
	return ix.byKey[keyOf(sc, c)]
}

func (ix *childIndex) remove(sc *schemaNode, n *elem) {
	delete(ix.byKey, keyOf(sc, n))
	ix.parent.removeChild(n)
}

func (ix *childIndex) put(sc *schemaNode, n *elem) { ix.byKey[keyOf(sc, n)] = n }

// mergeInto applies patch's children to dst. path is the Junos edit path of dst (for errors).
func mergeInto(dst, patch *elem, sch *schemaNode, defaultOp string, path []string) error {
	ix := newChildIndex(dst, sch)
	for _, c := range patch.Children {
		sc := sch.child(c.Name)
		if sc == nil {
			if m := dst.Child(c.Name); m != nil {
				sc = guessShape(m)
				if len(c.Children) > 0 || c.Text != "" {
					sc = guessShape(c)
				}
			} else {
				sc = guessShape(c)
			}
		}
		if isKey(sch, c.Name) {
			continue // keys identify dst; they are never changed by a merge
		}
		op := opOf(c)
		if op == "" {
			op = defaultOp
		}
		match := ix.find(sc, c)
		switch op {
		case "delete", "remove":
			if sc.kind == kLeafList && c.Text == "" {
				for _, x := range dst.All(c.Name) {
					ix.remove(sc, x)
				}
				continue
			}
			if match == nil {
				if c.attrNS(nsBase, "operation") == "delete" {
					return &mergeError{tag: "data-missing", path: editPath(path), element: c.Name,
						message: "statement not found"}
				}
				continue
			}
			ix.remove(sc, match)
			continue
		case "create":
			if match != nil {
				return &mergeError{tag: "data-exists", path: editPath(path), element: c.Name,
					message: "statement already exists"}
			}
			fallthrough
		case "replace":
			fresh := buildFresh(c, sc)
			if match != nil {
				for i, x := range dst.Children {
					if x == match {
						dst.Children[i] = fresh
					}
				}
			} else {
				insertChild(dst, sch, fresh, sc)
			}
			ix.put(sc, fresh)
			if err := position(dst, sch, sc, fresh, c); err != nil {
				return err
			}
			continue
		case "merge", "none", "":
		default:
			return &mergeError{tag: "bad-attribute", path: editPath(path), element: c.Name,
				message: fmt.Sprintf("invalid operation %q", op)}
		}
		if op == "none" && match == nil && !hasOp(c) {
			continue
		}
		if match == nil {
			match = &elem{Name: c.Name}
			if sc.kind == kList {
				for _, k := range sc.keys {
					match.Children = append(match.Children, leaf(k, c.ChildText(k)))
				}
			}
			if sc.kind == kLeafList {
				match.Text = c.Text
			}
			insertChild(dst, sch, match, sc)
			ix.put(sc, match)
		}
		switch sc.kind {
		case kLeaf:
			if op != "none" {
				match.Text = c.Text
			}
		case kLeafList, kEmpty:
		default:
			if err := mergeInto(match, c, sc, defaultOp, append(path, pathWords(sc, c)...)); err != nil {
				return err
			}
		}
		if err := position(dst, sch, sc, match, c); err != nil {
			return err
		}
	}
	return nil
}

// buildFresh copies a patch element without its attributes, with list keys first,
// applying nested operations as a merge into an empty element.
func buildFresh(c *elem, sc *schemaNode) *elem {
	n := &elem{Name: c.Name, Text: c.Text}
	if sc.kind == kList {
		for _, k := range sc.keys {
			n.Children = append(n.Children, leaf(k, c.ChildText(k)))
		}
	}
	if sc.kind != kLeaf && sc.kind != kLeafList && sc.kind != kEmpty {
		n.Text = ""
		_ = mergeInto(n, c, sc, "merge", nil)
	}
	return n
}

// insertChild places c among dst's children: after its last same-named sibling, otherwise
// in schema order.
func insertChild(dst *elem, sch *schemaNode, c *elem, sc *schemaNode) {
	at := -1
	for i, x := range dst.Children {
		if x.Name == c.Name {
			at = i + 1
		}
	}
	if at < 0 {
		ord := sch.order(c.Name)
		at = 0
		for i, x := range dst.Children {
			if isKey(sch, x.Name) || sch.order(x.Name) <= ord {
				at = i + 1
			}
		}
	}
	dst.Children = append(dst.Children, nil)
	copy(dst.Children[at+1:], dst.Children[at:])
	dst.Children[at] = c
}

// position honours insert="first|last|before|after" on a list entry.
func position(dst *elem, sch, sc *schemaNode, n, patch *elem) error {
	ins := patch.Attr("insert")
	if ins == "" {
		return nil
	}
	var ref *elem
	if ins == "before" || ins == "after" {
		refKey := ""
		if sc.kind == kList {
			for _, k := range sc.keys {
				v, ok := patch.attr(k)
				if !ok {
					return &mergeError{tag: "missing-attribute", element: patch.Name,
						message: fmt.Sprintf("insert=%q needs the %s attribute", ins, k)}
				}
				refKey += "\x00" + v
			}
			refKey = n.Name + refKey
		} else {
			return &mergeError{tag: "bad-attribute", element: patch.Name, message: "insert is only allowed on ordered lists"}
		}
		for _, x := range dst.Children {
			if x.Name == n.Name && keyOf(sc, x) == refKey {
				ref = x
			}
		}
		if ref == nil {
			return &mergeError{tag: "data-missing", element: patch.Name,
				message: "statement not found: " + describeKey(sc, refKey)}
		}
		if ref == n {
			return nil
		}
	}
	dst.removeChild(n)
	var same []int
	for i, x := range dst.Children {
		if x.Name == n.Name {
			same = append(same, i)
		}
	}
	at := len(dst.Children)
	switch ins {
	case "first":
		if len(same) > 0 {
			at = same[0]
		} else {
			insertChild(dst, sch, n, sc)
			return nil
		}
	case "last":
		if len(same) > 0 {
			at = same[len(same)-1] + 1
		} else {
			insertChild(dst, sch, n, sc)
			return nil
		}
	case "before", "after":
		for i, x := range dst.Children {
			if x == ref {
				at = i
				if ins == "after" {
					at = i + 1
				}
			}
		}
	default:
		return &mergeError{tag: "bad-attribute", element: patch.Name, message: fmt.Sprintf("invalid insert value %q", ins)}
	}
	dst.Children = append(dst.Children, nil)
	copy(dst.Children[at+1:], dst.Children[at:])
	dst.Children[at] = n
	return nil
}

func describeKey(_ *schemaNode, key string) string {
	return strings.ReplaceAll(key, "\x00", " ")
}

// prune removes containers left empty (Junos does not keep an empty non-presence container).
func prune(n *elem, sch *schemaNode) {
	kept := n.Children[:0]
	for _, c := range n.Children {
		sc := sch.child(c.Name)
		if sc != nil && (sc.kind == kContainer || sc.kind == kPresence || sc.kind == kList) {
			prune(c, sc)
		}
		if sc != nil && sc.kind == kContainer && len(c.Children) == 0 {
			continue
		}
		kept = append(kept, c)
	}
	n.Children = kept
}
