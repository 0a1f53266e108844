package junossim

import (
	"strings"
)

// diffText answers `show | compare rollback N`: for each hierarchy level whose own
// statements changed, an `[edit ...]` header followed by the removed (-) and added (+)
// statements in text form. No difference is a lone newline, as Junos sends it (PyEZ's
// Config.diff turns that into None).
func diffText(old, cur *elem) string {
	var b strings.Builder
	diffNode(&b, old, cur, schemaRoot, nil)
	if b.Len() == 0 {
		return "\n"
	}
	return "\n" + b.String()
}

func diffNode(b *strings.Builder, o, n *elem, sch *schemaNode, path []string) {
	type pair struct {
		o, n *elem
		sc   *schemaNode
	}
	var lines []string
	var common []pair
	oldBy := map[string]*elem{}
	for _, c := range o.Children {
		if isKey(sch, c.Name) || (sch.pos != "" && sch.pos == c.Name) {
			continue
		}
		oldBy[keyOf(shapeOf(sch, c), c)] = c
	}
	seen := map[string]bool{}
	for _, c := range n.Children {
		if isKey(sch, c.Name) || (sch.pos != "" && sch.pos == c.Name) {
			continue
		}
		sc := shapeOf(sch, c)
		k := keyOf(sc, c)
		seen[k] = true
		oc := oldBy[k]
		switch {
		case oc == nil:
			lines = append(lines, prefixLines("+", renderOne(c, sch))...)
		case sc.kind == kLeaf && oc.Text != c.Text:
			lines = append(lines, prefixLines("-", renderOne(oc, sch))...)
			lines = append(lines, prefixLines("+", renderOne(c, sch))...)
		case sc.kind == kLeaf || sc.kind == kLeafList || sc.kind == kEmpty:
		case sc.pos != "" && oc.ChildText(sc.pos) != c.ChildText(sc.pos):
			lines = append(lines, prefixLines("-", renderOne(oc, sch))...)
			lines = append(lines, prefixLines("+", renderOne(c, sch))...)
		default:
			common = append(common, pair{oc, c, sc})
		}
	}
	for _, c := range o.Children {
		if isKey(sch, c.Name) || (sch.pos != "" && sch.pos == c.Name) {
			continue
		}
		if !seen[keyOf(shapeOf(sch, c), c)] {
			lines = append(lines, prefixLines("-", renderOne(c, sch))...)
		}
	}
	if len(lines) > 0 {
		b.WriteString(editPath(path) + "\n")
		for _, l := range lines {
			b.WriteString(l + "\n")
		}
	}
	for _, p := range common {
		diffNode(b, p.o, p.n, p.sc, append(path[:len(path):len(path)], entryWords(p.sc, p.n)...))
	}
}

func renderOne(c *elem, sch *schemaNode) string {
	wrap := &elem{Name: "_", Children: []*elem{c}}
	var b strings.Builder
	renderText(&b, wrap, sch, 1)
	return b.String()
}

func prefixLines(sign, text string) []string {
	var out []string
	for _, l := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		out = append(out, sign+strings.TrimPrefix(l, " "))
	}
	return out
}
