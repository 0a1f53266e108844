package junos

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// element is one node of a Junos XML document: configuration we render, configuration we read
// back, and the replies around it. Namespaces are dropped (Junos configuration has none that
// matter to us; the NETCONF base namespace is checked where it matters, in the hello).
type element struct {
	Name     string
	Attrs    []xml.Attr
	Text     string // trimmed character data, for a leaf
	Children []*element
}

// maxDepth bounds nesting so a hostile or broken reply cannot exhaust the stack.
const maxDepth = 512

func el(name string, children ...*element) *element {
	return &element{Name: name, Children: children}
}

func leafEl(name, text string) *element { return &element{Name: name, Text: text} }

func (e *element) add(children ...*element) *element {
	e.Children = append(e.Children, children...)
	return e
}

func (e *element) attr(name, value string) *element {
	e.Attrs = append(e.Attrs, xml.Attr{Name: xml.Name{Local: name}, Value: value})
	return e
}

// child returns the first child called name (nil when none; nil-safe).
func (e *element) child(name string) *element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// path follows a chain of child names.
func (e *element) path(names ...string) *element {
	for _, n := range names {
		e = e.child(n)
	}
	return e
}

func (e *element) childText(name string) string {
	if c := e.child(name); c != nil {
		return c.Text
	}
	return ""
}

func (e *element) all(name string) []*element {
	if e == nil {
		return nil
	}
	var out []*element
	for _, c := range e.Children {
		if c.Name == name {
			out = append(out, c)
		}
	}
	return out
}

func (e *element) has(name string) bool { return e.child(name) != nil }

func (e *element) attrValue(name string) string {
	if e == nil {
		return ""
	}
	for _, a := range e.Attrs {
		if a.Name.Local == name {
			return a.Value
		}
	}
	return ""
}

// texts returns the text of every child called name, in document order.
func (e *element) texts(name string) []string {
	var out []string
	for _, c := range e.all(name) {
		out = append(out, c.Text)
	}
	return out
}

// parseElement reads exactly one element from data. Text is kept only for leaves, trimmed,
// as Junos pads values with newlines.
func parseElement(data []byte) (*element, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	// Junos declares encoding="us-ascii" in some sessions; ASCII is UTF-8 already.
	d.CharsetReader = func(label string, in io.Reader) (io.Reader, error) {
		switch strings.ToLower(label) {
		case "us-ascii", "ascii", "utf8":
			return in, nil
		}
		return nil, errors.New("unsupported XML encoding " + label)
	}
	var stack []*element
	var root *element
	var text strings.Builder
	for {
		tok, err := d.Token()
		if err == io.EOF {
			if root == nil {
				return nil, errors.New("no XML element")
			}
			if len(stack) > 0 {
				return nil, errors.New("XML ends inside <" + stack[len(stack)-1].Name + ">")
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
			if len(stack) >= maxDepth {
				return nil, errors.New("XML nested too deeply")
			}
			n := &element{Name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.Attrs = append(n.Attrs, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
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

// write renders e compactly (no indentation: this goes on the wire).
func (e *element) write(b *strings.Builder) {
	b.WriteByte('<')
	b.WriteString(e.Name)
	for _, a := range e.Attrs {
		b.WriteByte(' ')
		b.WriteString(a.Name.Local)
		b.WriteString(`="`)
		escape(b, a.Value)
		b.WriteByte('"')
	}
	switch {
	case len(e.Children) > 0:
		b.WriteByte('>')
		for _, c := range e.Children {
			c.write(b)
		}
		b.WriteString("</")
		b.WriteString(e.Name)
		b.WriteByte('>')
	case e.Text != "":
		b.WriteByte('>')
		escape(b, e.Text)
		b.WriteString("</")
		b.WriteString(e.Name)
		b.WriteByte('>')
	default:
		b.WriteString("/>")
	}
}

// indent renders e with two-space indentation, for golden files and messages.
func (e *element) indent(b *strings.Builder, depth int) {
	pad := strings.Repeat("  ", depth)
	b.WriteString(pad)
	if len(e.Children) == 0 {
		e.write(b)
		b.WriteByte('\n')
		return
	}
	shallow := &element{Name: e.Name, Attrs: e.Attrs}
	var open strings.Builder
	shallow.write(&open)
	// "<name .../>" -> "<name ...>"
	b.WriteString(strings.TrimSuffix(open.String(), "/>") + ">\n")
	for _, c := range e.Children {
		c.indent(b, depth+1)
	}
	b.WriteString(pad + "</" + e.Name + ">\n")
}

func (e *element) String() string {
	var b strings.Builder
	e.write(&b)
	return b.String()
}

func escape(b *strings.Builder, s string) {
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
		case '\'':
			b.WriteString("&apos;")
		default:
			b.WriteRune(r)
		}
	}
}

// clone copies e without its attributes (what a stanza looks like once loaded).
func (e *element) cloneBare() *element {
	c := &element{Name: e.Name, Text: e.Text}
	for _, ch := range e.Children {
		c.Children = append(c.Children, ch.cloneBare())
	}
	return c
}
