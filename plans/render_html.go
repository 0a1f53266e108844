package plans

import (
	"fmt"
	"html/template"
	"io"
	"strings"
)

// htmlLine is one diff line as the page shows it.
type htmlLine struct {
	Indent   string
	Sym      string
	SymClass string
	Text     string
	Forces   bool
}

func toHTMLLines(lines []diffLine) []htmlLine {
	out := make([]htmlLine, 0, len(lines))
	for _, l := range lines {
		h := htmlLine{Text: l.Text, Forces: l.Forces, Sym: l.Sym, SymClass: symClass(l.Sym)}
		switch {
		case l.Kind == lineClose || l.Kind == lineComment:
			h.Indent = strings.Repeat(" ", 4+4*l.Depth)
		case l.Sym == "":
			h.Indent = strings.Repeat(" ", 4+4*l.Depth)
		default:
			h.Indent = strings.Repeat(" ", max(0, 2+4*l.Depth+1-len(l.Sym)))
			h.Text = " " + h.Text
		}
		out = append(out, h)
	}
	return out
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func symClass(sym string) string {
	switch sym {
	case "+":
		return "add"
	case "~":
		return "chg"
	case "-", "-/+":
		return "del"
	}
	return ""
}

type htmlChange struct {
	Addr, Anchor, Phrase, Keyword, Type, Name, Reason, Note string
	Sym, SymClass                                           string
	Destructive                                             bool
	Lines                                                   []htmlLine
}

type htmlDrift struct {
	Addr, Keyword, Type, Name string
	Gone                      bool
	Lines                     []htmlLine
}

type htmlQuorum struct {
	RuleQuorum
	Scope  string
	Needed int
}

type htmlPage struct {
	P           *Plan
	Created     string
	Expires     string
	Lineage     string
	DigestLine  string
	Summary     summaryCounts
	SummaryLine string
	HasChanges  bool
	Destructive []htmlChange
	Changes     []htmlChange
	Drift       []htmlDrift
	RulesChange []htmlLine
	RulesText   string
	Quorum      []htmlQuorum
	Approvals   []jsonApprovalSig
	Outputs     []htmlOutput
	Reach       []htmlReach
	Failed      []PolicyResult
	Passed      int
	File        string
}

type htmlOutput struct{ Name, Value string }

// htmlReach is one device's reachability as the page's table shows it.
type htmlReach struct {
	Device, NotComputed string
	Opens, Closes       int
	Rows                []htmlFlow
}

type htmlFlow struct {
	Class, From, To, Sources, Destinations, Service string
	AnyToAny                                        bool
}

func htmlReachOf(rs []DeviceReachability) []htmlReach {
	addrs := func(ps []string) string {
		if len(ps) == 1 && ps[0] == "0.0.0.0/0" {
			return "any"
		}
		return strings.Join(ps, ", ")
	}
	var out []htmlReach
	for _, r := range rs {
		if len(r.Opens) == 0 && len(r.Closes) == 0 && r.NotComputed == "" {
			continue
		}
		h := htmlReach{Device: r.Device, NotComputed: r.NotComputed, Opens: len(r.Opens), Closes: len(r.Closes)}
		for _, l := range []struct {
			class string
			flows []Flow
		}{{"add", r.Opens}, {"del", r.Closes}} {
			for _, f := range l.flows {
				h.Rows = append(h.Rows, htmlFlow{Class: l.class, From: f.FromZone, To: f.ToZone,
					Sources: addrs(f.Sources), Destinations: addrs(f.Destinations), Service: f.Service, AnyToAny: f.AnyToAny})
			}
		}
		out = append(out, h)
	}
	return out
}

// RenderHTML writes the plan as one self-contained HTML page for reviewers: inline CSS, no
// scripts, nothing fetched from elsewhere. The approval commands name the plan "FILE".
func RenderHTML(w io.Writer, p *Plan) error { return RenderHTMLNamed(w, p, "FILE") }

// RenderHTMLNamed is RenderHTML with the plan file's name in the approval commands.
func RenderHTMLNamed(w io.Writer, p *Plan, planFile string) error {
	pg := htmlPage{
		P: p, Created: stamp(p.CreatedAt), Expires: stamp(p.ExpiresAt), Lineage: p.State.Lineage,
		DigestLine: p.DigestLine(), Summary: countsOf(p), SummaryLine: summaryLine(p), HasChanges: p.HasChanges(),
		RulesText: upperFirst(rulesSourceText(p)), File: planFile,
	}
	if pg.Lineage == "" {
		pg.Lineage = "(empty state)"
	}
	for i, c := range orderedChanges(p) {
		kw := "resource"
		if c.Mode == "data" {
			kw = "data"
		}
		hc := htmlChange{
			Addr: c.Addr, Anchor: fmt.Sprintf("change-%d", i), Phrase: actionPhrase(c.Action), Keyword: kw, Type: c.Type, Name: c.Name,
			Reason: joinNote(c.Reason, c), Sym: c.Action.Symbol(), SymClass: symClass(c.Action.Symbol()), Destructive: c.Destructive,
			Lines: toHTMLLines(changeLines(c)),
		}
		if c.Destructive {
			hc.Note = destructiveNote(c)
			pg.Destructive = append(pg.Destructive, hc)
		} else {
			pg.Changes = append(pg.Changes, hc)
		}
	}
	for _, d := range p.Drift {
		mode, typ, name := splitAddr(d.Addr)
		if d.Type != "" {
			typ = d.Type
		}
		kw := "resource"
		if mode == "data" {
			kw = "data"
		}
		pg.Drift = append(pg.Drift, htmlDrift{Addr: d.Addr, Keyword: kw, Type: typ, Name: name, Gone: d.Gone, Lines: toHTMLLines(diffsLines(d.Diffs, 1))})
	}
	pg.Reach = htmlReachOf(p.Reachability)
	pg.RulesChange = toHTMLLines(rulesChangeLines(p.Rules, p.RulesChange))
	for _, q := range RuleQuorums(p) {
		pg.Quorum = append(pg.Quorum, htmlQuorum{RuleQuorum: q, Scope: ruleScope(p, q.Rule), Needed: q.Needed()})
	}
	pg.Approvals = jsonApprovalOf(p).Approvals
	for _, k := range sortedKeys(p.Outputs) {
		pg.Outputs = append(pg.Outputs, htmlOutput{k, outputText(p.Outputs[k])})
	}
	for _, r := range p.Policies {
		if r.Passed {
			pg.Passed++
		} else {
			pg.Failed = append(pg.Failed, r)
		}
	}
	return htmlTemplate.Execute(w, pg)
}

var htmlTemplate = template.Must(template.New("plan").Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Plan for {{.P.Enclave}} — enclave</title>
<style>
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; background: #f6f7f9; color: #1d2330; }
main { max-width: 1100px; margin: 0 auto; padding: 24px; }
h1 { font-size: 1.6em; margin: 0 0 12px; }
h2 { font-size: 1.2em; margin: 28px 0 10px; border-bottom: 1px solid #d5d9e0; padding-bottom: 4px; }
table.facts td { padding: 2px 16px 2px 0; vertical-align: top; }
table.facts td:first-child { color: #5b6474; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #fff; border: 1px solid #d5d9e0; border-radius: 6px; padding: 10px 12px; margin: 6px 0; overflow-x: auto; }
.counts { display: flex; gap: 12px; margin: 12px 0; }
.count { background: #fff; border: 1px solid #d5d9e0; border-radius: 8px; padding: 10px 18px; text-align: center; min-width: 90px; }
.count b { display: block; font-size: 1.8em; }
.count.add b { color: #1a7f37; } .count.chg b { color: #9a6700; } .count.rep b, .count.del b { color: #cf222e; }
.banner { background: #ffebe9; border: 2px solid #cf222e; color: #82071e; border-radius: 8px; padding: 10px 16px; margin: 16px 0; }
.banner ul { margin: 6px 0 0; }
.change { margin: 14px 0; }
.change h3 { font-size: 1em; margin: 0; font-family: ui-monospace, "DejaVu Sans Mono", Menlo, monospace; font-weight: 600; }
.change.destructive pre { border: 2px solid #cf222e; background: #fff5f5; }
.note { color: #cf222e; font-weight: 700; }
.reason { color: #5b6474; }
.add { color: #1a7f37; } .chg { color: #9a6700; } .del { color: #cf222e; }
.forces { color: #cf222e; font-style: italic; }
.sym { font-weight: 700; }
table.rules { border-collapse: collapse; background: #fff; }
table.rules th, table.rules td { border: 1px solid #d5d9e0; padding: 6px 10px; text-align: left; }
table.rules td.need { font-weight: 700; color: #9a6700; } table.rules td.met { font-weight: 700; color: #1a7f37; }
.invalid { color: #cf222e; }
.digest { font-size: 15px; background: #1d2330; color: #e6edf3; padding: 10px 12px; border-radius: 6px; display: block; overflow-x: auto; }
ol.how li { margin: 8px 0; }
</style>
</head>
<body>
<main>
<h1>Plan for enclave <code>{{.P.Enclave}}</code></h1>
<table class="facts">
<tr><td>Author</td><td>{{.P.Author}}</td></tr>
<tr><td>Created</td><td>{{.Created}}</td></tr>
<tr><td>Expires</td><td>{{.Expires}}</td></tr>
<tr><td>State</td><td>lineage <code>{{.Lineage}}</code>, serial {{.P.State.Serial}}</td></tr>
<tr><td>Digest</td><td><code id="digest">{{.P.Digest}}</code></td></tr>
{{- if .P.Targets}}<tr><td>Targets</td><td>{{range .P.Targets}}<code>{{.}}</code> {{end}}</td></tr>{{end}}
</table>
{{- if not .P.Refreshed}}
<p class="note">The real world was not read (refresh=false): drift is not shown and changes are against the state.</p>
{{- end}}

<div class="counts" id="summary">
<div class="count add"><b>{{.Summary.Add}}</b>to add</div>
<div class="count chg"><b>{{.Summary.Change}}</b>to change</div>
<div class="count rep"><b>{{.Summary.Replace}}</b>to replace</div>
<div class="count del"><b>{{.Summary.Destroy}}</b>to destroy</div>
</div>
<p><strong>{{.SummaryLine}}</strong></p>

{{- if .Destructive}}
<div class="banner" id="destructive">
<strong>{{len .Destructive}} destructive {{if eq (len .Destructive) 1}}change destroys{{else}}changes destroy{{end}} data:</strong>
<ul>{{range .Destructive}}<li><a href="#{{.Anchor}}"><code>{{.Addr}}</code></a> {{.Phrase}}</li>{{end}}</ul>
</div>
{{- end}}

{{- if .Drift}}
<h2>Objects changed outside of enclave</h2>
<p>enclave refreshed the real objects and found these differences from the last apply. The changes below take them into account.</p>
{{- range .Drift}}
<div class="change drift">
<h3># {{.Addr}} {{if .Gone}}has been deleted{{else}}has changed{{end}}</h3>
<pre>{{if .Gone}}  <span class="sym del">-</span>{{else}}  <span class="sym chg">~</span>{{end}} {{.Keyword}} "{{.Type}}" "{{.Name}}" {
{{range .Lines}}{{template "line" .}}
{{end}}    }</pre>
</div>
{{- end}}
{{- end}}

{{- if or .Destructive .Changes}}
<h2>Changes</h2>
{{- range .Destructive}}{{template "change" .}}{{end}}
{{- range .Changes}}{{template "change" .}}{{end}}
{{- end}}

{{- if .Reach}}
<h2 id="reachability">Reachability</h2>
<p>Traffic the firewalls let through after this plan and not before (+), and the reverse (-), computed from the configuration (docs/reachability.md says what it does not model).</p>
{{- range .Reach}}
<h3><code>{{.Device}}</code>: {{if .NotComputed}}not computed{{else}}opens {{.Opens}}, closes {{.Closes}}{{end}}</h3>
{{- if .NotComputed}}
<p class="note">Not computed: {{.NotComputed}}</p>
{{- else}}
<table class="rules reach">
<tr><th></th><th>From zone</th><th>To zone</th><th>Sources</th><th>Destinations</th><th>Service</th></tr>
{{- range .Rows}}
<tr class="{{.Class}}"><td class="sym">{{if eq .Class "add"}}+{{else}}-{{end}}</td><td>{{.From}}</td><td>{{.To}}</td><td><code>{{.Sources}}</code></td><td><code>{{.Destinations}}</code></td><td><code>{{.Service}}</code>{{if .AnyToAny}} <strong class="note">any to any</strong>{{end}}</td></tr>
{{- end}}
</table>
{{- end}}
{{- end}}
{{- end}}

{{- if .RulesChange}}
<h2>Approval rules change</h2>
<p>Applying this plan records new approval rules in state. This plan itself is judged under the rules in force.</p>
<pre>  <span class="sym chg">~</span> approval {
{{range .RulesChange}}{{template "line" .}}
{{end}}    }</pre>
{{- end}}

{{- if .Outputs}}
<h2>Outputs</h2>
<pre>{{range .Outputs}}  {{.Name}} = {{.Value}}
{{end}}</pre>
{{- end}}

{{- if .P.Policies}}
<h2>Policies</h2>
<p>{{.Passed}} passed, {{len .Failed}} failed.</p>
{{- if .Failed}}<ul>{{range .Failed}}<li class="{{if eq .Enforcement "mandatory"}}del{{else}}chg{{end}}"><strong>{{.Name}}</strong> ({{.Enforcement}}): {{.Message}} <code>{{.Range}}</code></li>{{end}}</ul>{{end}}
{{- end}}

<h2>Approval</h2>
{{- if .P.Rules}}
<p>{{.RulesText}}.{{if .P.Author}} The author, <strong>{{.P.Author}}</strong>, cannot approve this plan.{{end}}</p>
<table class="rules" id="rules">
<tr><th>Rule</th><th>Covers</th><th>Needs</th><th>Approved by</th><th>Still needed</th></tr>
{{- range .Quorum}}
<tr><td><code>{{.Rule}}</code></td><td>{{.Scope}}</td><td>{{.Required}}</td><td>{{if .Approvers}}{{range $i, $a := .Approvers}}{{if $i}}, {{end}}{{$a}}{{end}}{{else}}no one yet{{end}}</td>{{if .Needed}}<td class="need">{{.Needed}} more</td>{{else}}<td class="met">met</td>{{end}}</tr>
{{- end}}
</table>
{{- if .Approvals}}
<p>Approvals attached:</p>
<ul>{{range .Approvals}}<li{{if not .Valid}} class="invalid"{{end}}><strong>{{.Approver}}</strong>{{if .Comment}}: “{{.Comment}}”{{end}}{{if not .Valid}} — does not count: {{.Problem}}{{end}}</li>{{end}}</ul>
{{- end}}
{{- else}}
<p class="note">No approval rules are in force: the gate refuses this plan until the configuration has an approval block.</p>
{{- end}}

<h2>How to approve</h2>
<p>An approval is an SSH signature, namespace <code>enclave-plan</code>, over this digest line followed by a newline:</p>
<code class="digest" id="digest-line">{{.DigestLine}}</code>
<ol class="how">
<li>With enclave:
<pre>enclave approve {{.File}} --key ~/.ssh/id_ed25519 --as NAME</pre></li>
<li>With OpenSSH alone:
<pre>enclave show {{.File}} --digest &gt; digest.txt &amp;&amp; ssh-keygen -Y sign -n enclave-plan -f ~/.ssh/id_ed25519 digest.txt
enclave approve {{.File}} --signature digest.txt.sig --as NAME</pre></li>
</ol>
</main>
</body>
</html>
{{define "line"}}{{.Indent}}{{if .Sym}}<span class="sym {{.SymClass}}">{{.Sym}}</span>{{end}}{{.Text}}{{if .Forces}} <span class="forces"># forces replacement</span>{{end}}{{end}}
{{define "change"}}
<div class="change{{if .Destructive}} destructive{{end}}" id="{{.Anchor}}">
<h3># {{.Addr}} {{.Phrase}}</h3>
{{- if .Note}}<div class="note">{{.Note}}</div>{{end}}
{{- if .Reason}}<div class="reason">({{.Reason}})</div>{{end}}
<pre><span class="sym {{.SymClass}}">{{printf "%3s" .Sym}}</span> {{.Keyword}} "{{.Type}}" "{{.Name}}" {
{{range .Lines}}{{template "line" .}}
{{end}}    }</pre>
</div>
{{- end}}
`))

// joinNote is a change's reason, with its collision when it has one.
func joinNote(reason string, c ResourceChange) string {
	if c.AlreadyExists == "" {
		return reason
	}
	if reason != "" {
		reason += "; "
	}
	return reason + CollisionNote(c)
}
