package plans

import (
	"crypto/rsa"
	"fmt"
	"strings"
	"time"

	"golang.org/x/crypto/ssh"
)

// MinRSABits is the smallest RSA modulus accepted for an approver key.
const MinRSABits = 2048

// acceptedKeyTypes are the approver key types: what OpenSSH signs SSHSIG with today, minus
// DSA (broken) and small RSA.
var acceptedKeyTypes = map[string]bool{
	ssh.KeyAlgoED25519:    true,
	ssh.KeyAlgoECDSA256:   true,
	ssh.KeyAlgoECDSA384:   true,
	ssh.KeyAlgoECDSA521:   true,
	ssh.KeyAlgoRSA:        true,
	ssh.KeyAlgoSKED25519:  true,
	ssh.KeyAlgoSKECDSA256: true,
}

// ParseApproverKey parses an approver's public key in authorized_keys form
// ("ssh-ed25519 AAAA... comment") and refuses types an approval must not rest on.
func ParseApproverKey(line string) (ssh.PublicKey, error) {
	line = strings.TrimSpace(line)
	if line == "" {
		return nil, fmt.Errorf("approver key is empty")
	}
	pub, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line))
	if err != nil {
		return nil, fmt.Errorf("approver key is not an SSH public key in authorized_keys form: %v", err)
	}
	if err := checkKeyType(pub); err != nil {
		return nil, err
	}
	return pub, nil
}

func checkKeyType(pub ssh.PublicKey) error {
	t := pub.Type()
	if !acceptedKeyTypes[t] {
		return fmt.Errorf("approver key type %s is not accepted (use ssh-ed25519, ecdsa-sha2-nistp256/384/521, ssh-rsa of at least %d bits, or a security key)", t, MinRSABits)
	}
	if t == ssh.KeyAlgoRSA {
		cpk, ok := pub.(ssh.CryptoPublicKey)
		if !ok {
			// An agent's key is its wire form only; parse that to reach the modulus.
			if parsed, err := ssh.ParsePublicKey(pub.Marshal()); err == nil {
				cpk, ok = parsed.(ssh.CryptoPublicKey)
			}
		}
		if !ok {
			return fmt.Errorf("approver key: cannot read the RSA key size")
		}
		rk, ok := cpk.CryptoPublicKey().(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("approver key: cannot read the RSA key size")
		}
		if bits := rk.N.BitLen(); bits < MinRSABits {
			return fmt.Errorf("approver key is RSA with %d bits; at least %d are needed", bits, MinRSABits)
		}
	}
	return nil
}

// BaseRule is the name the approval block's own `required` goes by in quorums and messages.
// It is reserved: no rule may be called so.
const BaseRule = "required"

// RuleError is one problem with approval rules. Approver or Rule names the block it is in (at
// most one is set), Attr the attribute, so the configuration layer can point at its source.
type RuleError struct {
	Approver string
	Rule     string
	Attr     string
	Msg      string
}

func (e *RuleError) Error() string {
	var where string
	switch {
	case e.Approver != "":
		where = fmt.Sprintf("approver %q", e.Approver)
	case e.Rule != "":
		where = fmt.Sprintf("rule %q", e.Rule)
	default:
		where = "approval"
	}
	if e.Attr != "" {
		where += " " + e.Attr
	}
	return where + ": " + e.Msg
}

