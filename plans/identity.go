package plans

import (
	"encoding/hex"
	"strings"

	"golang.org/x/crypto/ssh"
)

// KeyIdentity names the person behind a public key: the underlying public key, whatever the
// wrapper. An ssh-ed25519 key and the sk-ssh-ed25519@openssh.com form of the same key bytes
// are one identity (so one key never counts as two approvers), as are an ECDSA key and its
// security-key form. Two keys are the same identity exactly when their KeyIdentity is equal.
func KeyIdentity(pub ssh.PublicKey) string {
	wire := pub.Marshal()
	switch pub.Type() {
	case ssh.KeyAlgoED25519, ssh.KeyAlgoSKED25519:
		var k struct {
			Name     string
			KeyBytes []byte
			Rest     []byte `ssh:"rest"`
		}
		if ssh.Unmarshal(wire, &k) == nil {
			return "ed25519:" + hex.EncodeToString(k.KeyBytes)
		}
	case ssh.KeyAlgoECDSA256, ssh.KeyAlgoECDSA384, ssh.KeyAlgoECDSA521, ssh.KeyAlgoSKECDSA256:
		var k struct {
			Name  string
			Curve string
			Point []byte
			Rest  []byte `ssh:"rest"`
		}
		if ssh.Unmarshal(wire, &k) == nil {
			return "ecdsa-" + k.Curve + ":" + hex.EncodeToString(k.Point)
		}
	}
	return "key:" + strings.TrimPrefix(ssh.FingerprintSHA256(pub), "SHA256:")
}

// keyIdentityOfLine is KeyIdentity of an authorized_keys line, or "" when it does not parse.
func keyIdentityOfLine(line string) string {
	pub, err := ParseApproverKey(line)
	if err != nil {
		return ""
	}
	return KeyIdentity(pub)
}
