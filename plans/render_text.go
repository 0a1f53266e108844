package plans

import (
	"fmt"
	"io"
	"strings"
)

// TextOptions tune the human plan. The CLI decides Color from the terminal and NO_COLOR.
type TextOptions struct {
	Color bool
	// Width is the terminal width; when positive, sections are separated by a rule that wide.
	Width int
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
)

type textWriter struct {
	sb strings.Builder
	o  TextOptions
}

func (t *textWriter) paint(code, s string) string {
	if !t.o.Color || s == "" {
		return s
	}
	return code + s + ansiReset
}

func (t *textWriter) line(s string) {
	t.sb.WriteString(s)
	t.sb.WriteByte('\n')
}

func (t *textWriter) rule() {
	if t.o.Width > 0 {
		t.line(strings.Repeat("─", t.o.Width))
	} else {
		t.line("")
	}
}

func symColor(sym string) string {
	switch sym {
	case "+":
		return ansiGreen
	case "~":
		return ansiYellow
	case "-", "-/+":
		return ansiRed
	case "<=":
		return ansiCyan
	}
	return ""
}

// symPrefix places a symbol so the space after it lands at the same column for every symbol
// width, as Terraform does ("  ~ x", "-/+ x").
func (t *textWriter) symPrefix(depth int, sym string) string {
	if sym == "" {
		return strings.Repeat(" ", 2+4*depth) + "  "
	}
	pad := max(0, 2+4*depth+1-len(sym))
	return strings.Repeat(" ", pad) + t.paint(symColor(sym), sym) + " "
}

func (t *textWriter) diffLines(lines []diffLine) {
	for _, l := range lines {
		text := l.Text
		if l.Forces {
			text += t.paint(ansiRed, " # forces replacement")
		}
		switch l.Kind {
		case lineClose:
			t.line(strings.Repeat(" ", 4+4*l.Depth) + text)
		case lineComment:
			t.line(strings.Repeat(" ", 4+4*l.Depth) + text)
		default:
			t.line(t.symPrefix(l.Depth, l.Sym) + text)
		}
	}
}

// RenderText writes the plan as a reviewer reads it in a terminal.
func RenderText(w io.Writer, p *Plan, o TextOptions) error {
	t := &textWriter{o: o}
	t.header(p)
	t.drift(p.Drift)
	t.changes(p)
	t.reachability(p)
	t.rulesChange(p)
	t.rule()
	t.line(t.paint(ansiBold, summaryLine(p)))
	t.outputs(p)
	t.policies(p.Policies)
	t.approval(p)
	_, err := io.WriteString(w, t.sb.String())
	return err
}

func (t *textWriter) header(p *Plan) {
	field := func(k, v string) { t.line(fmt.Sprintf("%-9s %s", k+":", v)) }
	field("Enclave", p.Enclave)
	field("Author", p.Author)
	field("Created", stamp(p.CreatedAt))
	field("Expires", stamp(p.ExpiresAt))
	lineage := p.State.Lineage
	if lineage == "" {
		lineage = "(empty state)"
	}
	field("State", fmt.Sprintf("lineage %s, serial %d", lineage, p.State.Serial))
	field("Digest", p.DigestLine())
	if len(p.Targets) > 0 {
		field("Targets", strings.Join(p.Targets, ", "))
	}
	if !p.Refreshed {
		t.line("")
		t.line(t.paint(ansiYellow, "Note: the real world was not read (refresh=false): drift is not shown and changes are against the state."))
	}
}

func (t *textWriter) drift(drift []Drift) {
	if len(drift) == 0 {
		return
	}
	t.rule()
	t.line(t.paint(ansiBold, "Objects changed outside of enclave"))
	t.line("")
	t.line("enclave refreshed the real objects and found these differences from the last apply:")
	for _, d := range drift {
		mode, typ, name := splitAddr(d.Addr)
		if d.Type != "" {
			typ = d.Type
		}
		kw := "resource"
		if mode == "data" {
			kw = "data"
		}
		t.line("")
		if d.Gone {
			t.line(t.paint(ansiBold, "  # "+d.Addr+" has been deleted"))
			t.line(t.symPrefix(0, "-") + fmt.Sprintf("%s %q %q {", kw, typ, name))
		} else {
			t.line(t.paint(ansiBold, "  # "+d.Addr+" has changed"))
			t.line(t.symPrefix(0, "~") + fmt.Sprintf("%s %q %q {", kw, typ, name))
			t.diffLines(diffsLines(d.Diffs, 1))
		}
		t.line("    }")
	}
	t.line("")
	t.line("The changes below take these differences into account.")
}

