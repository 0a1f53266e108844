package plans

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"net"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/agent"
)

// Namespace is the SSHSIG namespace of an approval, as given to `ssh-keygen -Y sign -n`.
const Namespace = "enclave-plan"

// signHash is the hash ssh-keygen -Y sign uses by default; verification accepts sha256 too.
const signHash = sshsig.HashSHA512

// armor writes a signature the way ssh-keygen -Y sign does: PEM-style armor with the base64
// body wrapped at 70 columns (sshsig.Armor wraps at 64).
func armor(sig *sshsig.Signature) string {
	b64 := base64.StdEncoding.EncodeToString(sig.Marshal())
	var sb strings.Builder
	sb.WriteString("-----BEGIN SSH SIGNATURE-----\n")
	for len(b64) > 70 {
		sb.WriteString(b64[:70])
		sb.WriteByte('\n')
		b64 = b64[70:]
	}
	sb.WriteString(b64)
	sb.WriteString("\n-----END SSH SIGNATURE-----\n")
	return sb.String()
}

func signPlan(p *Plan, signer ssh.Signer) (string, error) {
	if err := checkKeyType(signer.PublicKey()); err != nil {
		return "", err
	}
	msg, _, err := p.verifiedMessage()
	if err != nil {
		return "", err
	}
	sig, err := sshsig.Sign(bytes.NewReader(msg), signer, signHash, Namespace)
	if err != nil {
		return "", fmt.Errorf("signing the plan's digest line: %w", err)
	}
	return armor(sig), nil
}

// SignWithKeyFile signs the plan's digest line with an OpenSSH private key file. An encrypted
// key asks passphrase() once; a wrong passphrase is an error naming the file.
func SignWithKeyFile(p *Plan, keyPath string, passphrase func() ([]byte, error)) (string, error) {
	b, err := os.ReadFile(keyPath)
	if err != nil {
		return "", fmt.Errorf("reading signing key: %w", err)
	}
	signer, err := ssh.ParsePrivateKey(b)
	var missing *ssh.PassphraseMissingError
	if errors.As(err, &missing) {
		if passphrase == nil {
			return "", fmt.Errorf("%s is encrypted and no passphrase can be asked for", keyPath)
		}
		pass, perr := passphrase()
		if perr != nil {
			return "", fmt.Errorf("reading the passphrase for %s: %w", keyPath, perr)
		}
		signer, err = ssh.ParsePrivateKeyWithPassphrase(b, pass)
		if errors.Is(err, x509.IncorrectPasswordError) {
			return "", fmt.Errorf("wrong passphrase for %s", keyPath)
		}
	}
	if err != nil {
		if strings.HasPrefix(keyFileType(b), "sk-") {
			return "", fmt.Errorf("%s is a security-key (%s) key, which only ssh-keygen can use: sign with `ssh-keygen -Y sign -n %s` and attach with --signature", keyPath, keyFileType(b), Namespace)
		}
		return "", fmt.Errorf("%s is not a private key this enclave can sign with: %v", keyPath, err)
	}
	sig, err := signPlan(p, signer)
	if err != nil {
		return "", fmt.Errorf("%s: %w", keyPath, err)
	}
	return sig, nil
}

// keyFileType reads the key type from the unencrypted public part of an OpenSSH private key
// file, or returns "" when the file is not one.
func keyFileType(b []byte) string {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "OPENSSH PRIVATE KEY" {
		return ""
	}
	const magic = "openssh-key-v1\x00"
	rest, ok := bytes.CutPrefix(block.Bytes, []byte(magic))
	if !ok {
		return ""
	}
	var w struct {
		CipherName, KdfName, KdfOpts string
		NumKeys                      uint32
		PubKey                       []byte
		Rest                         []byte `ssh:"rest"`
	}
	if ssh.Unmarshal(rest, &w) != nil || w.NumKeys != 1 {
		return ""
	}
	pub, err := ssh.ParsePublicKey(w.PubKey)
	if err != nil {
		return ""
	}
	return pub.Type()
}

