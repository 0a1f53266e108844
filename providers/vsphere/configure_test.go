package vsphere

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	pem  []byte
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return &testCA{cert: cert, key: key, pem: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})}
}

// serverTLS is a certificate for 127.0.0.1 signed by the CA.
func (ca *testCA) serverTLS(t *testing.T) *tls.Config {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "vcenter.lab"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, KeyUsage: x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	require.NoError(t, err)
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der}, PrivateKey: key}}}
}

func TestConfigureTrust(t *testing.T) {
	ca := newTestCA(t, "lab CA")
	other := newTestCA(t, "someone else's CA")
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "ca.pem"), ca.pem, 0o600))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "other.pem"), other.pem, 0o600))

	sim, err := vcsim.Start(vcsim.Options{TLS: ca.serverTLS(t), Username: labUser, Password: labPass})
	require.NoError(t, err)
	t.Cleanup(sim.Close)
	fp := Fingerprint(sim.Certificate())
	sum := sha256.Sum256(sim.Certificate())
	bare := "sha256:" + hex.EncodeToString(sum[:])
	wrongPin := "sha256:" + strings.Repeat("ab", 32)

	tests := []struct {
		name    string
		extra   providers.Object
		wantErr []string
		warned  bool
	}{
		{name: "ca_file relative to the enclave directory", extra: providers.Object{"ca_file": "ca.pem"}},
		{name: "wrong CA refused with the server's fingerprint", extra: providers.Object{"ca_file": "other.pem"},
			wantErr: []string{sim.URL.String(), fp, "not signed by the CA in ca_file", "other.pem"}},
		{name: "pinned thumbprint, colon hex", extra: providers.Object{"thumbprint": fp}},
		{name: "pinned thumbprint, plain hex", extra: providers.Object{"thumbprint": bare}},
		{name: "pin mismatch refused with the server's fingerprint", extra: providers.Object{"thumbprint": wrongPin},
			wantErr: []string{sim.URL.String(), fp, "does not match the pinned thumbprint"}},
		{name: "nothing to trust it by", extra: providers.Object{},
			wantErr: []string{sim.URL.String(), fp, "set ca_file", "thumbprint"}},
		{name: "malformed thumbprint", extra: providers.Object{"thumbprint": "sha1:00"},
			wantErr: []string{"want a SHA-256 fingerprint"}},
		{name: "missing ca_file", extra: providers.Object{"ca_file": "nope.pem"},
			wantErr: []string{"ca_file", "nope.pem"}},
		{name: "insecure connects and warns", extra: providers.Object{"insecure": true}, warned: true},
		{name: "CA-signed certificate for another name", extra: providers.Object{"ca_file": "ca.pem", "url": strings.Replace(sim.URL.String(), "127.0.0.1", "localhost", 1)},
			wantErr: []string{fp, "not valid for localhost, the host in url"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var warnings []string
			p := New(providers.Options{BaseDir: dir, Warnf: func(f string, a ...any) { warnings = append(warnings, f) }})
			cfg := providers.Object{"url": sim.URL.String(), "username": labUser, "password": labPass}
			for k, v := range tc.extra {
				cfg[k] = v
			}
			err := p.Configure(context.Background(), cfg)
			if len(tc.wantErr) > 0 {
				require.Error(t, err)
				for _, s := range tc.wantErr {
					require.ErrorContains(t, err, s)
				}
				require.NotContains(t, err.Error(), labPass)
			} else {
				require.NoError(t, err)
				require.NoError(t, p.Close())
			}
			if tc.warned {
				require.Len(t, warnings, 1)
				require.Contains(t, warnings[0], "INSECURE")
			} else {
				require.Empty(t, warnings)
			}
		})
	}
}

func TestConfigureLoginAndReachability(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	dead, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	deadURL := "https://" + dead.Addr().String() + "/sdk"
	require.NoError(t, dead.Close())

	tests := []struct {
		name    string
		edit    func(providers.Object)
		wantErr []string
	}{
		{name: "wrong password", edit: func(c providers.Object) { c["password"] = "wrong-password" },
			wantErr: []string{"vcenter " + l.sim.URL.String() + ": login failed: "}},
		{name: "unknown user", edit: func(c providers.Object) { c["username"] = "mallory" },
			wantErr: []string{"vcenter " + l.sim.URL.String() + ": login failed: "}},
		{name: "unreachable", edit: func(c providers.Object) { c["url"] = deadURL },
			wantErr: []string{"vcenter " + deadURL + ": unreachable: ", "connection refused"}},
		{name: "not a URL", edit: func(c providers.Object) { c["url"] = "vcenter.lab" },
			wantErr: []string{"vcenter vcenter.lab: not a URL"}},
		{name: "plain http", edit: func(c providers.Object) { c["url"] = strings.Replace(l.sim.URL.String(), "https:", "http:", 1) },
			wantErr: []string{"http would send the password in the clear; use https"}},
		{name: "credentials in a bad URL are not echoed", edit: func(c providers.Object) { c["url"] = "wrong-password@vcenter.lab" },
			wantErr: []string{"vcenter REDACTED@vcenter.lab: not a URL"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := l.config()
			tc.edit(cfg)
			err := New(providers.Options{}).Configure(context.Background(), cfg)
			require.Error(t, err)
			for _, s := range tc.wantErr {
				require.ErrorContains(t, err, s)
			}
			require.NotContains(t, err.Error(), "wrong-password")
		})
	}
}

func TestConfigureOneSessionPerRun(t *testing.T) {
	l := newLab(t, vcsim.Options{})
	l.sim.ResetRequests()
	p := New(providers.Options{})
	require.NoError(t, p.Configure(context.Background(), l.config()))
	_, err := p.Refresh(context.Background(), nil)
	require.NoError(t, err)
	_, err = p.ReadData(context.Background(), []providers.DataRequest{{Addr: "data.vsphere_datacenter.dc", Type: "vsphere_datacenter", Args: providers.Object{"name": "DC0"}}})
	require.NoError(t, err)
	require.NoError(t, p.Close())
	got := l.sim.Requests()
	require.Equal(t, 1, got.ByMethod["Login"], got.String())
	require.Equal(t, 1, got.ByMethod["Logout"], got.String())
}
