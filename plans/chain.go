package plans

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// RuleSet is one link of the approval-rules chain that state keeps: a set of rules and the
// proof that it was installed legitimately. The proof is the plan that installed it (without
// its approvals, so its digest can be recomputed), that plan's approvals and its author
// signature. The first link was installed by the first apply and is approved under its own
// rules; every later one under the rules of the link before it, with the quorum the change
// needed (see TouchedRules: relaxing or removing a rule needs that rule's own quorum). So a
// hand edit of the rules in state, which cannot produce such signatures, is refused, the way
// The Update Framework's root metadata rotates only with a threshold of the old root's keys.
type RuleSet struct {
	Rules           *ApprovalRules  `json:"rules"`
	Plan            json.RawMessage `json:"plan"`
	Approvals       []Approval      `json:"approvals"`
	AuthorSignature string          `json:"author_signature,omitempty"`
	InstalledAt     time.Time       `json:"installed_at"`
	// Legacy marks a first link made from the rules a state written before the chain held:
	// there is no proof to check, so it is taken as it is (and against the trust root).
	Legacy bool `json:"legacy,omitempty"`
}

// RulesChain is the chain of rule sets, oldest first; the last one is in force.
type RulesChain []RuleSet

// NewRuleSet is the link recording that applying p installed rules.
func NewRuleSet(p *Plan, rules *ApprovalRules, at time.Time) (RuleSet, error) {
	c := *p
	c.Approvals, c.AuthorSignature = nil, ""
	raw, err := canonicalJSON(&c)
	if err != nil {
		return RuleSet{}, fmt.Errorf("recording the plan that installs the approval rules: %w", err)
	}
	return RuleSet{Rules: rules, Plan: raw, Approvals: p.Approvals, AuthorSignature: p.AuthorSignature, InstalledAt: at.UTC()}, nil
}

// ChainError is a rules chain that does not verify: the rules in state cannot be trusted.
type ChainError struct {
	Link   int // 1-based
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("the approval rules recorded in state do not verify (rule set %d): %s; restore the state from a backup, or from `enclave audit show`, rather than editing it", e.Link, e.Reason)
}

// VerifyChain checks every link of the chain and returns the rules in force (the last
// link's). The first link must have been installed by a plan whose rules came from the
// configuration, approved under those rules; when trust is not nil, each of its approvers'
// keys must be one trust names, so whoever can write the state directory cannot start a new
// chain of their own. Every later link must have been installed by a plan judged under the
// link before it, with the quorum that change needed.
func VerifyChain(chain RulesChain, trust *TrustRoot) (*ApprovalRules, error) {
	if len(chain) == 0 {
		return nil, nil
	}
	var prev *ApprovalRules
	for i, link := range chain {
		fail := func(format string, args ...any) error {
			return &ChainError{Link: i + 1, Reason: fmt.Sprintf(format, args...)}
		}
		if link.Rules == nil {
			return nil, fail("it holds no rules")
		}
		if link.Legacy {
			if i != 0 {
				return nil, fail("only the first rule set can predate the chain")
			}
			if trust != nil {
				if err := trust.Check(link.Rules); err != nil {
					return nil, fail("%v", err)
				}
			}
			prev = link.Rules
			continue
		}
		p, err := decodeChainPlan(link.Plan)
		if err != nil {
			return nil, fail("its plan cannot be read: %v", err)
		}
		var judged *ApprovalRules
		if i == 0 {
			if p.RulesSource != "config" || !SameRules(p.Rules, link.Rules) {
				return nil, fail("the first rule set was not taken from the configuration of the plan that installed it")
			}
			judged = link.Rules
			if trust != nil {
				if err := trust.Check(link.Rules); err != nil {
					return nil, fail("%v", err)
				}
			}
		} else {
			if p.RulesSource != "state" || !SameRules(p.Rules, prev) || !SameRules(p.RulesChange, link.Rules) {
				return nil, fail("the plan that installed it does not change rule set %d into it", i)
			}
			judged = prev
		}
		for _, e := range ValidateRules(link.Rules, nil) {
			return nil, fail("%v", e)
		}
		p.Approvals, p.AuthorSignature = link.Approvals, link.AuthorSignature
		p.Rules = judged
		authorID, _, _ := AuthorIdentity(p)
		valid, _ := validApprovals(p, judged, authorID)
		for _, q := range quorums(p, valid) {
			if q.Have < q.Required {
				return nil, fail("rule %q needed %d approvals of the plan that installed it, and it has %d valid ones", q.Rule, q.Required, q.Have)
			}
		}
		prev = link.Rules
	}
	return prev, nil
}

func decodeChainPlan(raw json.RawMessage) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&p); err != nil {
		return nil, err
	}
	d, err := p.ComputeDigest()
	if err != nil {
		return nil, err
	}
	if d != p.Digest {
		return nil, fmt.Errorf("its digest %s does not match its content %s", p.Digest, d)
	}
	return &p, nil
}

// TrustRoot is the set of approver keys the machine that applies trusts, kept outside the
// repository and the state directory (`--trust-root FILE` or ENCLAVE_TRUST_ROOT): the first
// rule set of every enclave applied there must name only these keys.
type TrustRoot struct {
	Path       string
	identities map[string]string // identity -> fingerprint
}

// ReadTrustRoot reads a trust root file: one public key per line, in authorized_keys form
// ("ssh-ed25519 AAAA... comment") or OpenSSH allowed_signers form ("alice ssh-ed25519
// AAAA..."); blank lines and lines starting with # are skipped.
func ReadTrustRoot(path string) (*TrustRoot, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading the trust root: %w", err)
	}
	t := &TrustRoot{Path: path, identities: map[string]string{}}
	for n, line := range strings.Split(string(b), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			if _, rest, ok := strings.Cut(line, " "); ok {
				pub, _, _, _, err = ssh.ParseAuthorizedKey([]byte(strings.TrimSpace(rest)))
			}
		}
		if err != nil {
			return nil, fmt.Errorf("%s:%d: not an SSH public key line: %v", path, n+1, err)
		}
		t.identities[KeyIdentity(pub)] = ssh.FingerprintSHA256(pub)
	}
	if len(t.identities) == 0 {
		return nil, fmt.Errorf("%s: the trust root names no keys", path)
	}
	return t, nil
}

// Check reports an error unless every approver of rules is a key the trust root names.
func (t *TrustRoot) Check(rules *ApprovalRules) error {
	var bad []string
	for _, a := range rules.Approvers {
		pub, err := ParseApproverKey(a.Key)
		if err != nil || t.identities[KeyIdentity(pub)] == "" {
			fp := "unparsable key"
			if err == nil {
				fp = ssh.FingerprintSHA256(pub)
			}
			bad = append(bad, a.Name+" ("+fp+")")
		}
	}
	if len(bad) > 0 {
		return fmt.Errorf("approver %s is not in the trust root %s", strings.Join(bad, ", "), t.Path)
	}
	return nil
}
