package ontap

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
)

func TestSchemaValid(t *testing.T) {
	s := New(providers.Options{}).Schema()
	require.NoError(t, s.Provider.Validate("provider.ontap"))
	for n, r := range s.Resources {
		require.NoError(t, r.Validate(n))
		assert.Contains(t, r.Attributes, "id", n)
		require.Contains(t, kinds, n, "every resource type has an implementation")
	}
	for n, d := range s.DataSources {
		require.NoError(t, d.Validate("data."+n))
		require.Contains(t, dataKinds, n)
	}
	assert.True(t, s.Resources[typeVolume].Destructive)
	assert.False(t, s.Transactional)
	assert.True(t, s.Provider.Attributes["password"].Sensitive)
	for _, a := range []string{"svm", "aggregate", "type"} {
		assert.True(t, s.Resources[typeVolume].Attributes[a].ForceNew, a)
	}
	for _, a := range []string{"source_path", "destination_path"} {
		assert.True(t, s.Resources[typeSnapMirror].Attributes[a].ForceNew, a)
	}
	assert.True(t, s.Resources[typeExportPolicy].Blocks["rule"].Ordered)
}

func fingerprintOf(srv *httptest.Server) string {
	sum := sha256.Sum256(srv.Certificate().Raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestConfigureTrust(t *testing.T) {
	l := newLab(t, ontapsim.Options{})
	// httptest servers share one certificate; a wrong CA must come from elsewhere
	writeForeignCA(t, l.dir, "wrong-ca.pem")
	fp := fingerprintOf(l.srv)
	upperColons := "SHA256:" + strings.ToUpper(colonHex(fp[len("sha256:"):]))
	wrongFP := "sha256:" + strings.Repeat("ab", 32)

	cases := []struct {
		name    string
		change  providers.Object
		drop    []string
		err     []string
		warning bool
	}{
		{name: "ca_file"},
		{name: "fingerprint", drop: []string{"ca_file"}, change: providers.Object{"fingerprint": fp}},
		{name: "fingerprint any spelling", drop: []string{"ca_file"}, change: providers.Object{"fingerprint": upperColons}},
		{name: "ca_file and fingerprint", change: providers.Object{"fingerprint": fp}},
		{name: "wrong CA", change: providers.Object{"ca_file": "wrong-ca.pem"},
			err: []string{"ontap phx1: GET /api/cluster", "not trusted by ca_file wrong-ca.pem", fp}},
		{name: "system roots", drop: []string{"ca_file"}, err: []string{"not trusted by the system roots", fp}},
		{name: "fingerprint mismatch", drop: []string{"ca_file"}, change: providers.Object{"fingerprint": wrongFP},
			err: []string{"server certificate " + fp + " does not match the pinned fingerprint " + wrongFP}},
		{name: "insecure", drop: []string{"ca_file"}, change: providers.Object{"insecure": true}, warning: true},
		{name: "wrong password", change: providers.Object{"password": "hunter2-wrong"},
			err: []string{"GET /api/cluster", `authentication failed for user "admin" (HTTP 401)`}},
		{name: "missing ca_file", change: providers.Object{"ca_file": "nope.pem"}, err: []string{"ca_file", "nope.pem"}},
		{name: "ca_file not PEM", change: providers.Object{"ca_file": "../"}, err: []string{"ca_file"}},
		{name: "bad fingerprint", change: providers.Object{"fingerprint": "md5:abcd"}, err: []string{`must start with "sha256:"`}},
		{name: "short fingerprint", change: providers.Object{"fingerprint": "sha256:abcd"}, err: []string{"64 hex digits"}},
		{name: "insecure with ca_file", change: providers.Object{"insecure": true}, err: []string{"contradicts"}},
		{name: "http url", change: providers.Object{"url": strings.Replace(l.srv.URL, "https", "http", 1)}, err: []string{"must be https://host[:port]"}},
		{name: "url with path", change: providers.Object{"url": l.srv.URL + "/sdk"}, err: []string{`path "/sdk" not allowed`}},
		{name: "url with /api", change: providers.Object{"url": l.srv.URL + "/api/"}},
		{name: "url with credentials", change: providers.Object{"url": strings.Replace(l.srv.URL, "https://", "https://u:p@", 1)}, err: []string{"must not carry credentials"}},
		{name: "no url", drop: []string{"url"}, err: []string{"url is required"}},
		{name: "bad job timeout", change: providers.Object{"job_timeout_seconds": int64(0)}, err: []string{"job_timeout_seconds must be a positive"}},
		{name: "fractional job timeout", change: providers.Object{"job_timeout_seconds": 1.5}, err: []string{"job_timeout_seconds"}},
		{name: "job timeout", change: providers.Object{"job_timeout_seconds": int64(30)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var warnings []string
			p := New(providers.Options{BaseDir: l.dir, Warnf: func(f string, a ...any) { warnings = append(warnings, f) }}).(*Provider)
			cfg := without(l.config(), tc.drop...)
			for k, v := range tc.change {
				cfg[k] = v
			}
			err := p.Configure(context.Background(), cfg)
			if len(tc.err) > 0 {
				require.Error(t, err)
				for _, e := range tc.err {
					assert.Contains(t, err.Error(), e)
				}
				assert.NotContains(t, err.Error(), providers.String(cfg, "password"), "no password in errors")
				return
			}
			require.NoError(t, err)
			_, err = p.Refresh(context.Background(), []providers.RefreshRequest{{Addr: "ontap_svm.a", Type: typeSVM, ID: "x"}})
			require.NoError(t, err)
			if tc.warning {
				require.Len(t, warnings, 1)
				assert.Contains(t, warnings[0], "NOT verified")
			} else {
				assert.Empty(t, warnings)
			}
		})
	}
}

func colonHex(h string) string {
	var parts []string
	for i := 0; i+2 <= len(h); i += 2 {
		parts = append(parts, h[i:i+2])
	}
	return strings.Join(parts, ":")
}

func TestUseBeforeConfigure(t *testing.T) {
	p := New(providers.Options{})
	_, err := p.Refresh(context.Background(), nil)
	require.ErrorContains(t, err, "before Configure")
	res := p.Apply(context.Background(), []providers.Change{{Addr: "a", Type: typeVolume, Action: providers.Create}}, nil)
	require.ErrorContains(t, res[0].Err, "before Configure")
	require.NoError(t, p.Close())
}

func TestNormalize(t *testing.T) {
	p := New(providers.Options{}).(*Provider)
	cases := []struct {
		typ  string
		in   providers.Object
		want providers.Object
		err  string
	}{
		{typ: typeVolume, in: providers.Object{"size": "500GiB"}, want: providers.Object{"size": "536870912000"}},
		{typ: typeVolume, in: providers.Object{"size": "20MB"}, want: providers.Object{"size": "20971520"}},
		{typ: typeVolume, in: providers.Object{"size": "536870912000"}, want: providers.Object{"size": "536870912000"}},
		{typ: typeVolume, in: providers.Object{"size": "1 TiB"}, want: providers.Object{"size": "1099511627776"}},
		{typ: typeVolume, in: providers.Object{"size": "lots"}, err: "want bytes or a number with a unit"},
		{typ: typeInterface, in: providers.Object{"netmask": "255.255.255.0"}, want: providers.Object{"netmask": "24"}},
		{typ: typeInterface, in: providers.Object{"netmask": "/16"}, want: providers.Object{"netmask": "16"}},
		{typ: typeInterface, in: providers.Object{"netmask": "255.0.255.0"}, err: "not contiguous"},
		{typ: typeSVM, in: providers.Object{"protocols": []any{"NFS", "iscsi"}, "aggregates": []any{"b", "a"}},
			want: providers.Object{"protocols": []any{"iscsi", "nfs"}, "aggregates": []any{"a", "b"}}},
		{typ: typeSVM, in: providers.Object{"protocols": []any{"smb3"}}, err: `"smb3" is not one of`},
		{typ: typeExportPolicy, in: providers.Object{"rule": []any{map[string]any{"clients": []any{"h"}, "ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}}}},
			want: providers.Object{"rule": []any{map[string]any{"clients": []any{"h"}, "protocols": []any{"any"}, "ro_rule": []any{"sys"}, "rw_rule": []any{"sys"}, "superuser": []any{"none"}}}}},
		{typ: typeSnapshotPolicy, in: providers.Object{"copies": []any{map[string]any{"schedule": "weekly", "count": 2}, map[string]any{"schedule": "daily", "count": int64(7), "prefix": "d"}}},
			want: providers.Object{"copies": []any{map[string]any{"schedule": "daily", "count": int64(7), "prefix": "d"}, map[string]any{"schedule": "weekly", "count": int64(2), "prefix": "weekly"}}}},
	}
	for i, tc := range cases {
		t.Run(fmt.Sprintf("%s/%d", tc.typ, i), func(t *testing.T) {
			got, err := p.Normalize(tc.typ, tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestParseSize(t *testing.T) {
	cases := []struct {
		in   string
		want int64
		err  string
	}{
		{"536870912000", 536870912000, ""},
		{"500GiB", 500 << 30, ""},
		{"500GB", 500 << 30, ""},
		{"500g", 500 << 30, ""},
		{"20MB", 20 << 20, ""},
		{"1TiB", 1 << 40, ""},
		{"1.5TiB", 3 << 39, ""},
		{"2PB", 2 << 50, ""},
		{"100 KiB", 100 << 10, ""},
		{"1b", 1, ""},
		{"0.5B", 0, "whole number of bytes"},
		{"10XB", 0, `unknown unit "XB"`},
		{"GiB", 0, "want bytes"},
		{"", 0, "want bytes"},
		{"-5GiB", 0, "want bytes"},
		{"1.2.3GiB", 0, "is not a number"},
		{"99999999PiB", 0, "too large"},
	}
	for _, tc := range cases {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseSize(tc.in)
			if tc.err != "" {
				require.ErrorContains(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// writeForeignCA writes a CA certificate that did not sign the test server's.
func writeForeignCA(t *testing.T, dir, name string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(7),
		Subject:               pkix.Name{CommonName: "someone else's CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
}
