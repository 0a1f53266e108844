package vsphere

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/enclave-dev/enclave/providers"
)

// trust decides whether a vCenter certificate is accepted: signed by the CA in ca_file,
// matching the pinned thumbprint, or anything at all when insecure (warned). With none of
// them set, the system roots decide.
type trust struct {
	host       string // the name the certificate must be valid for (the URL's host)
	caFile     string
	roots      *x509.CertPool
	thumbprint string // lower-case hex of the SHA-256 fingerprint
	insecure   bool
}

func newTrust(baseDir, host string, config providers.Object) (*trust, error) {
	t := &trust{host: host, insecure: providers.Bool(config, "insecure")}
	if f := providers.String(config, "ca_file"); f != "" {
		if !filepath.IsAbs(f) && baseDir != "" {
			f = filepath.Join(baseDir, f)
		}
		pem, err := os.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		t.roots = x509.NewCertPool()
		if !t.roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file %s: no PEM certificate in it", f)
		}
		t.caFile = f
	}
	if tp := providers.String(config, "thumbprint"); tp != "" {
		norm, err := normalizeThumbprint(tp)
		if err != nil {
			return nil, err
		}
		t.thumbprint = norm
	}
	return t, nil
}

func normalizeThumbprint(tp string) (string, error) {
	s := strings.TrimSpace(tp)
	if i := strings.IndexByte(s, ':'); i > 0 && strings.EqualFold(s[:i], "sha256") {
		s = s[i+1:]
	}
	s = strings.ToLower(strings.ReplaceAll(s, ":", ""))
	if b, err := hex.DecodeString(s); err != nil || len(b) != sha256.Size {
		return "", fmt.Errorf("thumbprint %q: want a SHA-256 fingerprint, \"sha256:HEX\" or colon-separated hex", tp)
	}
	return s, nil
}

// Fingerprint formats a certificate's SHA-256 fingerprint as the thumbprint attribute takes it.
func Fingerprint(der []byte) string {
	sum := sha256.Sum256(der)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	parts := make([]string, 0, len(sum))
	for i := 0; i < len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return "sha256:" + strings.Join(parts, ":")
}

type certError struct {
	fingerprint string
	reason      string
}

func (e *certError) Error() string {
	return fmt.Sprintf("server certificate %s not trusted: %s", e.fingerprint, e.reason)
}

func (t *trust) verify(cs tls.ConnectionState) error {
	if t.insecure {
		return nil
	}
	if len(cs.PeerCertificates) == 0 {
		return errors.New("server sent no certificate")
	}
	leaf := cs.PeerCertificates[0]
	fp := Fingerprint(leaf.Raw)
	if t.thumbprint != "" {
		sum := sha256.Sum256(leaf.Raw)
		if hex.EncodeToString(sum[:]) == t.thumbprint {
			return nil
		}
		if t.roots == nil {
			return &certError{fp, "it does not match the pinned thumbprint"}
		}
	}
	inter := x509.NewCertPool()
	for _, c := range cs.PeerCertificates[1:] {
		inter.AddCert(c)
	}
	_, err := leaf.Verify(x509.VerifyOptions{Roots: t.roots, Intermediates: inter, DNSName: t.host})
	if err == nil {
		return nil
	}
	var hostErr x509.HostnameError
	switch {
	case errors.As(err, &hostErr):
		return &certError{fp, fmt.Sprintf("not valid for %s, the host in url (%v)", t.host, err)}
	case t.roots != nil:
		return &certError{fp, fmt.Sprintf("not signed by the CA in ca_file %s (%v)", t.caFile, err)}
	default:
		return &certError{fp, fmt.Sprintf("%v; set ca_file to vCenter's CA or pin thumbprint = %q", err, fp)}
	}
}