// ValidateRules checks approval rules as written: unique names, keys that parse and are
// accepted, no key under two names, quorums that can be met, known resource types and
// actions, zone names that can be zones, a max_age that parses. knownTypes may be nil to
// skip the resource type check.
func ValidateRules(r *ApprovalRules, knownTypes func(string) bool) []error {
	if r == nil {
		return nil
	}
	var errs []error
	add := func(e *RuleError) { errs = append(errs, e) }
	n := len(r.Approvers)
	if n == 0 {
		add(&RuleError{Msg: "no approvers: at least one approver block is needed"})
	}
	if r.Required < 1 {
		add(&RuleError{Attr: "required", Msg: fmt.Sprintf("must be at least 1, is %d", r.Required)})
	} else if r.Required > n {
		add(&RuleError{Attr: "required", Msg: fmt.Sprintf("needs %d approvals but only %d approvers are named", r.Required, n)})
	}
	if r.MaxAge != "" {
		d, err := time.ParseDuration(r.MaxAge)
		if err != nil {
			add(&RuleError{Attr: "max_age", Msg: fmt.Sprintf("%q is not a duration such as \"24h\"", r.MaxAge)})
		} else if d <= 0 {
			add(&RuleError{Attr: "max_age", Msg: "must be positive"})
		}
	}
	names := map[string]bool{}
	keys := map[string]string{} // key identity -> approver
	for _, a := range r.Approvers {
		if a.Name == "" {
			add(&RuleError{Msg: "an approver has no name"})
		} else if names[a.Name] {
			add(&RuleError{Approver: a.Name, Msg: "is named twice"})
		}
		names[a.Name] = true
		pub, err := ParseApproverKey(a.Key)
		if err != nil {
			add(&RuleError{Approver: a.Name, Attr: "key", Msg: err.Error()})
			continue
		}
		fp := ssh.FingerprintSHA256(pub)
		id := KeyIdentity(pub)
		if other, ok := keys[id]; ok && other != a.Name {
			add(&RuleError{Approver: a.Name, Attr: "key", Msg: fmt.Sprintf("is the same key as approver %q's (%s): one person would count twice", other, fp)})
		}
		keys[id] = a.Name
	}
	ruleNames := map[string]bool{}
	for _, rule := range r.Rules {
		switch {
		case rule.Name == "":
			add(&RuleError{Msg: "a rule has no name"})
		case rule.Name == BaseRule:
			add(&RuleError{Rule: rule.Name, Msg: fmt.Sprintf("the name %q is reserved for the approval block's own quorum", BaseRule)})
		case ruleNames[rule.Name]:
			add(&RuleError{Rule: rule.Name, Msg: "is named twice"})
		}
		ruleNames[rule.Name] = true
		// A rule above the number of approvers is allowed (the configuration warns): it
		// refuses whatever it matches until approvers are added, as SPEC §6's example does.
		if rule.Required < 1 {
			add(&RuleError{Rule: rule.Name, Attr: "required", Msg: fmt.Sprintf("must be at least 1, is %d", rule.Required)})
		}
		for _, t := range rule.ResourceTypes {
			if knownTypes != nil && !knownTypes(t) {
				add(&RuleError{Rule: rule.Name, Attr: "resource_types", Msg: fmt.Sprintf("unknown resource type %q", t)})
			}
		}
		for _, s := range rule.Actions {
			a, ok := ParseAction(s)
			if !ok || a == NoOp || a == Read {
				add(&RuleError{Rule: rule.Name, Attr: "actions", Msg: fmt.Sprintf("unknown action %q (use create, update, replace, delete)", s)})
			}
		}
		for _, l := range []struct {
			attr  string
			zones []string
		}{{"opens_into", rule.OpensInto}, {"opens_from", rule.OpensFrom}} {
			attr, seen := l.attr, map[string]bool{}
			for _, z := range l.zones {
				switch {
				case !validZoneName(z):
					add(&RuleError{Rule: rule.Name, Attr: attr, Msg: fmt.Sprintf("%q is not a security zone name", z)})
				case seen[z]:
					add(&RuleError{Rule: rule.Name, Attr: attr, Msg: fmt.Sprintf("zone %q is named twice", z)})
				}
				seen[z] = true
			}
		}
	}
	return errs
}

// validZoneName reports whether s can name a Junos security zone: 1 to 63 letters, digits,
// '-', '_' and '.', as Junos accepts.
func validZoneName(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '-', c == '_', c == '.':
		default:
			return false
		}
	}
	return true
}

// approverKey returns the parsed key of the named approver under r.
func approverKey(r *ApprovalRules, name string) (ssh.PublicKey, bool, error) {
	if r == nil {
		return nil, false, nil
	}
	for _, a := range r.Approvers {
		if a.Name == name {
			pub, err := ParseApproverKey(a.Key)
			return pub, true, err
		}
	}
	return nil, false, nil
}

// approverByKey names the approver whose key has fingerprint fp, if any.
func approverByKey(r *ApprovalRules, fp string) string {
	if r == nil {
		return ""
	}
	for _, a := range r.Approvers {
		if pub, err := ParseApproverKey(a.Key); err == nil && ssh.FingerprintSHA256(pub) == fp {
			return a.Name
		}
	}
	return ""
}

func approverNames(r *ApprovalRules) []string {
	if r == nil {
		return nil
	}
	out := make([]string, 0, len(r.Approvers))
	for _, a := range r.Approvers {
		out = append(out, a.Name)
	}
	return out
}

func sshFingerprint(k ssh.PublicKey) string { return ssh.FingerprintSHA256(k) }
