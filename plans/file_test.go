package plans

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWriteReadRoundTrip(t *testing.T) {
	ks := newTestKeys(t)
	p := basePlan(ks)
	p.FormatVersion = 0
	p.Changes = []ResourceChange{vmUpdate(), volumeDelete()}
	// 2^53+1 does not survive float64: the file must keep the literal.
	p.Observed["ontap_volume.old_mail"] = map[string]any{"size": int64(9007199254740993), "html": "<a&b>"}
	path := filepath.Join(t.TempDir(), "plan.json")
	if err := Write(path, p); err != nil {
		t.Fatal(err)
	}
	if p.FormatVersion != FormatVersion || !strings.HasPrefix(p.Digest, "sha256:") || len(p.Digest) != len("sha256:")+64 {
		t.Fatalf("Write did not set format version and digest: %d %q", p.FormatVersion, p.Digest)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode %v, want 0644", st.Mode().Perm())
	}
	raw, _ := os.ReadFile(path)
	if !bytes.Contains(raw, []byte("9007199254740993")) || !bytes.Contains(raw, []byte("<a&b>")) {
		t.Errorf("file lost a number literal or escaped HTML:\n%s", raw)
	}
	if !bytes.Contains(raw, []byte("\n  \"enclave\": \"phx1-hci\"")) {
		t.Errorf("file is not indented JSON:\n%.200s", raw)
	}
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 {
		t.Errorf("temporary files left beside the plan: %v", entries)
	}
	q, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if q.Digest != p.Digest || q.DigestLine() != p.DigestLine() {
		t.Errorf("digest changed across the round trip: %s vs %s", q.Digest, p.Digest)
	}
	if got := q.Observed["ontap_volume.old_mail"]["size"]; got != json.Number("9007199254740993") {
		t.Errorf("size = %#v", got)
	}
	if q.Changes[1].Action != Delete || !q.Changes[1].Destructive {
		t.Errorf("change decoded wrong: %+v", q.Changes[1])
	}
	// Writing what was read gives the same bytes.
	again, err := Encode(q)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(again, raw) {
		t.Errorf("re-encoding a read plan changed it")
	}
}

func TestDigestLine(t *testing.T) {
	p := basePlan(newTestKeys(t))
	if _, err := Encode(p); err != nil {
		t.Fatal(err)
	}
	want := "enclave-plan phx1-hci " + p.Digest
	if p.DigestLine() != want {
		t.Errorf("DigestLine() = %q, want %q", p.DigestLine(), want)
	}
	if string(p.SignedMessage()) != want+"\n" {
		t.Errorf("SignedMessage() = %q", p.SignedMessage())
	}
}

// Every field but Digest and Approvals is covered by the digest.
func TestDigestCoversContent(t *testing.T) {
	ks := newTestKeys(t)
	mutations := map[string]func(p *Plan){
		"enclave":      func(p *Plan) { p.Enclave = "phx2-hci" },
		"author":       func(p *Plan) { p.Author = "mallory" },
		"created":      func(p *Plan) { p.CreatedAt = p.CreatedAt.Add(time.Nanosecond) },
		"expires":      func(p *Plan) { p.ExpiresAt = p.ExpiresAt.Add(time.Second) },
		"file byte":    func(p *Plan) { p.Files["main.hcl"] = "enclave \"phx1-hci\" {} \n" },
		"variable":     func(p *Plan) { p.Variables["site"] = Variable{Value: "phx2"} },
		"state serial": func(p *Plan) { p.State.Serial++ },
		"attribute":    func(p *Plan) { p.Changes[0].After["num_cpus"] = 5 },
		"action":       func(p *Plan) { p.Changes[0].Action = Replace },
		"observed":     func(p *Plan) { p.Observed["x"] = map[string]any{"a": 1} },
		"rules":        func(p *Plan) { p.Rules.Required = 1 },
		"rules source": func(p *Plan) { p.RulesSource = "config" },
		"rules change": func(p *Plan) { p.RulesChange = &ApprovalRules{Required: 1} },
		"targets":      func(p *Plan) { p.Targets = []string{"ontap_volume.mail"} },
	}
	for name, mutate := range mutations {
		t.Run(name, func(t *testing.T) {
			p := basePlan(ks)
			p.Changes = []ResourceChange{vmUpdate()}
			before, err := p.ComputeDigest()
			if err != nil {
				t.Fatal(err)
			}
			mutate(p)
			after, _ := p.ComputeDigest()
			if before == after {
				t.Errorf("digest did not change")
			}
		})
	}
	t.Run("approvals and digest are not covered", func(t *testing.T) {
		p := basePlan(ks)
		before, _ := p.ComputeDigest()
		p.Digest = "sha256:whatever"
		p.Approvals = []Approval{{Approver: "alice", Signature: "x"}}
		after, _ := p.ComputeDigest()
		if before != after {
			t.Errorf("digest covers approvals or itself")
		}
	})
}

