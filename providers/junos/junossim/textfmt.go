package junossim

import (
	"strings"
)

// The text format: Junos curly-brace configuration, as `show configuration` prints and
// `load merge terminal` reads. Statements end in `;` or open a `{ }` block; a leaf-list
// may be written `name [ a b ];`; `replace:` and `delete:` tags mark a statement as
// load replace and load merge would honour them; `#` and `/* */` are comments.

type textToken struct {
	s      string
	quoted bool
}

func tokenizeText(text string) ([]textToken, error) {
	var out []textToken
	i := 0
	for i < len(text) {
		ch := text[i]
		switch {
		case ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r':
			i++
		case ch == '#':
			for i < len(text) && text[i] != '\n' {
				i++
			}
		case ch == '/' && i+1 < len(text) && text[i+1] == '*':
			end := strings.Index(text[i+2:], "*/")
			if end < 0 {
				return nil, &syntaxError{message: "syntax error, unterminated comment"}
			}
			i += end + 4
		case ch == '{' || ch == '}' || ch == ';' || ch == '[' || ch == ']':
			out = append(out, textToken{s: string(ch)})
			i++
		case ch == '"':
			var b strings.Builder
			i++
			for i < len(text) && text[i] != '"' {
				if text[i] == '\\' && i+1 < len(text) {
					i++
				}
				b.WriteByte(text[i])
				i++
			}
			if i >= len(text) {
				return nil, &syntaxError{message: "syntax error, unterminated string"}
			}
			i++
			out = append(out, textToken{s: b.String(), quoted: true})
		default:
			start := i
			for i < len(text) && !strings.ContainsRune(" \t\n\r{};[]\"", rune(text[i])) {
				i++
			}
			out = append(out, textToken{s: text[start:i]})
		}
	}
	return out, nil
}

// parseText turns configuration text into a patch tree rooted at <configuration>, with
// replace/delete attributes where the text has replace:/delete: tags.
func parseText(text string) (*elem, error) {
	toks, err := tokenizeText(text)
	if err != nil {
		return nil, err
	}
	root := &elem{Name: "configuration"}
	p := &textParser{toks: toks}
	if err := p.block(root, schemaRoot, nil, false); err != nil {
		return nil, err
	}
	return root, nil
}

type textParser struct {
	toks []textToken
	i    int
}

// block parses statements until `}` (or the end at top level). prefix words are prepended to
// each statement (the keyword of a grouped list such as zone interfaces).
func (p *textParser) block(cur *elem, cs *schemaNode, prefix []string, nested bool) error {
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if !t.quoted && t.s == "}" {
			if !nested {
				return &syntaxError{element: "}", message: "syntax error"}
			}
			p.i++
			return nil
		}
		if err := p.statement(cur, cs, prefix); err != nil {
			return err
		}
	}
	if nested {
		return &syntaxError{message: "syntax error, expecting '}'"}
	}
	return nil
}

