package junossim

import (
	"fmt"
	"strings"
)

// The set format: `set a b c` and `delete a b c` lines, as `show configuration | display
// set` prints and `load set` reads. Each keyword is an element; a list entry is its
// keyword followed by its key(s); a leaf is its keyword followed by its value.

// syntaxError is a Junos load error: message "syntax error", bad-element the word.
type syntaxError struct {
	path    []string
	element string
	message string
}

func (e *syntaxError) Error() string {
	if e.element != "" {
		return e.message + ": " + e.element
	}
	return e.message
}

func editPath(words []string) string {
	if len(words) == 0 {
		return "[edit]"
	}
	return "[edit " + strings.Join(words, " ") + "]"
}

// entryWords are the words that name element n in text and set output.
func entryWords(sc *schemaNode, n *elem) []string {
	var w []string
	switch {
	case sc.alias != "":
		w = append(w, sc.alias)
	case !sc.elide:
		w = append(w, n.Name)
	}
	if sc.kind == kList {
		for i, k := range sc.keys {
			if i < len(sc.keyWords) && sc.keyWords[i] != "" {
				w = append(w, sc.keyWords[i])
			}
			w = append(w, quote(n.ChildText(k)))
		}
	}
	return w
}

func pathWords(sc *schemaNode, n *elem) []string { return entryWords(sc, n) }

func quote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n;{}[]\"#'\\") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}

// walk is where a sequence of words led.
type walk struct {
	parent *elem
	psch   *schemaNode
	node   *elem       // the container or list entry reached (nil for a leaf)
	above  *elem       // node's parent
	sch    *schemaNode // shape of node or of the leaf
	name   string      // leaf, leaf-list or empty element name
	values []string    // leaf or leaf-list values
	path   []string    // words of the path, for error paths
	all    bool        // a list keyword without keys (delete every entry)
	rest   []string    // words after a leaf's value: more statements at the leaf's level
}

// walkWords follows words from cur. With create, missing containers and entries are made;
// without, a missing one ends the walk with ok=false.
func walkWords(cur *elem, cs *schemaNode, words []string, create bool) (w walk, ok bool, err error) {
	return walkWordsBlock(cur, cs, words, create, false)
}

// walkWordsBlock is walkWords for words followed by a `{` block: words the schema does not
// know are then containers.
func walkWordsBlock(cur *elem, cs *schemaNode, words []string, create, block bool) (w walk, ok bool, err error) {
	w.path = nil
	i := 0
	for {
		if i == len(words) {
			w.node, w.sch = cur, cs
			return w, true, nil
		}
		tok := words[i]
		sc := cs.child(tok)
		if sc == nil {
			sc = cs.byKeyword(tok)
		}
		if sc == nil {
			sc = cs.bareList()
		}
		if sc == nil {
			if ex := cur.Child(tok); ex != nil {
				sc = guessShape(ex)
			} else if block {
				sc = guessContainer
			} else {
				switch len(words) - i - 1 {
				case 0:
					sc = guessEmpty
				case 1:
					sc = guessLeaf
				default:
					sc = guessContainer
				}
			}
		}
		name := sc.name
		if name == "" {
			name = tok
		}
		switch sc.kind {
		case kContainer, kPresence:
			child := cur.Child(name)
			if child == nil {
				if !create {
					return w, false, nil
				}
				child = &elem{Name: name}
				insertChild(cur, cs, child, sc)
			}
			w.path = append(w.path, tok)
			w.above = cur
			cur, cs = child, sc
			i++
			if sc.pos != "" && i < len(words) && sc.child(words[i]) == nil && words[i] != "{" {
				// redundant-parent reth1, 802.3ad ae0
				if create {
					setLeaf(child, sc, sc.pos, words[i])
				}
				i++
			}
		case kList:
			if !sc.elide {
				i++
			}
			if i == len(words) {
				w.parent, w.psch, w.sch, w.name, w.all = cur, cs, sc, name, true
				return w, true, nil
			}
			keyVals := make([]string, len(sc.keys))
			for j := range sc.keys {
				if kw := sc.keyWords[j]; kw != "" {
					if i >= len(words) || words[i] != kw {
						return w, false, &syntaxError{path: w.path, element: tok, message: "syntax error, expecting " + kw}
					}
					i++
				}
				if i >= len(words) {
					return w, false, &syntaxError{path: w.path, element: tok, message: "syntax error, expecting <" + sc.keys[j] + ">"}
				}
				keyVals[j] = words[i]
				i++
			}
			var entry *elem
			for _, x := range cur.All(name) {
				match := true
				for j, k := range sc.keys {
					if x.ChildText(k) != keyVals[j] {
						match = false
					}
				}
				if match {
					entry = x
					break
				}
			}
			if entry == nil {
				if !create {
					return w, false, nil
				}
				entry = &elem{Name: name}
				for j, k := range sc.keys {
					entry.Children = append(entry.Children, leaf(k, keyVals[j]))
				}
				insertChild(cur, cs, entry, sc)
			}
			w.path = append(w.path, entryWords(sc, entry)...)
			w.above = cur
			if sc.pos != "" && i < len(words) && sc.child(words[i]) == nil && words[i] != "{" {
				if create {
					setLeaf(entry, sc, sc.pos, words[i])
				}
				i++
			}
			cur, cs = entry, sc
		case kLeaf:
			w.parent, w.psch, w.sch, w.name = cur, cs, sc, name
			if i+1 < len(words) {
				w.values = []string{words[i+1]}
				w.rest = words[i+2:]
			}
			return w, true, nil
		case kLeafList:
			w.parent, w.psch, w.sch, w.name = cur, cs, sc, name
			j := i + 1
			if j < len(words) && words[j] == "[" {
				for j++; j < len(words) && words[j] != "]"; j++ {
					w.values = append(w.values, words[j])
				}
				if j == len(words) {
					return w, false, &syntaxError{path: w.path, element: name, message: "syntax error, expecting ']'"}
				}
				j++
			} else if j < len(words) {
				w.values = append(w.values, words[j])
				j++
			}
			w.rest = words[j:]
			return w, true, nil
		case kEmpty:
			w.parent, w.psch, w.sch, w.name = cur, cs, sc, name
			w.rest = words[i+1:]
			return w, true, nil
		}
	}
}

