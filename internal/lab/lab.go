package lab

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/providers/junos/junossim"
	"github.com/enclave-dev/enclave/providers/ontap/ontapsim"
	"github.com/enclave-dev/enclave/providers/vsphere/vcsim"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// Device is one Junos simulator to run.
type Device struct {
	Name        string // e.g. srx-a
	Personality string // srx (default) or ex
}

// Options say what to run.
type Options struct {
	Dir   string // where lab.env and the keys go (created)
	Junos []Device
	Ontap []string // cluster names, e.g. phx1, scl3
	// ONTAPSVMs are SVMs created on every cluster at start (none by default).
	ONTAPSVMs []string
	Logf      func(format string, args ...any)
}

// Lab is a running set of simulators.
type Lab struct {
	Dir     string
	VSphere *vcsim.Sim
	Junos   map[string]*junossim.Server
	Ontap   map[string]*ontapsim.Server
	// Env is what lab.env holds, by name.
	Env map[string]string

	ontapServers []*http.Server
	closers      []func()
}

// User is the login the Junos simulators accept with id_ed25519, and the vSphere user.
const User = "enclave"

// ParseDevice reads NAME or NAME:srx / NAME:ex.
func ParseDevice(s string) (Device, error) {
	name, pers, _ := strings.Cut(s, ":")
	if pers == "" {
		pers = "srx"
	}
	if name == "" || (pers != "srx" && pers != "ex") {
		return Device{}, fmt.Errorf("--junos %q: want NAME, NAME:srx or NAME:ex", s)
	}
	return Device{Name: name, Personality: pers}, nil
}

// EnvName upper-cases a device or cluster name with - as _.
func EnvName(name string) string {
	return strings.ToUpper(strings.NewReplacer("-", "_", ".", "_").Replace(name))
}

// Start runs everything and writes the lab directory. Close stops it.
func Start(opts Options) (l *Lab, err error) {
	if opts.Dir == "" {
		opts.Dir = ".enclave-lab"
	}
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	l = &Lab{Dir: dir, Junos: map[string]*junossim.Server{}, Ontap: map[string]*ontapsim.Server{}, Env: map[string]string{}}
	defer func() {
		if err != nil {
			l.Close()
			l = nil
		}
	}()
	caCert, caKey, err := newCA()
	if err != nil {
		return nil, err
	}
	if err := writePEM(filepath.Join(dir, "ca.pem"), "CERTIFICATE", caCert.Raw, 0o644); err != nil {
		return nil, err
	}
	serverTLS, err := serverCert(caCert, caKey)
	if err != nil {
		return nil, err
	}
	password := randomToken(12)

	// vSphere.
	vs, err := vcsim.Start(vcsim.Options{Dir: filepath.Join(dir, "vsphere"), TLS: serverTLS, Username: User, Password: password})
	if err != nil {
		return nil, fmt.Errorf("starting the vSphere simulator: %w", err)
	}
	l.VSphere = vs
	l.closers = append(l.closers, vs.Close)
	l.Env["ENCLAVE_LAB_VSPHERE_URL"] = vs.URL.String()
	l.Env["ENCLAVE_LAB_VSPHERE_USER"] = User
	l.Env["ENCLAVE_LAB_VSPHERE_PASSWORD"] = password
	// govc reads these, so `source lab.env; govc ls` works as it does against a real vCenter.
	l.Env["GOVC_URL"] = vs.URL.String()
	l.Env["GOVC_USERNAME"] = User
	l.Env["GOVC_PASSWORD"] = password
	l.Env["GOVC_TLS_CA_CERTS"] = filepath.Join(dir, "ca.pem")

	// Junos: one client key for every device; every host key in known_hosts.
	if len(opts.Junos) > 0 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		block, err := ssh.MarshalPrivateKey(priv, "enclave lab")
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "id_ed25519"), pem.EncodeToMemory(block), 0o600); err != nil {
			return nil, err
		}
		sshPub, err := ssh.NewPublicKey(pub)
		if err != nil {
			return nil, err
		}
		if err := os.WriteFile(filepath.Join(dir, "id_ed25519.pub"), ssh.MarshalAuthorizedKey(sshPub), 0o644); err != nil {
			return nil, err
		}
		var known []string
		for _, d := range opts.Junos {
			if _, dup := l.Junos[d.Name]; dup {
				return nil, fmt.Errorf("--junos %s given twice", d.Name)
			}
			srv, err := junossim.New(junossim.Options{Personality: d.Personality, Hostname: d.Name, Users: map[string][]ssh.PublicKey{User: {sshPub}}, Logf: opts.Logf})
			if err != nil {
				return nil, err
			}
			addr, err := srv.Listen("127.0.0.1:0")
			if err != nil {
				return nil, err
			}
			l.Junos[d.Name] = srv
			l.closers = append(l.closers, func() { _ = srv.Close() })
			host, port, _ := net.SplitHostPort(addr.String())
			known = append(known, knownhosts.Line([]string{knownhosts.Normalize(addr.String())}, srv.HostKey()))
			n := EnvName(d.Name)
			l.Env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"] = host
			l.Env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"] = port
			l.Env["ENCLAVE_LAB_JUNOS_"+n+"_USER"] = User
		}
		if err := os.WriteFile(filepath.Join(dir, "known_hosts"), []byte(strings.Join(known, "\n")+"\n"), 0o644); err != nil {
			return nil, err
		}
	}

	// ONTAP: every cluster peered with every other, so SnapMirror works across sites.
	for _, name := range opts.Ontap {
		if _, dup := l.Ontap[name]; dup {
			return nil, fmt.Errorf("--ontap %s given twice", name)
		}
		opw := randomToken(12)
		sim := ontapsim.New(ontapsim.Options{ClusterName: name, Username: "admin", Password: opw, SVMs: opts.ONTAPSVMs, Logf: opts.Logf})
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		hs := &http.Server{Handler: sim, TLSConfig: serverTLS.Clone(), ReadHeaderTimeout: 10 * time.Second}
		go func() { _ = hs.ServeTLS(ln, "", "") }()
		l.ontapServers = append(l.ontapServers, hs)
		l.closers = append(l.closers, func() { _ = hs.Close() })
		for _, other := range l.Ontap {
			sim.Peer(other)
		}
		l.Ontap[name] = sim
		n := EnvName(name)
		l.Env["ENCLAVE_LAB_ONTAP_"+n+"_URL"] = "https://" + ln.Addr().String()
		l.Env["ENCLAVE_LAB_ONTAP_"+n+"_USER"] = "admin"
		l.Env["ENCLAVE_LAB_ONTAP_"+n+"_PASSWORD"] = opw
	}
	l.Env["ENCLAVE_LAB_DIR"] = dir
	if err := l.writeEnv(); err != nil {
		return nil, err
	}
	if err := l.writeVars(); err != nil {
		return nil, err
	}
	return l, nil
}

