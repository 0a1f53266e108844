package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"sort"
	"strconv"
	"strings"
)

// This file builds the attribute diff of one change as lines, shared by the text and HTML
// views so both show exactly the same thing.

type lineKind int

const (
	lineAttr    lineKind = iota // "~ num_cpus = 2 -> 4"
	lineOpen                    // "~ disk {" or "~ tags = {"
	lineClose                   // "}"
	lineComment                 // "# (2 unchanged attributes hidden)"
)

// diffLine is one line of a rendered change. Depth 1 is a resource's own attributes.
type diffLine struct {
	Depth int
	Sym   string // "+", "~", "-", "-/+" or "" for unchanged, comments and closing braces
	Text  string
	Kind  lineKind
	// Key is the attribute name of an attribute line; alignKeys puts it in front of Text
	// padded to the widest key of its block, as Terraform aligns "=".
	Key string
	// Forces is set on lines whose change forces the resource to be replaced.
	Forces bool
}

// changeInfo gathers, per attribute path, what the model says about it.
type changeInfo struct {
	unknown, sensitive, forces, changed map[string]bool
}

func newChangeInfo(c ResourceChange) changeInfo {
	ci := changeInfo{unknown: map[string]bool{}, sensitive: map[string]bool{}, forces: map[string]bool{}, changed: map[string]bool{}}
	for _, p := range c.AfterUnknown {
		ci.unknown[p] = true
	}
	for _, d := range c.Diffs {
		ci.changed[d.Path] = true
		if d.Unknown {
			ci.unknown[d.Path] = true
		}
		if d.Sensitive {
			ci.sensitive[d.Path] = true
		}
		if d.ForcesReplacement {
			ci.forces[d.Path] = true
		}
	}
	return ci
}

// normalize turns any value into the JSON data model (nil, bool, json.Number, string, []any,
// map[string]any), so typed slices and maps from the engine render like decoded ones.
func normalize(v any) any {
	switch x := v.(type) {
	case nil, bool, string, json.Number:
		return x
	case float64:
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Sprint(x)
		}
		return json.Number(formatFloat(x))
	case int:
		return json.Number(strconv.Itoa(x))
	case int64:
		return json.Number(strconv.FormatInt(x, 10))
	case uint64:
		return json.Number(strconv.FormatUint(x, 10))
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = normalize(e)
		}
		return out
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var out any
	if dec.Decode(&out) != nil {
		return fmt.Sprint(v)
	}
	return out
}

func normalizeMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	return normalize(m).(map[string]any)
}