func setLeaf(parent *elem, psch *schemaNode, name, value string) *elem {
	if l := parent.Child(name); l != nil {
		l.Text = value
		return l
	}
	l := leaf(name, value)
	insertChild(parent, psch, l, psch.child(name))
	return l
}

// applySet performs one `set` line's words on root.
func applySet(root *elem, words []string) error {
	return applySetAt(root, schemaRoot, words)
}

func applySetAt(cur *elem, cs *schemaNode, words []string) error {
	w, _, err := walkWords(cur, cs, words, true)
	if err != nil {
		return err
	}
	if err := applyTerminal(w); err != nil {
		return err
	}
	if len(w.rest) > 0 {
		// `set ... match source-address a destination-address b`: more at the same level
		return applySetAt(w.parent, w.psch, w.rest)
	}
	return nil
}

func applyTerminal(w walk) error {
	if w.name == "" {
		return nil // a container or entry: creating it was the point
	}
	switch w.sch.kind {
	case kList:
		return &syntaxError{path: w.path, element: w.name, message: "syntax error, expecting <data>"}
	case kLeaf:
		if len(w.values) == 0 {
			return &syntaxError{path: w.path, element: w.name, message: "syntax error, expecting <data>"}
		}
		setLeaf(w.parent, w.psch, w.name, w.values[0])
	case kLeafList:
		if len(w.values) == 0 {
			return &syntaxError{path: w.path, element: w.name, message: "syntax error, expecting <data>"}
		}
		for _, v := range w.values {
			found := false
			for _, x := range w.parent.All(w.name) {
				if x.Text == v {
					found = true
				}
			}
			if !found {
				insertChild(w.parent, w.psch, leaf(w.name, v), w.sch)
			}
		}
	case kEmpty:
		if w.parent.Child(w.name) == nil {
			insertChild(w.parent, w.psch, &elem{Name: w.name}, w.sch)
		}
	}
	return nil
}

// applyDelete performs one `delete` line's words on root. Deleting what is not there is
// not an error (Junos only warns).
func applyDelete(root *elem, words []string) error {
	if len(words) == 0 {
		root.Children = nil
		return nil
	}
	w, ok, err := walkWords(root, schemaRoot, words, false)
	if err != nil || !ok {
		return err
	}
	if len(w.rest) > 0 {
		return &syntaxError{path: w.path, element: w.rest[0], message: "syntax error"}
	}
	if w.name == "" {
		// a container or entry: remove it from its parent
		if w.above != nil {
			w.above.removeChild(w.node)
		}
		return nil
	}
	switch {
	case w.all || (w.sch.kind == kLeafList && len(w.values) == 0) || w.sch.kind == kLeaf || w.sch.kind == kEmpty:
		for _, x := range w.parent.All(w.name) {
			w.parent.removeChild(x)
		}
	case w.sch.kind == kLeafList:
		for _, v := range w.values {
			for _, x := range w.parent.All(w.name) {
				if x.Text == v {
					w.parent.removeChild(x)
				}
			}
		}
	}
	return nil
}