// writeEnv writes lab.env: KEY=value lines, sourceable by any POSIX shell.
func (l *Lab) writeEnv() error {
	keys := make([]string, 0, len(l.Env))
	for k := range l.Env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	b.WriteString("# enclave lab: how to reach the simulators. Source it: . ./lab.env\n")
	for _, k := range keys {
		fmt.Fprintf(&b, "%s=%s\n", k, l.Env[k])
	}
	return os.WriteFile(filepath.Join(l.Dir, "lab.env"), []byte(b.String()), 0o600)
}

// writeVars writes lab.vars, an HCL variables file (--var-file) that the bundled enclaves
// take in the lab: the same facts as lab.env under enclave variable names.
func (l *Lab) writeVars() error {
	var b strings.Builder
	b.WriteString("# enclave lab variables: enclave plan DIR --var-file " + filepath.Join(l.Dir, "lab.vars") + "\n")
	line := func(k, v string) { fmt.Fprintf(&b, "%s = %q\n", k, v) }
	line("vsphere_url", l.Env["ENCLAVE_LAB_VSPHERE_URL"])
	line("vsphere_user", l.Env["ENCLAVE_LAB_VSPHERE_USER"])
	line("vsphere_password", l.Env["ENCLAVE_LAB_VSPHERE_PASSWORD"])
	line("ca_file", filepath.Join(l.Dir, "ca.pem"))
	line("vsphere_ca_file", filepath.Join(l.Dir, "ca.pem"))
	if len(l.Ontap) > 0 {
		line("ontap_ca_file", filepath.Join(l.Dir, "ca.pem"))
	}
	if len(l.Junos) > 0 {
		line("junos_private_key_file", filepath.Join(l.Dir, "id_ed25519"))
		line("junos_known_hosts_file", filepath.Join(l.Dir, "known_hosts"))
		line("junos_user", User)
	}
	for _, name := range sortedNames(l.Junos) {
		n := strings.ToLower(EnvName(name))
		line("junos_"+n+"_host", l.Env["ENCLAVE_LAB_JUNOS_"+EnvName(name)+"_HOST"])
		fmt.Fprintf(&b, "junos_%s_port = %s\n", n, l.Env["ENCLAVE_LAB_JUNOS_"+EnvName(name)+"_PORT"])
	}
	for _, name := range sortedNames(l.Ontap) {
		n := strings.ToLower(EnvName(name))
		line("ontap_"+n+"_url", l.Env["ENCLAVE_LAB_ONTAP_"+EnvName(name)+"_URL"])
		line("ontap_"+n+"_user", l.Env["ENCLAVE_LAB_ONTAP_"+EnvName(name)+"_USER"])
		line("ontap_"+n+"_password", l.Env["ENCLAVE_LAB_ONTAP_"+EnvName(name)+"_PASSWORD"])
	}
	return os.WriteFile(filepath.Join(l.Dir, "lab.vars"), []byte(b.String()), 0o600)
}

func sortedNames[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Close stops every simulator.
func (l *Lab) Close() {
	for i := len(l.closers) - 1; i >= 0; i-- {
		l.closers[i]()
	}
	l.closers = nil
}

func randomToken(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func newCA() (*x509.Certificate, *ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(time.Now().UnixNano()),
		Subject:               pkix.Name{CommonName: "enclave lab CA", Organization: []string{"enclave lab"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, err
}

// serverCert is the simulators' certificate: 127.0.0.1, ::1 and localhost, signed by the CA.
func serverCert(ca *x509.Certificate, caKey *ecdsa.PrivateKey) (*tls.Config, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano() + 1),
		Subject:      pkix.Name{CommonName: "enclave lab simulators"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")},
		DNSNames:     []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, err
	}
	return &tls.Config{Certificates: []tls.Certificate{{Certificate: [][]byte{der, ca.Raw}, PrivateKey: key}}, MinVersion: tls.VersionTLS12}, nil
}

func writePEM(path, typ string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), mode)
}