func (p *textParser) statement(cur *elem, cs *schemaNode, prefix []string) error {
	words := append([]string(nil), prefix...)
	tag := ""
	for p.i < len(p.toks) {
		t := p.toks[p.i]
		if !t.quoted && (t.s == ";" || t.s == "{" || t.s == "}") {
			break
		}
		p.i++
		if !t.quoted && len(words) == len(prefix) && (t.s == "replace:" || t.s == "delete:" || t.s == "inactive:" || t.s == "active:") {
			tag = strings.TrimSuffix(t.s, ":")
			continue
		}
		words = append(words, t.s)
	}
	if p.i >= len(p.toks) {
		return &syntaxError{message: "syntax error, expecting ';' or '{'"}
	}
	end := p.toks[p.i]
	if end.s == "}" {
		return &syntaxError{element: "}", message: "syntax error, expecting ';'"}
	}
	p.i++
	if len(words) == 0 {
		if end.s == ";" {
			return nil
		}
		return &syntaxError{element: "{", message: "syntax error"}
	}
	w, _, err := walkWordsBlock(cur, cs, words, true, end.s == "{")
	if err != nil {
		return err
	}
	if end.s == "{" {
		if w.name != "" && w.all && w.sch.grouped {
			// interfaces { ge-0/0/3.0; ge-0/0/4.0 { ... } }
			return p.block(cur, cs, words, true)
		}
		if w.name != "" {
			return &syntaxError{path: w.path, element: w.name, message: "syntax error"}
		}
		markTag(w.node, tag)
		return p.block(w.node, w.sch, nil, true)
	}
	if w.name == "" {
		markTag(w.node, tag)
		return nil
	}
	if len(w.rest) > 0 {
		return &syntaxError{path: w.path, element: w.rest[0], message: "syntax error"}
	}
	switch w.sch.kind {
	case kLeaf:
		if len(w.values) == 0 {
			if tag == "delete" {
				markTag(setLeaf(w.parent, w.psch, w.name, ""), tag)
				return nil
			}
			return &syntaxError{path: w.path, element: w.name, message: "syntax error, expecting <data>"}
		}
		markTag(setLeaf(w.parent, w.psch, w.name, w.values[0]), tag)
	case kLeafList:
		for _, v := range w.values {
			l := leaf(w.name, v)
			insertChild(w.parent, w.psch, l, w.sch)
			markTag(l, tag)
		}
		if len(w.values) == 0 && tag == "delete" {
			l := leaf(w.name, "")
			insertChild(w.parent, w.psch, l, w.sch)
			markTag(l, tag)
		}
	case kEmpty:
		l := w.parent.Child(w.name)
		if l == nil {
			l = &elem{Name: w.name}
			insertChild(w.parent, w.psch, l, w.sch)
		}
		markTag(l, tag)
	case kList:
		if tag == "delete" {
			l := &elem{Name: w.name}
			insertChild(w.parent, w.psch, l, w.sch)
			markTag(l, tag)
			return nil
		}
		return &syntaxError{path: w.path, element: w.name, message: "syntax error, expecting <data>"}
	}
	return nil
}

func markTag(n *elem, tag string) {
	switch tag {
	case "replace":
		n.Attrs = append(n.Attrs, xmlAttr("replace", "replace"))
	case "delete":
		n.Attrs = append(n.Attrs, xmlAttr("delete", "delete"))
	}
}

// renderText writes n's statements in curly-brace form at the given depth.
func renderText(b *strings.Builder, n *elem, sch *schemaNode, depth int) {
	kids := make([]*elem, 0, len(n.Children))
	for _, c := range n.Children {
		if isKey(sch, c.Name) || (sch.pos != "" && sch.pos == c.Name) {
			continue
		}
		kids = append(kids, c)
	}
	ind := strings.Repeat("    ", depth)
	for i := 0; i < len(kids); {
		c := kids[i]
		sc := shapeOf(sch, c)
		j := i + 1
		for j < len(kids) && kids[j].Name == c.Name {
			j++
		}
		switch {
		case sc.kind == kLeaf:
			b.WriteString(ind + c.Name + " " + quote(c.Text) + ";\n")
			i++
		case sc.kind == kEmpty:
			b.WriteString(ind + c.Name + ";\n")
			i++
		case sc.kind == kLeafList:
			if j-i == 1 {
				b.WriteString(ind + c.Name + " " + quote(c.Text) + ";\n")
			} else {
				b.WriteString(ind + c.Name + " [")
				for _, x := range kids[i:j] {
					b.WriteString(" " + quote(x.Text))
				}
				b.WriteString(" ];\n")
			}
			i = j
		case sc.kind == kList && sc.grouped:
			b.WriteString(ind + c.Name + " {\n")
			for _, x := range kids[i:j] {
				words := entryWords(sc, x)[1:]
				writeEntry(b, x, sc, words, depth+1)
			}
			b.WriteString(ind + "}\n")
			i = j
		default:
			words := entryWords(sc, c)
			if sc.pos != "" {
				if v := c.ChildText(sc.pos); v != "" {
					words = append(words, quote(v))
				}
			}
			writeEntry(b, c, sc, words, depth)
			i++
		}
	}
}

func writeEntry(b *strings.Builder, n *elem, sc *schemaNode, words []string, depth int) {
	ind := strings.Repeat("    ", depth)
	if renderable(n, sc) == 0 {
		b.WriteString(ind + strings.Join(words, " ") + ";\n")
		return
	}
	b.WriteString(ind + strings.Join(words, " ") + " {\n")
	renderText(b, n, sc, depth+1)
	b.WriteString(ind + "}\n")
}