func formatFloat(f float64) string {
	if f == math.Trunc(f) && math.Abs(f) < 1e21 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// formatValue renders a normalized value the way HCL would write it, on one line.
func formatValue(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		if x == Sensitive || x == KnownAfterApply {
			return x
		}
		return strconv.Quote(x)
	case json.Number:
		return string(x)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = formatValue(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case map[string]any:
		if len(x) == 0 {
			return "{}"
		}
		parts := make([]string, 0, len(x))
		for _, k := range sortedKeys(x) {
			parts = append(parts, formatKey(k)+" = "+formatValue(x[k]))
		}
		return "{ " + strings.Join(parts, ", ") + " }"
	}
	return formatValue(normalize(v))
}

func formatKey(k string) string {
	if isIdent(k) {
		return k
	}
	return strconv.Quote(k)
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, r := range s {
		if r == '_' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || i > 0 && (r == '-' || r >= '0' && r <= '9') {
			continue
		}
		return false
	}
	return true
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// isBlockList reports whether v is a list of objects: nested blocks such as disk { ... }.
func isBlockList(v any) bool {
	l, ok := v.([]any)
	if !ok || len(l) == 0 {
		return false
	}
	for _, e := range l {
		if _, ok := e.(map[string]any); !ok {
			return false
		}
	}
	return true
}

func joinPath(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// insertUnknown marks a "known after apply" attribute in after, following dotted paths with
// list indexes ("disk[0].uuid") as far as the value already has them.
func insertUnknown(after map[string]any, path string) {
	setAtPath(after, path, KnownAfterApply, true)
}

// setAtPath sets the attribute at a dotted path with list indexes ("disk[0].size_gb") to v,
// as far as the value already has the path; onlyIfAbsent leaves a present value alone.
func setAtPath(m map[string]any, path string, v any, onlyIfAbsent bool) {
	parts := strings.Split(path, ".")
	cur := m
	for i, part := range parts {
		name, idx := part, -1
		if j := strings.IndexByte(part, '['); j > 0 && strings.HasSuffix(part, "]") {
			if n, err := strconv.Atoi(part[j+1 : len(part)-1]); err == nil {
				name, idx = part[:j], n
			}
		}
		if i == len(parts)-1 && idx < 0 {
			if old, ok := cur[name]; onlyIfAbsent && ok && old != nil {
				return
			}
			if !onlyIfAbsent {
				if _, ok := cur[name]; !ok {
					return
				}
			}
			cur[name] = v
			return
		}
		next := cur[name]
		if idx >= 0 {
			l, ok := next.([]any)
			if !ok || idx >= len(l) {
				return
			}
			if i == len(parts)-1 {
				if !onlyIfAbsent {
					l[idx] = v
				}
				return
			}
			next = l[idx]
		}
		mm, ok := next.(map[string]any)
		if !ok {
			return
		}
		cur = mm
	}
}

// changeLines renders one change's attributes. before and after are those of the change,
// already normalized; the action decides how absent sides read.
func changeLines(c ResourceChange) []diffLine {
	ci := newChangeInfo(c)
	before := normalizeMap(c.Before)
	after := normalizeMap(c.After)
	if after != nil || c.Action == Create {
		if after == nil {
			after = map[string]any{}
		}
		for _, p := range c.AfterUnknown {
			insertUnknown(after, p)
		}
	}
	if before == nil && after == nil || (c.Action == Update || c.Action == Replace) && (before == nil || after == nil) {
		return diffsLines(c.Diffs, 1)
	}
	var out []diffLine
	objectLines(&out, ci, 1, "", before, after)
	return out
}

// objectLines renders the attributes of one object (a resource or a nested block). A nil
// before means the object is created, a nil after that it is destroyed.
func objectLines(out *[]diffLine, ci changeInfo, depth int, prefix string, before, after map[string]any) {
	keys := map[string]bool{}
	for k := range before {
		keys[k] = true
	}
	for k := range after {
		keys[k] = true
	}
	var attrs, blocks []string
	for _, k := range sortedKeys(keys) {
		if isBlockList(before[k]) || isBlockList(after[k]) {
			blocks = append(blocks, k)
		} else {
			attrs = append(attrs, k)
		}
	}
	start := len(*out)
	hiddenAttrs, hiddenBlocks := 0, 0
	for _, k := range attrs {
		path := joinPath(prefix, k)
		b, a := before[k], after[k]
		if b == nil && a == nil {
			continue
		}
		sens := ci.sensitive[path] || b == Sensitive || a == Sensitive
		show := func(v any) string {
			if sens && v != nil {
				return Sensitive
			}
			return formatValue(v)
		}
		line := diffLine{Depth: depth, Kind: lineAttr, Forces: ci.forces[path], Key: formatKey(k)}
		switch {
		case before == nil:
			line.Sym, line.Text = "+", " = "+show(a)
		case after == nil:
			line.Sym, line.Text = "-", " = "+show(b)+" -> null"
		case ci.unknown[path] || a == KnownAfterApply:
			if b == nil {
				line.Sym, line.Text = "+", " = "+KnownAfterApply
			} else {
				line.Sym, line.Text = "~", " = "+show(b)+" -> "+KnownAfterApply
			}
		case reflect.DeepEqual(b, a) && !(sens && ci.changed[path]):
			hiddenAttrs++
			continue
		case b == nil:
			line.Sym, line.Text = "+", " = "+show(a)
		case a == nil:
			line.Sym, line.Text = "-", " = "+show(b)+" -> null"
		case sens:
			line.Sym, line.Text = "~", " = "+Sensitive
		default:
			if bm, ok := b.(map[string]any); ok {
				if am, ok := a.(map[string]any); ok {
					*out = append(*out, diffLine{Depth: depth, Sym: "~", Kind: lineOpen, Key: formatKey(k), Text: " = {", Forces: ci.forces[path]})
					objectLines(out, ci, depth+1, path, bm, am)
					*out = append(*out, diffLine{Depth: depth, Kind: lineClose, Text: "}"})
					continue
				}
			}
			line.Sym, line.Text = "~", " = "+show(b)+" -> "+show(a)
		}
		*out = append(*out, line)
	}
	alignKeys((*out)[start:], depth)
	for _, k := range blocks {
		bl, _ := before[k].([]any)
		al, _ := after[k].([]any)
		for i := 0; i < max(len(bl), len(al)); i++ {
			path := fmt.Sprintf("%s[%d]", joinPath(prefix, k), i)
			var eb, ea map[string]any
			if i < len(bl) {
				eb, _ = bl[i].(map[string]any)
			}
			if i < len(al) {
				ea, _ = al[i].(map[string]any)
			}
			if before == nil {
				eb = nil
			}
			if after == nil {
				ea = nil
			}
			sym := "~"
			switch {
			case eb == nil && ea == nil:
				continue
			case eb == nil:
				sym = "+"
			case ea == nil:
				sym = "-"
			case reflect.DeepEqual(eb, ea) && !ci.changedUnder(path):
				hiddenBlocks++
				continue
			}
			*out = append(*out, diffLine{Depth: depth, Sym: sym, Kind: lineOpen, Text: formatKey(k) + " {", Forces: ci.forces[path] || ci.forces[joinPath(prefix, k)]})
			objectLines(out, ci, depth+1, path, eb, ea)
			*out = append(*out, diffLine{Depth: depth, Kind: lineClose, Text: "}"})
		}
	}
	if hiddenAttrs > 0 {
		*out = append(*out, diffLine{Depth: depth, Kind: lineComment, Text: fmt.Sprintf("# (%d unchanged %s hidden)", hiddenAttrs, plural(hiddenAttrs, "attribute", "attributes"))})
	}
	if hiddenBlocks > 0 {
		*out = append(*out, diffLine{Depth: depth, Kind: lineComment, Text: fmt.Sprintf("# (%d unchanged %s hidden)", hiddenBlocks, plural(hiddenBlocks, "block", "blocks"))})
	}
}

// alignKeys writes each key of the given depth in front of its text, padded to the widest.
func alignKeys(lines []diffLine, depth int) {
	width := 0
	for _, l := range lines {
		if l.Depth == depth && l.Key != "" {
			width = max(width, len(l.Key))
		}
	}
	for i, l := range lines {
		if l.Depth == depth && l.Key != "" {
			lines[i].Text = fmt.Sprintf("%-*s", width, l.Key) + l.Text
			lines[i].Key = ""
		}
	}
}

func (ci changeInfo) changedUnder(path string) bool {
	for p := range ci.changed {
		if p == path || strings.HasPrefix(p, path+".") || strings.HasPrefix(p, path+"[") {
			return true
		}
	}
	return false
}

// diffsLines renders attribute diffs as flat lines, for drift and for changes that carry
// only diffs.
func diffsLines(diffs []AttrDiff, depth int) []diffLine {
	var out []diffLine
	for _, d := range diffs {
		show := func(v any) string {
			if d.Sensitive && v != nil {
				return Sensitive
			}
			return formatValue(normalize(v))
		}
		l := diffLine{Depth: depth, Kind: lineAttr, Forces: d.ForcesReplacement, Key: d.Path}
		switch {
		case d.Sensitive && d.Before != nil && d.After != nil:
			l.Sym, l.Text = "~", " = "+Sensitive
		case d.Unknown && d.Before == nil:
			l.Sym, l.Text = "+", " = "+KnownAfterApply
		case d.Unknown:
			l.Sym, l.Text = "~", " = "+show(d.Before)+" -> "+KnownAfterApply
		case d.Before == nil:
			l.Sym, l.Text = "+", " = "+show(d.After)
		case d.After == nil:
			l.Sym, l.Text = "-", " = "+show(d.Before)+" -> null"
		default:
			l.Sym, l.Text = "~", " = "+show(d.Before)+" -> "+show(d.After)
		}
		out = append(out, l)
	}
	alignKeys(out, depth)
	return out
}

// orderedChanges is the order every view lists changes in: destructive ones first, then the
// rest, each by address; no-ops and data reads are left out.
func orderedChanges(p *Plan) []ResourceChange {
	var out []ResourceChange
	for _, c := range p.Changes {
		if c.Action != NoOp && c.Action != Read {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Destructive != out[j].Destructive {
			return out[i].Destructive
		}
		return out[i].Addr < out[j].Addr
	})
	return out
}

// splitAddr returns the mode, type and name of a resource instance address such as
// `module.esx.vsphere_host.h["esx1.phx1"]` or `data.vsphere_datacenter.dc`.
func splitAddr(addr string) (mode, typ, name string) {
	var parts []string
	depth, start := 0, 0
	inQuote := false
	for i := 0; i < len(addr); i++ {
		switch ch := addr[i]; {
		case ch == '"' && (i == 0 || addr[i-1] != '\\'):
			inQuote = !inQuote
		case inQuote:
		case ch == '[':
			depth++
		case ch == ']':
			depth--
		case ch == '.' && depth == 0:
			parts = append(parts, addr[start:i])
			start = i + 1
		}
	}
	parts = append(parts, addr[start:])
	mode = "managed"
	if len(parts) >= 3 && parts[len(parts)-3] == "data" {
		mode = "data"
	}
	if len(parts) >= 2 {
		typ = parts[len(parts)-2]
	}
	name = parts[len(parts)-1]
	if j := strings.IndexByte(name, '['); j >= 0 {
		name = name[:j]
	}
	return mode, typ, name
}

// actionPhrase is what "# ADDR ..." says a change will do.
func actionPhrase(a Action) string {
	switch a {
	case Create:
		return "will be created"
	case Update:
		return "will be updated in place"
	case Replace:
		return "must be replaced"
	case Delete:
		return "will be destroyed"
	case Read:
		return "will be read during apply"
	}
	return "is unchanged"
}

// summaryCounts are the numbers of the summary line.
type summaryCounts struct {
	Add     int `json:"add"`
	Change  int `json:"change"`
	Replace int `json:"replace"`
	Destroy int `json:"destroy"`
}

func countsOf(p *Plan) summaryCounts {
	n := p.Counts()
	return summaryCounts{Add: n[Create], Change: n[Update], Replace: n[Replace], Destroy: n[Delete]}
}

func summaryLine(p *Plan) string {
	if !p.HasChanges() {
		return "No changes. The enclave matches the configuration."
	}
	s := countsOf(p)
	return fmt.Sprintf("Plan: %d to add, %d to change, %d to replace, %d to destroy.", s.Add, s.Change, s.Replace, s.Destroy)
}

func destructiveNote(c ResourceChange) string {
	verb := "deleting"
	if c.Action == Replace {
		verb = "replacing"
	}
	return fmt.Sprintf("# DESTRUCTIVE: %s holds data; %s it destroys that data", c.Addr, verb)
}

func rulesSourceText(p *Plan) string {
	switch p.RulesSource {
	case "config":
		return "first apply: approval rules taken from configuration"
	case "state":
		return "approval rules in force: recorded in state by the last apply"
	case "":
		return "approval rules in force"
	}
	return "approval rules from " + p.RulesSource
}

// rulesChangeLines describes how RulesChange differs from the rules in force.
func rulesChangeLines(old, new *ApprovalRules) []diffLine {
	if new == nil {
		return nil
	}
	if old == nil {
		old = &ApprovalRules{}
	}
	var out []diffLine
	add := func(sym, text string) { out = append(out, diffLine{Depth: 1, Sym: sym, Text: text, Kind: lineAttr}) }
	if old.Required != new.Required {
		add("~", fmt.Sprintf("required = %d -> %d", old.Required, new.Required))
	}
	if old.MaxAge != new.MaxAge {
		add("~", fmt.Sprintf("max_age = %s -> %s", formatValue(old.MaxAge), formatValue(new.MaxAge)))
	}
	oldA, newA := map[string]string{}, map[string]string{}
	for _, a := range old.Approvers {
		oldA[a.Name] = a.Key
	}
	for _, a := range new.Approvers {
		newA[a.Name] = a.Key
	}
	fp := func(line string) string {
		k, err := ParseApproverKey(line)
		if err != nil {
			return "unusable key"
		}
		return k.Type() + " " + sshFingerprint(k)
	}
	for _, n := range sortedKeys(oldA) {
		if _, ok := newA[n]; !ok {
			add("-", fmt.Sprintf("approver %q (%s)", n, fp(oldA[n])))
		}
	}
	for _, n := range sortedKeys(newA) {
		switch k, ok := oldA[n]; {
		case !ok:
			add("+", fmt.Sprintf("approver %q (%s)", n, fp(newA[n])))
		case k != newA[n]:
			add("~", fmt.Sprintf("approver %q key %s -> %s", n, fp(k), fp(newA[n])))
		}
	}
	oldR, newR := map[string]Rule{}, map[string]Rule{}
	for _, r := range old.Rules {
		oldR[r.Name] = r
	}
	for _, r := range new.Rules {
		newR[r.Name] = r
	}
	for _, n := range sortedKeys(oldR) {
		if _, ok := newR[n]; !ok {
			add("-", "rule "+describeRule(oldR[n]))
		}
	}
	for _, n := range sortedKeys(newR) {
		switch r, ok := oldR[n]; {
		case !ok:
			add("+", "rule "+describeRule(newR[n]))
		case !reflect.DeepEqual(r, newR[n]):
			add("~", "rule "+describeRule(r)+" -> "+describeRule(newR[n]))
		}
	}
	return out
}

func describeRule(r Rule) string {
	s := fmt.Sprintf("%q: %d approvals", r.Name, r.Required)
	if len(r.ResourceTypes) > 0 {
		s += " for " + strings.Join(r.ResourceTypes, ", ")
	}
	if len(r.Actions) > 0 {
		s += " on " + strings.Join(r.Actions, ", ")
	}
	if r.hasReachCondition() {
		s += " when it " + reachScope(r)
	}
	return s
}

// ruleScope says what a touched rule covers, for the approval sections of the views.
func ruleScope(p *Plan, name string) string {
	if name == BaseRule || p.Rules == nil {
		return "every plan"
	}
	for _, r := range p.Rules.Rules {
		if r.Name == name {
			var parts []string
			if len(r.ResourceTypes) > 0 {
				parts = append(parts, strings.Join(r.ResourceTypes, ", "))
			}
			if len(r.Actions) > 0 {
				parts = append(parts, "on "+strings.Join(r.Actions, ", "))
			}
			if r.hasReachCondition() {
				parts = append(parts, "when it "+reachScope(r))
			}
			if len(parts) == 0 {
				return "every change"
			}
			return strings.Join(parts, " ")
		}
	}
	return ""
}