// SignWithAgent signs the plan's digest line with a key held by the ssh-agent listening on
// agentSock. pub picks the key; nil means the agent's only key.
func SignWithAgent(p *Plan, agentSock string, pub ssh.PublicKey) (string, error) {
	if agentSock == "" {
		return "", fmt.Errorf("no ssh-agent: SSH_AUTH_SOCK is not set")
	}
	conn, err := net.Dial("unix", agentSock)
	if err != nil {
		return "", fmt.Errorf("connecting to ssh-agent at %s: %w", agentSock, err)
	}
	defer conn.Close()
	signers, err := agent.NewClient(conn).Signers()
	if err != nil {
		return "", fmt.Errorf("listing ssh-agent keys at %s: %w", agentSock, err)
	}
	var signer ssh.Signer
	switch {
	case pub != nil:
		want := ssh.FingerprintSHA256(pub)
		for _, s := range signers {
			if ssh.FingerprintSHA256(s.PublicKey()) == want {
				signer = s
			}
		}
		if signer == nil {
			return "", fmt.Errorf("the ssh-agent at %s does not hold key %s", agentSock, want)
		}
	case len(signers) == 0:
		return "", fmt.Errorf("the ssh-agent at %s holds no keys (ssh-add one)", agentSock)
	case len(signers) > 1:
		var fps []string
		for _, s := range signers {
			fps = append(fps, s.PublicKey().Type()+" "+ssh.FingerprintSHA256(s.PublicKey()))
		}
		return "", fmt.Errorf("the ssh-agent at %s holds %d keys (%s): choose one", agentSock, len(signers), strings.Join(fps, ", "))
	default:
		signer = signers[0]
	}
	sig, err := signPlan(p, signer)
	if err != nil {
		return "", fmt.Errorf("ssh-agent key %s: %w", ssh.FingerprintSHA256(signer.PublicKey()), err)
	}
	return sig, nil
}

// ApprovalError says why one approval does not count. Reason is a full sentence naming the
// approver, as the gate and `enclave approve` print it.
type ApprovalError struct {
	Approver string
	Reason   string
}

func (e *ApprovalError) Error() string { return e.Reason }

// isAuthor reports whether an approver name is the plan's author. The author is compared as
// written and by the part before "@", so "alice@jump1" cannot approve as "alice".
func isAuthor(author, name string) bool {
	if author == "" {
		return false
	}
	if strings.EqualFold(author, name) {
		return true
	}
	local, _, _ := strings.Cut(author, "@")
	return strings.EqualFold(local, name)
}

// checkApproval verifies one approval against the rules in force and the plan's real digest
// (msg is the recomputed signed message). It does not look at time.
func checkApproval(rules *ApprovalRules, msg []byte, a Approval) *ApprovalError {
	fail := func(format string, args ...any) *ApprovalError {
		return &ApprovalError{Approver: a.Approver, Reason: fmt.Sprintf(format, args...)}
	}
	want, known, err := approverKey(rules, a.Approver)
	if !known {
		return fail("the approval attached as %s is by an unknown approver (the rules in force name %s)", a.Approver, orNone(approverNames(rules)))
	}
	if err != nil {
		return fail("approver %s's key in the rules in force is not usable: %v", a.Approver, err)
	}
	sig, err := sshsig.Unarmor([]byte(strings.TrimSpace(a.Signature)))
	if err != nil {
		return fail("the signature attached as %s is not an SSH signature: %v", a.Approver, err)
	}
	if sig.Namespace != Namespace {
		return fail("the signature attached as %s is for namespace %q, not %q (sign with -n %s)", a.Approver, sig.Namespace, Namespace, Namespace)
	}
	got := ssh.FingerprintSHA256(sig.PublicKey)
	if got != ssh.FingerprintSHA256(want) {
		if other := approverByKey(rules, got); other != "" {
			return fail("the signature attached as %s was made by another key (%s, approver %s's)", a.Approver, got, other)
		}
		return fail("the signature attached as %s was made by another key (%s)", a.Approver, got)
	}
	if sig.HashAlgorithm.Supported() != nil {
		return fail("the signature attached as %s uses hash %q; only sha256 and sha512 are accepted", a.Approver, sig.HashAlgorithm)
	}
	if err := sshsig.Verify(bytes.NewReader(msg), sig, want, sig.HashAlgorithm, Namespace); err != nil {
		return fail("the signature by %s is over another digest: it does not verify over this plan's digest line %q", a.Approver, strings.TrimSuffix(string(msg), "\n"))
	}
	return nil
}