func (t *textWriter) changes(p *Plan) {
	changes := orderedChanges(p)
	if len(changes) == 0 {
		return
	}
	t.rule()
	used := map[Action]bool{}
	for _, c := range changes {
		used[c.Action] = true
	}
	t.line("Resource actions are indicated with the following symbols:")
	for _, a := range []Action{Create, Update, Replace, Delete} {
		if used[a] {
			label := map[Action]string{Create: "create", Update: "update in place", Replace: "destroy and then create replacement", Delete: "destroy"}[a]
			t.line(t.symPrefix(0, a.Symbol()) + label)
		}
	}
	t.line("")
	t.line("enclave will perform the following actions:")
	for _, c := range changes {
		t.line("")
		t.line(t.paint(ansiBold, "  # "+c.Addr+" "+actionPhrase(c.Action)))
		if c.Destructive {
			t.line("  " + t.paint(ansiBold+ansiRed, destructiveNote(c)))
		}
		if c.Reason != "" {
			t.line("  # (" + c.Reason + ")")
		}
		if c.AlreadyExists != "" {
			t.line("  " + t.paint(ansiBold+ansiRed, "# "+CollisionNote(c)))
		}
		kw := "resource"
		if c.Mode == "data" {
			kw = "data"
		}
		t.line(t.symPrefix(0, c.Action.Symbol()) + fmt.Sprintf("%s %q %q {", kw, c.Type, c.Name))
		t.diffLines(changeLines(c))
		t.line("    }")
	}
}

// reachability lists, per device, the flows the plan newly permits (+) and newly denies (-).
func (t *textWriter) reachability(p *Plan) {
	if !p.ReachChanged() {
		return
	}
	t.rule()
	t.line(t.paint(ansiBold, "Reachability"))
	t.line("")
	t.line("Traffic the firewalls let through after this plan and not before (+), and the reverse (-),")
	t.line("computed from the configuration (see docs/reachability.md for what it does not model):")
	for _, d := range p.Reachability {
		t.line("")
		if d.NotComputed != "" {
			t.line("  " + d.Device + ": " + t.paint(ansiYellow, "not computed: "+d.NotComputed))
			continue
		}
		t.line(fmt.Sprintf("  %s: opens %d, closes %d", d.Device, len(d.Opens), len(d.Closes)))
		for _, f := range d.Opens {
			text := f.Text
			if f.AnyToAny {
				text += t.paint(ansiBold+ansiRed, "  (any to any)")
			}
			t.line("    " + t.paint(ansiGreen, "+") + " " + text)
		}
		for _, f := range d.Closes {
			t.line("    " + t.paint(ansiRed, "-") + " " + f.Text)
		}
	}
}

func (t *textWriter) rulesChange(p *Plan) {
	if p.RulesChange == nil {
		return
	}
	t.rule()
	t.line(t.paint(ansiBold, "Approval rules change"))
	t.line("")
	t.line("Applying this plan records new approval rules in state; this plan is judged under the")
	t.line("rules in force.")
	t.line("")
	t.line(t.symPrefix(0, "~") + "approval {")
	t.diffLines(rulesChangeLines(p.Rules, p.RulesChange))
	t.line("    }")
}

func (t *textWriter) outputs(p *Plan) {
	if len(p.Outputs) == 0 {
		return
	}
	t.line("")
	t.line("Outputs:")
	width := 0
	for k := range p.Outputs {
		width = max(width, len(k))
	}
	for _, k := range sortedKeys(p.Outputs) {
		t.line(fmt.Sprintf("  %-*s = %s", width, k, outputText(p.Outputs[k])))
	}
}

func outputText(o OutputValue) string {
	switch {
	case o.Sensitive:
		return Sensitive
	case o.Unknown:
		return KnownAfterApply
	}
	return formatValue(normalize(o.Value))
}

func (t *textWriter) policies(ps []PolicyResult) {
	if len(ps) == 0 {
		return
	}
	passed := 0
	var failed []PolicyResult
	for _, r := range ps {
		if r.Passed {
			passed++
		} else {
			failed = append(failed, r)
		}
	}
	t.line("")
	t.line(fmt.Sprintf("Policies: %d passed, %d failed.", passed, len(failed)))
	for _, r := range failed {
		color := ansiYellow
		if r.Enforcement == "mandatory" {
			color = ansiRed
		}
		t.line("  " + t.paint(color, fmt.Sprintf("! %s (%s)", r.Name, r.Enforcement)) + ": " + r.Message + " [" + r.Range + "]")
	}
}

func (t *textWriter) approval(p *Plan) {
	t.line("")
	t.line(t.paint(ansiBold, "Approval"))
	if p.Rules == nil {
		t.line("  No approval rules are in force: the gate refuses this plan until the configuration")
		t.line("  has an approval block.")
		return
	}
	t.line("  " + rulesSourceText(p))
	qs := RuleQuorums(p)
	width := 0
	for _, q := range qs {
		width = max(width, len(q.Rule)+2)
	}
	for _, q := range qs {
		have := fmt.Sprintf("has %d", q.Have)
		if q.Have > 0 {
			have += " (" + strings.Join(q.Approvers, ", ") + ")"
		}
		state := t.paint(ansiGreen, "met")
		if n := q.Needed(); n > 0 {
			state = t.paint(ansiYellow, fmt.Sprintf("%d more needed", n))
		}
		t.line(fmt.Sprintf("  rule %-*s needs %d, %s: %s  [%s]", width, fmt.Sprintf("%q", q.Rule), q.Required, have, state, ruleScope(p, q.Rule)))
	}
	for _, a := range p.Approvals {
		if problem := approvalProblem(p, a); problem != "" {
			t.line("  " + t.paint(ansiRed, "! "+a.Approver+"'s approval does not count") + ": " + problem)
		}
	}
	if p.Author != "" {
		t.line("  The author, " + p.Author + ", cannot approve this plan.")
	}
}
