package plans

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
)

// DigestPrefix names the hash in a digest string.
const DigestPrefix = "sha256:"

// canonicalJSON is the encoding the digest is computed over: encoding/json of the value, no
// indentation, HTML escaping off, no trailing newline. Maps come out with sorted keys; numbers
// come out as the literal they were decoded from (Decode uses json.Number), so a plan read back
// from its file encodes to exactly the bytes it was digested over.
func canonicalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// ComputeDigest returns "sha256:" and the hex SHA-256 of the canonical encoding of the plan
// with Digest and Approvals cleared (see the package documentation for the exact rule).
func (p *Plan) ComputeDigest() (string, error) {
	c := *p
	c.Digest = ""
	c.Approvals = nil
	c.AuthorSignature = ""
	b, err := canonicalJSON(&c)
	if err != nil {
		return "", fmt.Errorf("encoding plan for its digest: %w", err)
	}
	sum := sha256.Sum256(b)
	return DigestPrefix + hex.EncodeToString(sum[:]), nil
}

// DigestLine is the line reviewers sign, as `enclave show FILE --digest` prints it:
// "enclave-plan ENCLAVE sha256:HEX". The signed message is this line followed by one "\n".
// It uses the stored Digest, or computes one when the plan has none yet.
func (p *Plan) DigestLine() string {
	d := p.Digest
	if d == "" {
		d, _ = p.ComputeDigest()
	}
	return digestLine(p.Enclave, d)
}

func digestLine(enclave, digest string) string {
	return Namespace + " " + enclave + " " + digest
}

// SignedMessage is the exact byte string an approval signs: DigestLine() and a newline.
func (p *Plan) SignedMessage() []byte { return []byte(p.DigestLine() + "\n") }

// verifiedMessage is the message built from the recomputed digest, so a signature is only
// ever checked against what the plan really holds, not what its digest field claims.
func (p *Plan) verifiedMessage() ([]byte, string, error) {
	d, err := p.ComputeDigest()
	if err != nil {
		return nil, "", err
	}
	return []byte(digestLine(p.Enclave, d) + "\n"), d, nil
}

// HashSensitiveValue returns the Variable.Hash of a sensitive value: "sha256:SALT:HEX" where
// SALT is 32 random hex digits and HEX is the hex SHA-256 of SALT, ":" and the value's
// canonical JSON. The salt keeps equal secrets in two plans from hashing alike.
func HashSensitiveValue(v any) (string, error) {
	var salt [16]byte
	if _, err := rand.Read(salt[:]); err != nil {
		return "", err
	}
	return hashWithSalt(hex.EncodeToString(salt[:]), v)
}

func hashWithSalt(salt string, v any) (string, error) {
	b, err := canonicalJSON(v)
	if err != nil {
		return "", fmt.Errorf("encoding sensitive value: %w", err)
	}
	sum := sha256.Sum256(append([]byte(salt+":"), b...))
	return DigestPrefix + salt + ":" + hex.EncodeToString(sum[:]), nil
}

// MatchesSensitiveValue reports whether v is the value hash was made from.
func MatchesSensitiveValue(hash string, v any) bool {
	rest, ok := strings.CutPrefix(hash, DigestPrefix)
	if !ok {
		return false
	}
	salt, _, ok := strings.Cut(rest, ":")
	if !ok || salt == "" {
		return false
	}
	got, err := hashWithSalt(salt, v)
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(hash)) == 1
}
