package junossim

import (
	"strings"
)

// `show configuration [PATH] [| display set [relative] | display xml | display json |
// display inheritance]`, on the committed configuration as in operational mode.
//
// PATH is CLI words (`security policies from-zone trust to-zone untrust`). The XML answer
// is the <configuration> tree cut down to PATH; the text answer is the statements inside
// PATH, indented from the left margin; `display set` prints them as set commands from the
// top of the hierarchy, and `display set relative` as set commands relative to PATH
// (`set policy p1 then permit`). A path that names nothing that is configured gets an
// empty <rpc-reply> in text and set, and an empty <configuration> in XML. Configuration
// groups are not modelled, so `display inheritance` changes nothing.

// configPath is where PATH leads.
type configPath struct {
	filter *elem    // a <configuration> subtree filter selecting PATH
	steps  []string // element names from the root to the level PATH's statements are shown at
	sch    *schemaNode
	prefix []string // the set-command words of that level
	none   bool     // PATH names something not configured
}

// resolveConfigPath turns PATH's words into a filter, following the schema (and, for
// hierarchy the schema does not describe, the configuration itself). The statements are
// shown at PATH itself when it names a container or a list entry, and at its parent when
// it ends on a leaf or on a list keyword without a key (`security zones security-zone`).
func resolveConfigPath(cfg *elem, words []string) (*configPath, *rpcError) {
	p := &configPath{filter: &elem{Name: "configuration"}, sch: schemaRoot}
	fcur, cur := p.filter, cfg
	for i := 0; i < len(words); {
		tok := words[i]
		sc := p.sch.child(tok)
		if sc == nil {
			sc = p.sch.byKeyword(tok)
		}
		if sc == nil {
			sc = p.sch.bareList()
		}
		if sc == nil {
			ex := cur.Child(tok)
			if ex == nil {
				// Nothing by that name is configured here (a real device also knows the
				// statements that are not configured; the simulator cannot tell them from
				// misspellings, so both answer as unconfigured).
				fcur.Children = append(fcur.Children, &elem{Name: tok})
				p.none = true
				return p, nil
			}
			sc = guessShape(ex)
		}
		name := sc.name
		if name == "" {
			name = tok
		}
		switch sc.kind {
		case kContainer, kPresence:
			f := &elem{Name: name}
			fcur.Children = append(fcur.Children, f)
			fcur, cur = f, cur.Child(name)
			p.steps = append(p.steps, name)
			p.prefix = append(p.prefix, entryWords(sc, f)...)
			p.sch = sc
			i++
		case kList:
			if !sc.elide {
				i++
			}
			if i == len(words) {
				fcur.Children = append(fcur.Children, &elem{Name: name})
				return p, nil
			}
			f := &elem{Name: name}
			for j, k := range sc.keys {
				if kw := sc.keyWords[j]; kw != "" {
					if i >= len(words) {
						return nil, &rpcError{BadElement: tok, Message: "syntax error, expecting " + kw}
					}
					if words[i] != kw {
						return nil, &rpcError{BadElement: words[i], Message: "syntax error, expecting " + kw}
					}
					i++
				}
				if i >= len(words) {
					return nil, &rpcError{BadElement: tok, Message: "syntax error, expecting <" + k + ">"}
				}
				f.Children = append(f.Children, leaf(k, words[i]))
				i++
			}
			fcur.Children = append(fcur.Children, f)
			var entry *elem
			for _, x := range cur.All(name) {
				match := true
				for _, k := range f.Children {
					if x.ChildText(k.Name) != k.Text {
						match = false
					}
				}
				if match {
					entry = x
					break
				}
			}
			fcur, cur = f, entry
			p.steps = append(p.steps, name)
			p.prefix = append(p.prefix, entryWords(sc, f)...)
			p.sch = sc
		default: // a leaf, leaf-list or flag: shown where it stands
			if i != len(words)-1 {
				return nil, &rpcError{BadElement: words[i+1], Message: "syntax error"}
			}
			fcur.Children = append(fcur.Children, &elem{Name: name})
			return p, nil
		}
	}
	return p, nil
}

// configDisplay is what the pipes ask for.
type configDisplay struct {
	set, relative, xml, json bool
}

func parseConfigPipes(pipes [][]string) (configDisplay, *rpcError) {
	var d configDisplay
	for _, p := range pipes {
		switch strings.Join(p, " ") {
		case "display set":
			d.set = true
		case "display set relative":
			d.set, d.relative = true, true
		case "display xml":
			d.xml = true
		case "display json":
			d.json = true
		case "display inheritance", "display inheritance no-comments", "no-more":
		default:
			bad := p[0]
			if len(p) > 1 && p[0] == "display" {
				bad = p[1]
			}
			return d, &rpcError{BadElement: bad, Message: "syntax error"}
		}
	}
	return d, nil
}

func (sess *session) showConfiguration(path []string, format string, pipes [][]string) result {
	d, perr := parseConfigPipes(pipes)
	if perr != nil {
		return fail(*perr)
	}
	committed := sess.s.db.committed
	p, err := resolveConfigPath(committed, path)
	if err != nil {
		return fail(*err)
	}
	sub := filterConfig(committed, p.filter)
	if format == "set" {
		d.set = true
	}
	switch {
	case d.xml || (format == "xml" && !d.set && !d.json):
		return sess.renderConfig(sub, true, "xml", false)
	case d.json || (format == "json" && !d.set):
		return sess.renderConfig(sub, true, "json", false)
	}
	level := sub
	for _, name := range p.steps {
		level = level.Child(name)
	}
	// The value that follows an entry's key (address web 10.1.0.10/32) is a statement of
	// the entry too.
	pos := ""
	if level != nil && p.sch.pos != "" {
		pos = level.ChildText(p.sch.pos)
	}
	if p.none || level == nil || (renderable(level, p.sch) == 0 && pos == "") {
		if format == "set" {
			return result{body: []*elem{leaf("configuration-set", "\n")}}
		}
		return result{}
	}
	var b strings.Builder
	b.WriteString("\n")
	switch {
	case d.set && d.relative:
		if pos != "" {
			writeSetLine(&b, []string{quote(pos)})
		}
		renderSet(&b, level, p.sch, nil)
	case d.set:
		if pos != "" {
			writeSetLine(&b, append(p.prefix[:len(p.prefix):len(p.prefix)], quote(pos)))
		}
		renderSet(&b, level, p.sch, p.prefix)
	default:
		if len(path) == 0 {
			h := sess.s.db.history[0]
			b.WriteString("## Last commit: " + junosTime(h.Time) + " by " + h.User + "\n")
		}
		if pos != "" {
			b.WriteString(quote(pos) + ";\n")
		}
		renderText(&b, level, p.sch, 0)
	}
	if format == "set" {
		return result{body: []*elem{leaf("configuration-set", b.String())}}
	}
	return result{body: []*elem{newNode("configuration-information", leaf("configuration-output", b.String()))}}
}