// applyInsert moves a list entry: `insert security policies from-zone a to-zone b policy p2
// before policy p1`.
func applyInsert(root *elem, words []string) error {
	at := -1
	for i, w := range words {
		if w == "before" || w == "after" {
			at = i
		}
	}
	if at < 1 || len(words)-at < 3 {
		return &syntaxError{element: "insert", message: "syntax error, expecting before or after"}
	}
	w, ok, err := walkWords(root, schemaRoot, words[:at], false)
	if err != nil {
		return err
	}
	if !ok || w.name != "" || w.sch.kind != kList {
		return &syntaxError{element: strings.Join(words[:at], " "), message: "statement not found"}
	}
	entry, parent := w.node, w.above
	refWords := words[at+1:]
	if refWords[0] != entry.Name && !w.sch.elide {
		return &syntaxError{element: refWords[0], message: "syntax error"}
	}
	refKey := refWords[len(refWords)-1]
	var ref *elem
	for _, x := range parent.All(entry.Name) {
		if x.ChildText(w.sch.keys[len(w.sch.keys)-1]) == refKey && x != entry {
			match := true
			for i := 0; i < len(w.sch.keys)-1; i++ {
				if x.ChildText(w.sch.keys[i]) != entry.ChildText(w.sch.keys[i]) {
					match = false
				}
			}
			if match {
				ref = x
			}
		}
	}
	if ref == nil {
		return &syntaxError{element: strings.Join(refWords, " "), message: "statement not found"}
	}
	parent.removeChild(entry)
	for i, x := range parent.Children {
		if x == ref {
			if words[at] == "after" {
				i++
			}
			parent.Children = append(parent.Children, nil)
			copy(parent.Children[i+1:], parent.Children[i:])
			parent.Children[i] = entry
			break
		}
	}
	return nil
}

// splitWords splits a line into words, honouring double quotes and backslash escapes.
func splitWords(line string) ([]string, error) {
	var out []string
	var cur strings.Builder
	inWord, inQuote := false, false
	for i := 0; i < len(line); i++ {
		ch := line[i]
		switch {
		case inQuote && ch == '\\' && i+1 < len(line):
			i++
			cur.WriteByte(line[i])
		case ch == '"':
			inQuote = !inQuote
			inWord = true
		case !inQuote && (ch == ' ' || ch == '\t' || ch == '\r'):
			if inWord {
				out = append(out, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inQuote {
		return nil, fmt.Errorf("unterminated quoted string")
	}
	if inWord {
		out = append(out, cur.String())
	}
	return out, nil
}

// loadSetLines applies configuration-set text to root.
func loadSetLines(root *elem, text string) error {
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		words, err := splitWords(line)
		if err != nil {
			return &syntaxError{element: line, message: "syntax error"}
		}
		switch words[0] {
		case "set":
			err = applySet(root, words[1:])
		case "delete":
			err = applyDelete(root, words[1:])
		case "insert":
			err = applyInsert(root, words[1:])
		default:
			return &syntaxError{element: words[0], message: "syntax error"}
		}
		if err != nil {
			return err
		}
	}
	prune(root, schemaRoot) // deletes may have left containers empty
	return nil
}

// renderSet writes n's statements as set lines.
func renderSet(b *strings.Builder, n *elem, sch *schemaNode, prefix []string) {
	for _, c := range n.Children {
		if isKey(sch, c.Name) || (sch.pos != "" && sch.pos == c.Name) {
			continue
		}
		sc := shapeOf(sch, c)
		switch sc.kind {
		case kLeaf, kLeafList:
			writeSetLine(b, append(append(prefix[:len(prefix):len(prefix)], c.Name), quote(c.Text)))
		case kEmpty:
			writeSetLine(b, append(prefix[:len(prefix):len(prefix)], c.Name))
		default:
			words := append(prefix[:len(prefix):len(prefix)], entryWords(sc, c)...)
			pos := ""
			if sc.pos != "" {
				pos = c.ChildText(sc.pos)
			}
			if pos != "" {
				writeSetLine(b, append(words[:len(words):len(words)], quote(pos)))
			}
			if renderable(c, sc) == 0 && pos == "" {
				writeSetLine(b, words)
				continue
			}
			renderSet(b, c, sc, words)
		}
	}
}

func writeSetLine(b *strings.Builder, words []string) {
	b.WriteString("set ")
	b.WriteString(strings.Join(words, " "))
	b.WriteByte('\n')
}

// renderable counts the children printed inside n's braces.
func renderable(n *elem, sc *schemaNode) int {
	c := 0
	for _, x := range n.Children {
		if isKey(sc, x.Name) || (sc.pos != "" && sc.pos == x.Name) {
			continue
		}
		c++
	}
	return c
}
