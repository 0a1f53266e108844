package plans

import (
	"bytes"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

// MaxClockSkew is how far in the future a plan's creation time may lie (clocks of the machine
// that planned and the one that applies disagree a little); further is refused, since a
// future created_at would stretch max_age.
const MaxClockSkew = 5 * time.Minute

// GateInput is everything the gate looks at. Every field but Plan comes from trusted inputs:
// the state (its verified rules chain), the enclave directory and the clock; nothing in it
// comes from the plan file.
type GateInput struct {
	Plan *Plan
	Now  time.Time
	// Enclave is the name of the enclave being applied to: the state's, or, when there is no
	// state yet, the name in the enclave directory's configuration.
	Enclave string
	// The current state, which must still be the one the plan was made against.
	StateLineage string
	StateSerial  uint64
	StateDigest  string
	// RulesInForce are the approval rules from the state's verified chain; nil when the state
	// has none yet (first apply: the plan's rules, taken from the configuration, are used and
	// must come from the configuration).
	RulesInForce *ApprovalRules
	// TrustRoot, when set, is the approvers the applying machine trusts: on a first apply the
	// configuration's approvers must all be in it.
	TrustRoot *TrustRoot
	// Wiped, when not empty, is the evidence that this enclave was applied before although
	// its state holds no rules (backups, audit entries): the first-apply path is refused.
	Wiped string
	// AppliedAt says when a plan digest was applied to this enclave before, if ever.
	AppliedAt func(digest string) (time.Time, bool)
	// SensitiveVars are the sensitive variables' values supplied again at apply, by name.
	SensitiveVars map[string]any
	// WorldChanged holds "ADDR: ATTR BEFORE -> NOW" lines the engine found by reading again
	// the resources the plan changes and comparing with Plan.Observed. Each is a reason.
	WorldChanged []string
	// Rederived holds how the plan re-derived from its snapshot, observations and state
	// differs from what the file records. Each is a reason: the file says one thing and would
	// do another.
	Rederived []string
}

// RuleQuorum is one approval rule a plan touches: how many approvals it needs and which valid
// approvals it has.
type RuleQuorum struct {
	Rule      string   `json:"rule"`
	Required  int      `json:"required"`
	Have      int      `json:"have"`
	Approvers []string `json:"approvers"`
}

// Needed is how many more approvals the rule needs.
func (q RuleQuorum) Needed() int { return max(0, q.Required-q.Have) }

// GateResult is the gate's verdict: Refusal is nil when the plan may be applied.
type GateResult struct {
	Refusal *Refusal
	Quorum  []RuleQuorum
}

// Refusal lists every reason the gate refused a plan.
type Refusal struct {
	Reasons []string
}

func (r *Refusal) Error() string {
	var sb strings.Builder
	sb.WriteString("the gate refused this plan:")
	for _, x := range r.Reasons {
		sb.WriteString("\n  - ")
		sb.WriteString(x)
	}
	return sb.String()
}

// ruleMatches reports whether a rule raises the quorum for one change: its resource types
// contain the change's type (or are empty) and its actions contain the change's action (or
// are empty).
func ruleMatches(r Rule, c ResourceChange) bool {
	if c.Action == NoOp || c.Action == Read {
		return false
	}
	if len(r.ResourceTypes) > 0 && !slices.Contains(r.ResourceTypes, c.Type) {
		return false
	}
	if len(r.Actions) > 0 && !slices.Contains(r.Actions, c.Action.String()) {
		return false
	}
	return true
}

// TouchedRules returns the rules in force (p.Rules) that a plan touches: the base rule (the
// approval block's own `required`, named BaseRule) always, since every apply writes state;
// then each rule that matches at least one change and, when it names zones (opens_into,
// opens_from), whose zones the plan's reachability opens flows into or from, in the order
// the rules are written. A plan
// that changes the approval rules (RulesChange) also touches every rule in force that the
// change removes or relaxes (a rule's own quorum guards its relaxation), and every rule when
// it adds an approver key (a new key can count toward every rule). It is always judged under
// the rules in force, never the new ones.
func TouchedRules(p *Plan) []Rule {
	if p.Rules == nil {
		return nil
	}
	out := []Rule{{Name: BaseRule, Required: p.Rules.Required}}
	relaxed := map[string]bool{}
	addsKeys := false
	if p.RulesChange != nil {
		relaxed = relaxedRules(p.Rules, p.RulesChange)
		addsKeys = addsApproverKeys(p.Rules, p.RulesChange)
	}
	for _, r := range p.Rules.Rules {
		touched := addsKeys || relaxed[r.Name]
		if !touched && (!r.hasReachCondition() || reachMatches(r, p.Reachability)) {
			for _, c := range p.Changes {
				if touched = ruleMatches(r, c); touched {
					break
				}
			}
		}
		if touched {
			out = append(out, r)
		}
	}
	return out
}

// relaxedRules names the rules of old that next removes or relaxes: a lower quorum, or fewer
// resource types, actions or zones matched (an empty list matches everything).
func relaxedRules(old, next *ApprovalRules) map[string]bool {
	out := map[string]bool{}
	for _, r := range old.Rules {
		var n *Rule
		for i := range next.Rules {
			if next.Rules[i].Name == r.Name {
				n = &next.Rules[i]
			}
		}
		switch {
		case n == nil, n.Required < r.Required,
			!covers(n.ResourceTypes, r.ResourceTypes), !covers(n.Actions, r.Actions),
			!covers(n.OpensInto, r.OpensInto), !covers(n.OpensFrom, r.OpensFrom):
			out[r.Name] = true
		}
	}
	return out
}

// covers reports whether a match list matches at least what old matched (empty matches all).
func covers(next, old []string) bool {
	if len(next) == 0 {
		return true
	}
	if len(old) == 0 {
		return false
	}
	for _, x := range old {
		if !slices.Contains(next, x) {
			return false
		}
	}
	return true
}

// addsApproverKeys reports whether next names an approver key (by identity) old does not.
func addsApproverKeys(old, next *ApprovalRules) bool {
	have := map[string]bool{}
	for _, a := range old.Approvers {
		have[keyIdentityOfLine(a.Key)] = true
	}
	for _, a := range next.Approvers {
		if !have[keyIdentityOfLine(a.Key)] {
			return true
		}
	}
	return false
}

// UncoveredDestruction lists the destructive changes (SPEC §2: deleting or replacing what
// holds data) that no named rule in rules covers. Such a change is refused: destruction needs
// a rule of its own, never only the base quorum. A rule that names zones (opens_into,
// opens_from) covers nothing here: it applies only to plans that open traffic, and
// destroying data seldom does.
func UncoveredDestruction(rules *ApprovalRules, changes []ResourceChange) []string {
	var out []string
	for _, c := range changes {
		if !c.Destructive || (c.Action != Delete && c.Action != Replace) {
			continue
		}
		covered := false
		if rules != nil {
			for _, r := range rules.Rules {
				if !r.hasReachCondition() && ruleMatches(r, c) {
					covered = true
					break
				}
			}
		}
		if !covered {
			out = append(out, fmt.Sprintf("%s (%s of a %s)", c.Addr, c.Action, c.Type))
		}
	}
	return out
}

// AuthorIdentity verifies the plan's author signature over its recomputed digest line and
// returns the signing key's identity (KeyIdentity) and fingerprint.
func AuthorIdentity(p *Plan) (identity, fingerprint string, err error) {
	if strings.TrimSpace(p.AuthorSignature) == "" {
		return "", "", fmt.Errorf("the plan is not signed by its author (sign it with `enclave plan --out FILE --key KEY`, or attach one with `enclave approve FILE --author --key KEY`)")
	}
	msg, _, err := p.verifiedMessage()
	if err != nil {
		return "", "", err
	}
	sig, err := sshsig.Unarmor([]byte(strings.TrimSpace(p.AuthorSignature)))
	if err != nil {
		return "", "", fmt.Errorf("the author signature is not an SSH signature: %v", err)
	}
	if sig.Namespace != Namespace {
		return "", "", fmt.Errorf("the author signature is for namespace %q, not %q", sig.Namespace, Namespace)
	}
	if sig.HashAlgorithm.Supported() != nil {
		return "", "", fmt.Errorf("the author signature uses hash %q; only sha256 and sha512 are accepted", sig.HashAlgorithm)
	}
	if err := sshsig.Verify(bytes.NewReader(msg), sig, sig.PublicKey, sig.HashAlgorithm, Namespace); err != nil {
		return "", "", fmt.Errorf("the author signature does not verify over this plan's digest line: the plan changed after it was signed, or the signature is another plan's")
	}
	return KeyIdentity(sig.PublicKey), ssh.FingerprintSHA256(sig.PublicKey), nil
}

// validApprovals checks every attached approval against rules and returns the distinct
// approvers whose approval counts, and one reason per approval that does not. An approval
// by the author (by name, or by the key that signed the plan as its author, under any name)
// never counts; nor does a second approval by one key identity under another name.
func validApprovals(p *Plan, rules *ApprovalRules, authorIdentity string) (valid []string, reasons []string) {
	msg, _, err := p.verifiedMessage()
	if err != nil {
		return nil, []string{err.Error()}
	}
	seen := map[string]bool{}
	identities := map[string]string{}
	for _, a := range p.Approvals {
		if isAuthor(p.Author, a.Approver) {
			reasons = append(reasons, fmt.Sprintf("%s is the plan's author and cannot approve it", a.Approver))
			continue
		}
		if e := checkApproval(rules, msg, a); e != nil {
			reasons = append(reasons, e.Reason)
			continue
		}
		id := approverIdentity(rules, a.Approver)
		if authorIdentity != "" && id == authorIdentity {
			reasons = append(reasons, fmt.Sprintf("%s's key signed this plan as its author: the author never counts as an approver", a.Approver))
			continue
		}
		if other, ok := identities[id]; ok && other != a.Approver {
			reasons = append(reasons, fmt.Sprintf("%s and %s are one key: it counts once", other, a.Approver))
			continue
		}
		identities[id] = a.Approver
		if !seen[a.Approver] {
			seen[a.Approver] = true
			valid = append(valid, a.Approver)
		}
	}
	sort.Strings(valid)
	return valid, reasons
}

func approverIdentity(r *ApprovalRules, name string) string {
	for _, a := range r.Approvers {
		if a.Name == name {
			return keyIdentityOfLine(a.Key)
		}
	}
	return ""
}

// RuleQuorums returns which rules the plan's changes touch, how many approvals each needs and
// which valid approvals the plan holds under the rules it records (signatures verified
// against its recomputed digest; the author's never count). It ignores time and state: those
// are the gate's. It is what reviewers are shown; the gate judges under the rules in force.
func RuleQuorums(p *Plan) []RuleQuorum {
	if p.Rules == nil {
		return nil
	}
	id, _, _ := AuthorIdentity(p)
	valid, _ := validApprovals(p, p.Rules, id)
	return quorums(p, valid)
}

func quorums(p *Plan, valid []string) []RuleQuorum {
	var out []RuleQuorum
	for _, r := range TouchedRules(p) {
		out = append(out, RuleQuorum{Rule: r.Name, Required: r.Required, Have: len(valid), Approvers: slices.Clone(valid)})
	}
	return out
}

// Gate decides whether a saved plan may be applied. It is a pure function of its input and
// lists every reason together, so one run of apply tells the operator everything to fix.
// Everything it needs is known before the plan's configuration is evaluated or any device is
// contacted; apply calls it once before evaluation (WorldChanged and Rederived empty) and
// once after.
func Gate(in GateInput) *GateResult {
	p := in.Plan
	var reasons []string
	add := func(format string, args ...any) { reasons = append(reasons, fmt.Sprintf(format, args...)) }
	if p == nil {
		return &GateResult{Refusal: &Refusal{Reasons: []string{"there is no plan"}}}
	}

	if p.FormatVersion != FormatVersion {
		add("the plan's format version %d is not one this enclave understands (%d): make a new plan", p.FormatVersion, FormatVersion)
	}
	digest, err := p.ComputeDigest()
	if err != nil {
		add("the plan cannot be digested: %v", err)
	} else if digest != p.Digest {
		add("the plan has been modified since it was made: digest %s does not match content %s", orEmpty(p.Digest), digest)
	}
	if in.Enclave != "" && p.Enclave != in.Enclave {
		add("the plan is for enclave %q but is being applied to enclave %q", p.Enclave, in.Enclave)
	}
	if in.AppliedAt != nil {
		if at, ok := in.AppliedAt(digest); ok {
			add("this plan was already applied at %s: a plan is applied once; make a new plan", stamp(at))
		}
	}

	switch {
	case p.ExpiresAt.IsZero():
		add("the plan has no expiry time")
	case in.Now.After(p.ExpiresAt):
		add("the plan expired at %s (made at %s): make a new plan", stamp(p.ExpiresAt), stamp(p.CreatedAt))
	}
	if p.CreatedAt.After(in.Now.Add(MaxClockSkew)) {
		add("the plan claims to be made at %s, later than now (%s) by more than the %s clocks may disagree", stamp(p.CreatedAt), stamp(in.Now), MaxClockSkew)
	}

	if in.StateLineage != p.State.Lineage {
		add("the state's lineage is %s but the plan was made against lineage %s: it is another state", orEmpty(in.StateLineage), orEmpty(p.State.Lineage))
	} else if in.StateSerial != p.State.Serial {
		add("the state has moved since plan: its serial is %d, the plan was made at serial %d; make a new plan", in.StateSerial, p.State.Serial)
	} else if in.StateDigest != "" && p.State.Digest != in.StateDigest {
		add("the state's content is not what the plan was made against (digest %s, the plan saw %s): make a new plan", in.StateDigest, orEmpty(p.State.Digest))
	}

	names := make([]string, 0, len(p.Variables))
	for n, v := range p.Variables {
		if v.Sensitive {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	for _, n := range names {
		v := p.Variables[n]
		val, ok := in.SensitiveVars[n]
		switch {
		case !ok:
			add("sensitive variable %q was not supplied again at apply (give it with --var, --var-file or ENCLAVE_VAR_%s)", n, n)
		case v.Hash == "":
			add("sensitive variable %q has no hash in the plan to check it against", n)
		case !MatchesSensitiveValue(v.Hash, val):
			add("sensitive variable %q does not match the value the plan was made with", n)
		}
	}

	rules := in.RulesInForce
	switch {
	case rules == nil && p.RulesSource != "config":
		add("the state records no approval rules, but the plan says its rules came from %q: it was made against another state", orEmpty(p.RulesSource))
	case rules == nil && in.Wiped != "":
		add("the state holds no approval rules, but this enclave was applied before (%s): the state was wiped or replaced; restore it (`enclave state restore`, or copy the last good backup back) instead of starting over", in.Wiped)
		rules = p.Rules
	case rules == nil:
		rules = p.Rules
		if in.TrustRoot != nil && rules != nil {
			if err := in.TrustRoot.Check(rules); err != nil {
				add("first apply: the configuration's approval rules are not trusted here: %v", err)
			}
		}
	case p.RulesSource != "state":
		add("the plan took its approval rules from the configuration, but the state already has rules in force: make a new plan")
	case !SameRules(p.Rules, rules):
		add("the plan records approval rules that are not the rules in force: the plan has %s; in force: %s", DescribeRules(p.Rules), DescribeRules(rules))
	}

	var quorum []RuleQuorum
	if rules == nil {
		add("no approval rules are in force: the configuration needs an approval block")
	} else {
		for _, e := range ValidateRules(rules, nil) {
			add("the approval rules in force are not valid: %v", e)
		}
		if p.RulesChange != nil {
			for _, e := range ValidateRules(p.RulesChange, nil) {
				add("the new approval rules are not valid: %v", e)
			}
		}
		authorID, _, aerr := AuthorIdentity(p)
		if aerr != nil {
			add("%v", aerr)
		}
		// Judged under the rules in force: the plan's own copy is only used once it is known
		// to be the same.
		judged := *p
		judged.Rules = rules
		valid, bad := validApprovals(&judged, rules, authorID)
		reasons = append(reasons, bad...)
		if rules.MaxAge != "" {
			d, err := time.ParseDuration(rules.MaxAge)
			switch {
			case err != nil:
				add("the approval rules' max_age %q is not a duration", rules.MaxAge)
			case in.Now.After(p.CreatedAt.Add(d)):
				add("the approval window closed at %s: max_age %s counts from the plan's creation at %s", stamp(p.CreatedAt.Add(d)), rules.MaxAge, stamp(p.CreatedAt))
			}
		}
		for _, u := range UncoveredDestruction(rules, p.Changes) {
			add("%s destroys data and no approval rule covers it: destruction needs a rule of its own (SPEC §2)", u)
		}
		quorum = quorums(&judged, valid)
		for _, q := range quorum {
			if q.Have < q.Required {
				who := ""
				if len(q.Approvers) > 0 {
					who = " (" + strings.Join(q.Approvers, ", ") + ")"
				}
				add("rule %q needs %d %s, has %d%s", q.Rule, q.Required, plural(q.Required, "approval", "approvals"), q.Have, who)
			}
		}
	}

	for _, c := range p.Collisions() {
		add("%s %s", c.Addr, CollisionNote(c))
	}
	for _, w := range in.WorldChanged {
		add("the real world changed since plan: %s", w)
	}
	for _, d := range in.Rederived {
		add("the plan does not follow from its own configuration: %s", d)
	}

	res := &GateResult{Quorum: quorum}
	if len(reasons) > 0 {
		res.Refusal = &Refusal{Reasons: reasons}
	}
	return res
}

// SameRules reports whether two rule sets are the same rules (nil and empty lists alike;
// approver keys compared by identity, so a changed key comment is no change).
func SameRules(a, b *ApprovalRules) bool {
	return rulesKey(a) == rulesKey(b)
}

func rulesKey(r *ApprovalRules) string {
	if r == nil {
		return "null"
	}
	type ap struct{ Name, ID string }
	type rule struct {
		Name      string
		Types     []string
		Actions   []string
		OpensInto []string `json:",omitempty"`
		OpensFrom []string `json:",omitempty"`
		Required  int
	}
	k := struct {
		Required  int
		MaxAge    string
		Approvers []ap
		Rules     []rule
	}{Required: r.Required}
	if r.MaxAge != "" {
		if d, err := time.ParseDuration(r.MaxAge); err == nil {
			k.MaxAge = d.String()
		} else {
			k.MaxAge = r.MaxAge
		}
	}
	for _, a := range r.Approvers {
		id := keyIdentityOfLine(a.Key)
		if id == "" {
			id = "unparsed:" + strings.TrimSpace(a.Key)
		}
		k.Approvers = append(k.Approvers, ap{a.Name, id})
	}
	sort.Slice(k.Approvers, func(i, j int) bool { return k.Approvers[i].Name < k.Approvers[j].Name })
	for _, x := range r.Rules {
		t, ac := slices.Clone(x.ResourceTypes), slices.Clone(x.Actions)
		into, from := slices.Clone(x.OpensInto), slices.Clone(x.OpensFrom)
		sort.Strings(t)
		sort.Strings(ac)
		sort.Strings(into)
		sort.Strings(from)
		k.Rules = append(k.Rules, rule{x.Name, t, ac, into, from, x.Required})
	}
	sort.Slice(k.Rules, func(i, j int) bool { return k.Rules[i].Name < k.Rules[j].Name })
	b, _ := canonicalJSON(k)
	return string(b)
}

// DescribeRules is a one-line summary of a rule set for messages: its quorum, approvers (with
// key fingerprints) and named rules.
func DescribeRules(r *ApprovalRules) string {
	if r == nil {
		return "no rules"
	}
	var aps []string
	for _, a := range r.Approvers {
		fp := "unparsable key"
		if pub, err := ParseApproverKey(a.Key); err == nil {
			fp = ssh.FingerprintSHA256(pub)
		}
		aps = append(aps, a.Name+" "+fp)
	}
	var rs []string
	for _, x := range r.Rules {
		rs = append(rs, fmt.Sprintf("%s=%d", x.Name, x.Required))
	}
	s := fmt.Sprintf("required=%d, approvers [%s]", r.Required, strings.Join(aps, ", "))
	if len(rs) > 0 {
		s += ", rules [" + strings.Join(rs, ", ") + "]"
	}
	return s
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orEmpty(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
