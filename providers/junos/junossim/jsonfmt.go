package junossim

import (
	"encoding/json"
	"encoding/xml"
	"strings"
)

// The JSON format of the configuration (get-configuration format="json", show
// configuration | display json), following Juniper's mapping of configuration statements
// to JSON: a container is an object, a leaf a string, a leaf-list an array of strings, a
// list an array of objects that begin with their keys, an empty statement [null], a
// number unquoted (since 16.1R4), and the root element's attributes an "@" object. The
// JSON is the character data of <rpc-reply>. Source: Juniper, "Map Junos OS Configuration
// Statements to JSON" (junos-xml-protocol-configuration-mapping-to-json.html).

func renderJSON(cfg *elem, attrs []xml.Attr) string {
	var b strings.Builder
	b.WriteString("{\n    \"configuration\" : {")
	first := true
	if len(attrs) > 0 {
		b.WriteString("\n        \"@\" : {")
		for i, a := range attrs {
			if i > 0 {
				b.WriteString(",")
			}
			name := a.Name.Local
			if a.Name.Space != "" {
				name = a.Name.Space + ":" + name
			}
			b.WriteString("\n            " + jsonString(name) + " : " + jsonString(a.Value))
		}
		b.WriteString("\n        }")
		first = false
	}
	writeJSONMembers(&b, cfg, schemaRoot, 2, first)
	b.WriteString("\n    }\n}\n")
	return b.String()
}

// writeJSONMembers writes n's children as object members, siblings of one name together.
func writeJSONMembers(b *strings.Builder, n *elem, sch *schemaNode, depth int, first bool) {
	ind := strings.Repeat("    ", depth)
	done := map[string]bool{}
	for _, c := range n.Children {
		if done[c.Name] {
			continue
		}
		done[c.Name] = true
		same := n.All(c.Name)
		sc := shapeOf(sch, c)
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString("\n" + ind + jsonString(c.Name) + " : ")
		switch {
		case sc.kind == kList || (sc.kind == kLeafList) || len(same) > 1:
			b.WriteString("[")
			for i, x := range same {
				if i > 0 {
					b.WriteString(",")
				}
				b.WriteString("\n" + ind + "    ")
				writeJSONValue(b, x, shapeOf(sch, x), depth+1)
			}
			b.WriteString("\n" + ind + "]")
		case isKey(sch, c.Name) && sch.integer && isNumber(c.Text):
			b.WriteString(c.Text)
		default:
			writeJSONValue(b, c, sc, depth)
		}
	}
}

func writeJSONValue(b *strings.Builder, n *elem, sc *schemaNode, depth int) {
	switch {
	case len(n.Children) > 0:
		b.WriteString("{")
		writeJSONMembers(b, n, sc, depth+1, true)
		b.WriteString("\n" + strings.Repeat("    ", depth) + "}")
	case sc.kind == kEmpty || sc.kind == kPresence || sc.kind == kContainer || (n.Text == "" && sc.kind != kLeaf && sc.kind != kLeafList):
		b.WriteString("[null]")
	case sc.kind == kLeaf && sc.integer && isNumber(n.Text):
		// Since Junos 16.1R4 numbers are not quoted.
		b.WriteString(n.Text)
	default:
		b.WriteString(jsonString(n.Text))
	}
}

func isNumber(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

func jsonString(s string) string {
	out, _ := json.Marshal(s)
	return string(out)
}