func orNone(names []string) string {
	if len(names) == 0 {
		return "no approvers"
	}
	return strings.Join(names, ", ")
}

// Attach checks an armored signature (as `ssh-keygen -Y sign -n enclave-plan` writes it) by
// the named approver over the plan's digest line, under the rules in force, and adds it to
// the plan, replacing an earlier approval by the same approver.
func Attach(p *Plan, approver, armoredSig, comment string, now time.Time) error {
	if p.Rules == nil {
		return fmt.Errorf("the plan has no approval rules in force, so no one can approve it")
	}
	if isAuthor(p.Author, approver) {
		return &ApprovalError{Approver: approver, Reason: fmt.Sprintf("%s is the plan's author and cannot approve it", approver)}
	}
	msg, _, err := p.verifiedMessage()
	if err != nil {
		return err
	}
	a := Approval{Approver: approver, Signature: strings.TrimSpace(armoredSig) + "\n", Comment: comment, SignedAt: now.UTC()}
	if e := checkApproval(p.Rules, msg, a); e != nil {
		return e
	}
	if id, _, err := AuthorIdentity(p); err == nil && id == approverIdentity(p.Rules, approver) {
		return &ApprovalError{Approver: approver, Reason: fmt.Sprintf("%s's key signed this plan as its author: the author never counts as an approver", approver)}
	}
	p.Approvals = withApproval(p.Approvals, a)
	return nil
}

// AttachAuthor checks an armored signature over the plan's digest line (by any key: an
// author need not be an approver) and records it as the plan's author signature. The key
// must not be an approver's who already approved the plan.
func AttachAuthor(p *Plan, armoredSig string) error {
	prev := p.AuthorSignature
	p.AuthorSignature = strings.TrimSpace(armoredSig) + "\n"
	id, _, err := AuthorIdentity(p)
	if err != nil {
		p.AuthorSignature = prev
		return err
	}
	for _, a := range p.Approvals {
		if p.Rules != nil && approverIdentity(p.Rules, a.Approver) == id {
			p.AuthorSignature = prev
			return fmt.Errorf("this key is approver %s's, who approved the plan: an approver's key cannot sign it as author", a.Approver)
		}
	}
	return nil
}

// withApproval replaces the approver's earlier approval, or appends; the list stays sorted by
// approver so two merged copies come out the same.
func withApproval(list []Approval, a Approval) []Approval {
	out := make([]Approval, 0, len(list)+1)
	for _, x := range list {
		if x.Approver != a.Approver {
			out = append(out, x)
		}
	}
	out = append(out, a)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Approver < out[j].Approver })
	return out
}

// Merge adds to dst the approvals found in other copies of the same plan (reviewers who each
// approved their own copy). Copies whose content digest differs from dst's are refused. When
// two copies hold an approval by the same approver, the later one is kept.
func Merge(dst *Plan, others ...*Plan) error {
	want, err := dst.ComputeDigest()
	if err != nil {
		return err
	}
	for i, o := range others {
		got, err := o.ComputeDigest()
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("cannot merge approvals: copy %d is another plan (digest %s, not %s)", i+1, got, want)
		}
	}
	for _, o := range others {
		if dst.AuthorSignature == "" && o.AuthorSignature != "" {
			dst.AuthorSignature = o.AuthorSignature
		}
		for _, a := range o.Approvals {
			keep := true
			for _, x := range dst.Approvals {
				if x.Approver == a.Approver && !a.SignedAt.After(x.SignedAt) {
					keep = false
				}
			}
			if keep {
				dst.Approvals = withApproval(dst.Approvals, a)
			}
		}
	}
	return nil
}