func TestDecodeErrors(t *testing.T) {
	ks := newTestKeys(t)
	p := basePlan(ks)
	p.Changes = []ResourceChange{vmUpdate()}
	good, err := Encode(p)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		in   []byte
		want string
	}{
		{"empty", nil, "plan file is truncated or not a plan"},
		{"truncated", good[:len(good)/2], "plan file is truncated or not a plan"},
		{"not a plan", []byte(`{"hello": "world"}`), "plan file is truncated or not a plan"},
		{"newer", bytes.Replace(good, []byte(`"format_version": 2`), []byte(`"format_version": 7`), 1), "plan file format 7 is newer than this enclave understands (2)"},
		{"one byte changed", bytes.Replace(good, []byte(`"num_cpus": 4`), []byte(`"num_cpus": 5`), 1), "plan file has been modified since it was made: digest " + p.Digest + " does not match content sha256:"},
		{"number spelled otherwise", bytes.Replace(good, []byte(`"num_cpus": 4`), []byte(`"num_cpus": 4.0`), 1), "has been modified"},
		{"unknown field", bytes.Replace(good, []byte(`"author"`), []byte(`"sneaky": 1, "author"`), 1), "unknown field"},
		{"trailing data", append(append([]byte{}, good...), []byte(`{}`)...), "not a plan: invalid character"},
		{"no digest", bytes.Replace(good, []byte(p.Digest), nil, 1), "plan file has no digest"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Decode(c.in)
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v (%T), want *FileError", err, err)
			}
			if !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %q, want it to contain %q", err, c.want)
			}
		})
	}
	// Whitespace is not content.
	if _, err := Decode(bytes.ReplaceAll(good, []byte("\n"), []byte("\r\n"))); err != nil {
		t.Errorf("reformatted plan refused: %v", err)
	}
}

func TestReadFileNamesPath(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.plan")
	os.WriteFile(path, []byte("{\"format_version\": 1, \"enc"), 0o644)
	_, err := ReadFile(path)
	var fe *FileError
	if !errors.As(err, &fe) || fe.Path != path || !strings.HasPrefix(err.Error(), path+": plan file is truncated") {
		t.Errorf("err = %v", err)
	}
}

func TestSensitiveValueHash(t *testing.T) {
	h, err := HashSensitiveValue("s3cret")
	if err != nil {
		t.Fatal(err)
	}
	h2, _ := HashSensitiveValue("s3cret")
	if h == h2 {
		t.Errorf("two hashes of one value are equal: the salt is missing")
	}
	if strings.Contains(h, "s3cret") || !strings.HasPrefix(h, "sha256:") || strings.Count(h, ":") != 2 {
		t.Errorf("hash %q has the wrong form", h)
	}
	for _, c := range []struct {
		v    any
		want bool
	}{{"s3cret", true}, {"s3cret ", false}, {"", false}, {nil, false}} {
		if got := MatchesSensitiveValue(h, c.v); got != c.want {
			t.Errorf("MatchesSensitiveValue(%v) = %v", c.v, got)
		}
	}
	if MatchesSensitiveValue("garbage", "s3cret") || MatchesSensitiveValue("sha256::abc", "s3cret") {
		t.Errorf("malformed hash matched")
	}
}

// FuzzDecode: Decode never panics, and whatever it accepts encodes back to a plan with the
// same digest.
func FuzzDecode(f *testing.F) {
	ks := newTestKeys(f)
	p := basePlan(ks)
	p.Changes = []ResourceChange{vmUpdate()}
	if b, err := Encode(p); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Decode(b)
		if err != nil {
			var fe *FileError
			if !errors.As(err, &fe) {
				t.Fatalf("Decode error is %T, not *FileError: %v", err, err)
			}
			return
		}
		d := p.Digest
		out, err := Encode(p)
		if err != nil {
			t.Fatalf("accepted plan does not encode: %v", err)
		}
		q, err := Decode(out)
		if err != nil {
			t.Fatalf("re-encoded plan refused: %v", err)
		}
		if q.Digest != d {
			t.Fatalf("digest changed: %s -> %s", d, q.Digest)
		}
	})
}
