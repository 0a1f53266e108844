package plans

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/hiddeco/sshsig"
	"golang.org/x/crypto/ssh"
)

const skEd25519Line = "sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29tAAAAIOZC+eM95XE7+eAZmuuLr2A1Dq2Woq4VDUcBUAGcZIKzAAAABHNzaDo= carol@yubikey"

func authorizedLine(t *testing.T, key any) string {
	t.Helper()
	pub, err := ssh.NewPublicKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(ssh.MarshalAuthorizedKey(pub)))
}

func TestParseApproverKey(t *testing.T) {
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024)
	rsa2048, _ := rsa.GenerateKey(rand.Reader, 2048)
	p256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	p384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	p521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	cases := []struct {
		name, line, err string
	}{
		{"ed25519", newTestKey(t, "alice").line, ""},
		{"ecdsa p256", authorizedLine(t, &p256.PublicKey) + " bob", ""},
		{"ecdsa p384", authorizedLine(t, &p384.PublicKey), ""},
		{"ecdsa p521", authorizedLine(t, &p521.PublicKey), ""},
		{"rsa 2048", authorizedLine(t, &rsa2048.PublicKey), ""},
		{"sk ed25519", skEd25519Line, ""},
		{"sk ecdsa", "sk-ecdsa-sha2-nistp256@openssh.com AAAAInNrLWVjZHNhLXNoYTItbmlzdHAyNTZAb3BlbnNzaC5jb20AAAAIbmlzdHAyNTYAAABBBO6M11Gy2qcNeM35C1+ICKdaHw/Ctq+s/m7/D6DAeCRtB+PMbgISQXJ0IlCuayngeYLIi4P0DvrPw91QBmilJEUAAAAEc3NoOg== dave@yubikey", ""},
		{"rsa 1024", authorizedLine(t, &rsa1024.PublicKey), "approver key is RSA with 1024 bits; at least 2048 are needed"},
		{"dsa", "ssh-dss AAAAB3NzaC1kc3MAAACBAOM9", "not an SSH public key"},
		{"empty", "  ", "approver key is empty"},
		{"garbage", "ssh-ed25519 !!!", "not an SSH public key in authorized_keys form"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := ParseApproverKey(c.line)
			switch {
			case c.err == "" && err != nil:
				t.Errorf("refused: %v", err)
			case c.err != "" && (err == nil || !strings.Contains(err.Error(), c.err)):
				t.Errorf("err = %v, want %q", err, c.err)
			}
		})
	}
}

func TestValidateRules(t *testing.T) {
	ks := newTestKeys(t)
	known := func(s string) bool {
		return strings.HasPrefix(s, "junos_") || strings.HasPrefix(s, "ontap_") || strings.HasPrefix(s, "vsphere_")
	}
	cases := []struct {
		name   string
		mutate func(r *ApprovalRules)
		want   []string
	}{
		{"valid", func(r *ApprovalRules) {}, nil},
		{"duplicate approver", func(r *ApprovalRules) {
			r.Approvers = append(r.Approvers, Approver{Name: "bob", Key: ks["mallory"].line})
		}, []string{`approver "bob": is named twice`}},
		{"same key twice", func(r *ApprovalRules) {
			r.Approvers = append(r.Approvers, Approver{Name: "bobby", Key: ks["bob"].line})
		}, []string{`approver "bobby" key: is the same key as approver "bob"'s`}},
		{"bad key", func(r *ApprovalRules) { r.Approvers[0].Key = "ssh-ed25519 nope" }, []string{`approver "alice" key: approver key is not an SSH public key`}},
		{"required over approvers", func(r *ApprovalRules) { r.Required = 6 }, []string{"approval required: needs 6 approvals but only 5 approvers are named"}},
		{"required zero", func(r *ApprovalRules) { r.Required = 0 }, []string{"approval required: must be at least 1"}},
		{"rule required over approvers is allowed", func(r *ApprovalRules) { r.Rules[0].Required = 9 }, nil},
		{"duplicate rule", func(r *ApprovalRules) { r.Rules[1].Name = "firewall" }, []string{`rule "firewall": is named twice`}},
		{"reserved rule name", func(r *ApprovalRules) { r.Rules[1].Name = "required" }, []string{`rule "required": the name "required" is reserved`}},
		{"unknown type", func(r *ApprovalRules) { r.Rules[0].ResourceTypes = []string{"junos_security_policies", "aws_instance"} }, []string{`rule "firewall" resource_types: unknown resource type "aws_instance"`}},
		{"unknown action", func(r *ApprovalRules) { r.Rules[1].Actions = []string{"delete", "destroy", "read"} }, []string{`unknown action "destroy"`, `unknown action "read"`}},
		{"max_age", func(r *ApprovalRules) { r.MaxAge = "a day" }, []string{`approval max_age: "a day" is not a duration`}},
		{"max_age negative", func(r *ApprovalRules) { r.MaxAge = "-1h" }, []string{"approval max_age: must be positive"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := ks.rules()
			c.mutate(r)
			errs := ValidateRules(r, known)
			if len(errs) != len(c.want) {
				t.Fatalf("got %v, want %v", errs, c.want)
			}
			for i, w := range c.want {
				if !strings.Contains(errs[i].Error(), w) {
					t.Errorf("error %d = %q, want %q", i, errs[i], w)
				}
				if _, ok := errs[i].(*RuleError); !ok {
					t.Errorf("error %d is %T, not *RuleError", i, errs[i])
				}
			}
		})
	}
}

