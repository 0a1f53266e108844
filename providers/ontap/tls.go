package ontap

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"
)

// trust says how the server certificate is checked. Exactly one of the modes applies, with
// fingerprint pinning allowed on top of a CA.
type trust struct {
	roots       *x509.CertPool // nil: the system roots
	caFile      string         // for messages
	fingerprint []byte         // sha256 of the leaf certificate, when pinned
	insecure    bool
}

// certFingerprint is the "sha256:HEX" form of a certificate, the form fingerprint takes.
func certFingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// parseFingerprint accepts "sha256:HEX", with or without colons between bytes, any case.
func parseFingerprint(s string) ([]byte, error) {
	rest, ok := strings.CutPrefix(strings.ToLower(strings.TrimSpace(s)), "sha256:")
	if !ok {
		return nil, fmt.Errorf("fingerprint %q must start with \"sha256:\"", s)
	}
	rest = strings.ReplaceAll(rest, ":", "")
	b, err := hex.DecodeString(rest)
	if err != nil || len(b) != sha256.Size {
		return nil, fmt.Errorf("fingerprint %q is not sha256: followed by 64 hex digits", s)
	}
	return b, nil
}

func loadCA(path string) (*x509.CertPool, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ca_file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(data) {
		return nil, fmt.Errorf("ca_file %s: no PEM certificate found", path)
	}
	return pool, nil
}

// tlsConfig verifies the server itself (InsecureSkipVerify only turns off the library's
// check) so that every failure can name the certificate the server presented.
func (t *trust) tlsConfig(serverName string) *tls.Config {
	return &tls.Config{
		MinVersion:         tls.VersionTLS12,
		InsecureSkipVerify: true, //nolint:gosec // verified in VerifyConnection below
		VerifyConnection: func(cs tls.ConnectionState) error {
			if t.insecure {
				return nil
			}
			if len(cs.PeerCertificates) == 0 {
				return errors.New("server presented no certificate")
			}
			leaf := cs.PeerCertificates[0]
			if t.fingerprint != nil {
				sum := sha256.Sum256(leaf.Raw)
				if !equalBytes(sum[:], t.fingerprint) {
					return fmt.Errorf("server certificate %s does not match the pinned fingerprint sha256:%s",
						certFingerprint(leaf), hex.EncodeToString(t.fingerprint))
				}
				if t.roots == nil {
					return nil
				}
			}
			inter := x509.NewCertPool()
			for _, c := range cs.PeerCertificates[1:] {
				inter.AddCert(c)
			}
			name := serverName
			if name == "" {
				name = cs.ServerName
			}
			_, err := leaf.Verify(x509.VerifyOptions{Roots: t.roots, Intermediates: inter, DNSName: name})
			if err != nil {
				by := "the system roots"
				if t.caFile != "" {
					by = "ca_file " + t.caFile
				}
				return fmt.Errorf("server certificate %s (subject %q) not trusted by %s: %v",
					certFingerprint(leaf), leaf.Subject.String(), by, err)
			}
			return nil
		},
	}
}

func equalBytes(a, b []byte) bool {
	if len(a) != len(b) {
		return false
	}
	var d byte
	for i := range a {
		d |= a[i] ^ b[i]
	}
	return d == 0
}

func (t *trust) httpClient(host string) *http.Client {
	serverName, _, err := net.SplitHostPort(host)
	if err != nil {
		serverName = host
	}
	tr := &http.Transport{
		Proxy:               http.ProxyFromEnvironment,
		TLSClientConfig:     t.tlsConfig(serverName),
		TLSHandshakeTimeout: 15 * time.Second,
		MaxIdleConnsPerHost: 16,
		IdleConnTimeout:     90 * time.Second,
		ForceAttemptHTTP2:   true,
	}
	return &http.Client{
		Transport: tr,
		// A redirect would carry the credentials elsewhere; report it instead.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}
