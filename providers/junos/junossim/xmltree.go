package junossim

import (
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// elem is one element of a generic XML tree. Configuration databases, RPC requests and
// filters are all held as Nodes; the Junos hierarchy's meaning (which elements are keyed
// lists, leaves, leaf-lists) comes from schema.go, not from this type.
type elem struct {
	Space    string // namespace URL, as resolved by encoding/xml ("" when none)
	Name     string
	Attrs    []xml.Attr // without namespace declarations
	Text     string     // trimmed character data of a leaf
	Children []*elem
}

const (
	nsBase      = "urn:ietf:params:xml:ns:netconf:base:1.0"
	maxXMLDepth = 256
)

// parseXML reads one element (and everything in it) from r.
func parseXML(r io.Reader) (*elem, error) {
	d := xml.NewDecoder(r)
	d.Strict = true
	var stack []*elem
	var root *elem
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == nil || len(stack) > 0 {
				return nil, errors.New("unexpected end of document")
			}
			return root, nil
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if root != nil && len(stack) == 0 {
				return nil, errors.New("more than one root element")
			}
			if len(stack) >= maxXMLDepth {
				return nil, errors.New("document nested too deeply")
			}
			n := &elem{Space: t.Name.Space, Name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.Attrs = append(n.Attrs, a)
			}
			if len(stack) > 0 {
				p := stack[len(stack)-1]
				p.Children = append(p.Children, n)
			} else {
				root = n
			}
			stack = append(stack, n)
			text.Reset()
		case xml.EndElement:
			n := stack[len(stack)-1]
			if len(n.Children) == 0 {
				n.Text = strings.TrimSpace(text.String())
			}
			text.Reset()
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				text.Write(t)
			} else if strings.TrimSpace(string(t)) != "" {
				return nil, errors.New("text outside the root element")
			}
		}
	}
}

func newNode(name string, children ...*elem) *elem {
	return &elem{Name: name, Children: children}
}

func leaf(name, text string) *elem { return &elem{Name: name, Text: text} }

// Child returns the first child element called name.
func (n *elem) Child(name string) *elem {
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ChildText returns the text of the first child element called name.
func (n *elem) ChildText(name string) string {
	if c := n.Child(name); c != nil {
		return c.Text
	}
	return ""
}

// All returns every child element called name.
func (n *elem) All(name string) []*elem {
	var out []*elem
	if n == nil {
		return nil
	}
	for _, c := range n.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

// Attr returns the value of the attribute local name in no namespace (or any namespace
// when no unqualified one exists).
func (n *elem) Attr(name string) string {
	v, _ := n.attr(name)
	return v
}

func (n *elem) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name && a.Name.Space == "" {
			return a.Value, true
		}
	}
	return "", false
}

// attrNS returns the attribute name in namespace space.
func (n *elem) attrNS(space, name string) string {
	for _, a := range n.Attrs {
		if a.Name.Local == name && a.Name.Space == space {
			return a.Value
		}
	}
	return ""
}

// Clone copies the tree.
func (n *elem) Clone() *elem {
	if n == nil {
		return nil
	}
	c := &elem{Space: n.Space, Name: n.Name, Text: n.Text}
	if len(n.Attrs) > 0 {
		c.Attrs = append([]xml.Attr(nil), n.Attrs...)
	}
	if len(n.Children) > 0 {
		c.Children = make([]*elem, len(n.Children))
		for i, ch := range n.Children {
			c.Children[i] = ch.Clone()
		}
	}
	return c
}

func (n *elem) removeChild(c *elem) {
	for i, x := range n.Children {
		if x == c {
			n.Children = append(n.Children[:i], n.Children[i+1:]...)
			return
		}
	}
}

// equal reports whether two trees have the same names, texts and children in order.
func equal(a, b *elem) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Name != b.Name || a.Text != b.Text || len(a.Children) != len(b.Children) {
		return false
	}
	for i := range a.Children {
		if !equal(a.Children[i], b.Children[i]) {
			return false
		}
	}
	return true
}

// writeXML renders n as XML with two-space indentation. Attributes are written as given;
// a "junos:" prefixed attribute relies on the reply's xmlns:junos declaration.
func writeXML(b *strings.Builder, n *elem, depth int) {
	ind := strings.Repeat("  ", depth)
	b.WriteString(ind)
	b.WriteByte('<')
	b.WriteString(n.Name)
	for _, a := range n.Attrs {
		b.WriteByte(' ')
		if a.Name.Space != "" {
			b.WriteString(a.Name.Space)
			b.WriteByte(':')
		}
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		xmlEscape(b, a.Value)
		b.WriteByte('"')
	}
	switch {
	case len(n.Children) > 0:
		b.WriteString(">\n")
		for _, c := range n.Children {
			writeXML(b, c, depth+1)
		}
		b.WriteString(ind)
		b.WriteString("</")
		b.WriteString(n.Name)
		b.WriteString(">\n")
	case n.Text != "":
		b.WriteByte('>')
		xmlEscapeText(b, n.Text)
		b.WriteString("</")
		b.WriteString(n.Name)
		b.WriteString(">\n")
	default:
		b.WriteString("/>\n")
	}
}

// xmlEscape escapes text and attribute values; newlines stay as they are, as Junos sends them.
func xmlEscape(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
}

// xmlEscapeText escapes character data: quotes stay as they are, as Junos writes them.
func xmlEscapeText(b *strings.Builder, s string) {
	for _, r := range s {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(r)
		}
	}
}

func (n *elem) String() string {
	var b strings.Builder
	writeXML(&b, n, 0)
	return b.String()
}

func xmlAttr(name, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Local: name}, Value: value}
}

func junosAttr(name, value string) xml.Attr {
	return xml.Attr{Name: xml.Name{Space: "junos", Local: name}, Value: value}
}