func TestAttach(t *testing.T) {
	ks := newTestKeys(t)
	newPlan := func() *Plan {
		p := basePlan(ks)
		p.Changes = []ResourceChange{vmUpdate()}
		if _, err := Encode(p); err != nil {
			t.Fatal(err)
		}
		return p
	}
	otherNS := func(p *Plan) string {
		sig, err := sshsig.Sign(strings.NewReader(p.DigestLine()+"\n"), ks["alice"].signer, sshsig.HashSHA512, "file")
		if err != nil {
			t.Fatal(err)
		}
		return string(sshsig.Armor(sig))
	}
	cases := []struct {
		name, as string
		sig      func(p *Plan) string
		want     string
	}{
		{"valid", "alice", func(p *Plan) string { return ks["alice"].sign(t, p) }, ""},
		{"sha256 signature from elsewhere", "alice", func(p *Plan) string {
			sig, _ := sshsig.Sign(strings.NewReader(p.DigestLine()+"\n"), ks["alice"].signer, sshsig.HashSHA256, Namespace)
			return string(sshsig.Armor(sig))
		}, ""},
		{"garbage", "alice", func(p *Plan) string { return "-----BEGIN SSH SIGNATURE-----\nAAAA\n-----END SSH SIGNATURE-----\n" }, "the signature attached as alice is not an SSH signature"},
		{"other namespace", "alice", otherNS, `is for namespace "file", not "enclave-plan"`},
		{"not alice's key", "alice", func(p *Plan) string { return ks["mallory"].sign(t, p) }, "the signature attached as alice was made by another key (SHA256:"},
		{"bob's key as alice", "alice", func(p *Plan) string { return ks["bob"].sign(t, p) }, "approver bob's)"},
		{"other digest", "alice", func(p *Plan) string {
			o := newPlan()
			o.Changes[0].After["num_cpus"] = 8
			return ks["alice"].sign(t, o)
		}, "the signature by alice is over another digest"},
		{"unknown approver", "mallory", func(p *Plan) string { return ks["mallory"].sign(t, p) }, "unknown approver"},
		{"author", "erin", func(p *Plan) string { return ks["erin"].sign(t, p) }, "erin is the plan's author and cannot approve it"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := newPlan()
			err := Attach(p, c.as, c.sig(p), "looks right", planTime)
			if c.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				if len(p.Approvals) != 1 || p.Approvals[0].Approver != c.as || p.Approvals[0].Comment != "looks right" {
					t.Errorf("approvals = %+v", p.Approvals)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
			if len(p.Approvals) != 0 {
				t.Errorf("a refused approval was attached")
			}
		})
	}
}

func TestAttachReplacesEarlierApproval(t *testing.T) {
	ks := newTestKeys(t)
	p := basePlan(ks)
	Encode(p)
	ks["bob"].approve(t, p)
	if err := Attach(p, "alice", ks["alice"].sign(t, p), "first", planTime); err != nil {
		t.Fatal(err)
	}
	if err := Attach(p, "alice", ks["alice"].sign(t, p), "second", planTime.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if len(p.Approvals) != 2 || p.Approvals[0].Approver != "alice" || p.Approvals[0].Comment != "second" || p.Approvals[1].Approver != "bob" {
		t.Errorf("approvals = %+v", p.Approvals)
	}
}

func TestMerge(t *testing.T) {
	ks := newTestKeys(t)
	mk := func() *Plan {
		p := basePlan(ks)
		p.Changes = []ResourceChange{vmUpdate()}
		Encode(p)
		return p
	}
	a, b, c := mk(), mk(), mk()
	c.AuthorSignature = ks["erin"].sign(t, c) // one copy carries the author's signature
	ks["alice"].approve(t, a)
	ks["bob"].approve(t, b)
	ks["carol"].approve(t, c)
	if err := Merge(a, b, c); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, x := range a.Approvals {
		names = append(names, x.Approver)
	}
	if strings.Join(names, ",") != "alice,bob,carol" {
		t.Errorf("merged approvals = %v", names)
	}
	if res := Gate(GateInput{Plan: a, Now: planTime.Add(time.Hour), StateLineage: a.State.Lineage, StateSerial: a.State.Serial, RulesInForce: ks.rules()}); res.Refusal != nil {
		t.Errorf("merged plan refused: %v", res.Refusal)
	}

	other := mk()
	other.Changes[0].After["num_cpus"] = 16
	Encode(other)
	ks["dave"].approve(t, other)
	if err := Merge(a, other); err == nil || !strings.Contains(err.Error(), "copy 1 is another plan") {
		t.Errorf("merge of another plan: %v", err)
	}
	if len(a.Approvals) != 3 {
		t.Errorf("failed merge changed approvals: %+v", a.Approvals)
	}
}
