package junos

import (
	"crypto/ed25519"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// HostKeyError says the device's SSH host key could not be verified. It always names the key's
// SHA256 fingerprint and where enclave looked, so the operator can compare it with the device
// console (`show system connections` / the key's fingerprint) before trusting it.
type HostKeyError struct {
	Addr        string // host:port as dialled
	KeyType     string
	Fingerprint string // SHA256:... of the key the device offered
	Source      string // known_hosts file path, or "host_key"
	Unknown     bool   // no key for this host in Source
	Revoked     bool
	Want        []string // fingerprints (and file:line) Source expects, when it changed
}

func (e *HostKeyError) Error() string {
	switch {
	case e.Revoked:
		return fmt.Sprintf("host key %s %s of %s is marked revoked in %s", e.KeyType, e.Fingerprint, e.Addr, e.Source)
	case e.Unknown:
		return fmt.Sprintf("unknown host key for %s: the device offered %s %s, which is not in %s; verify the fingerprint on the device and add it",
			e.Addr, e.KeyType, e.Fingerprint, e.Source)
	default:
		return fmt.Sprintf("host key for %s changed: the device offered %s %s but %s expects %s; possible man-in-the-middle, refusing to connect",
			e.Addr, e.KeyType, e.Fingerprint, e.Source, strings.Join(e.Want, ", "))
	}
}

// hostKeyVerifier returns the callback and the key algorithms to ask for, from either a pinned
// key line or a known_hosts file. Asking only for the algorithms we hold a key of avoids a
// false "changed key" when the device offers, say, RSA first and the file holds its ed25519.
func hostKeyVerifier(addr, knownHostsFile, pinned string) (ssh.HostKeyCallback, []string, error) {
	if pinned != "" {
		key, err := parseKeyLine(pinned)
		if err != nil {
			return nil, nil, fmt.Errorf("host_key: %w", err)
		}
		want := ssh.FingerprintSHA256(key)
		cb := func(_ string, _ net.Addr, got ssh.PublicKey) error {
			if string(got.Marshal()) == string(key.Marshal()) {
				return nil
			}
			return &HostKeyError{Addr: addr, KeyType: got.Type(), Fingerprint: ssh.FingerprintSHA256(got),
				Source: "host_key", Want: []string{key.Type() + " " + want}}
		}
		return cb, algorithmsFor([]string{key.Type()}), nil
	}
	kh, err := knownhosts.New(knownHostsFile)
	if err != nil {
		return nil, nil, fmt.Errorf("known_hosts_file: %w", err)
	}
	cb := func(hostname string, remote net.Addr, got ssh.PublicKey) error {
		err := kh(hostname, remote, got)
		if err == nil {
			return nil
		}
		he := &HostKeyError{Addr: addr, KeyType: got.Type(), Fingerprint: ssh.FingerprintSHA256(got), Source: knownHostsFile}
		var ke *knownhosts.KeyError
		var re *knownhosts.RevokedError
		switch {
		case errors.As(err, &re):
			he.Revoked = true
		case errors.As(err, &ke) && len(ke.Want) == 0:
			he.Unknown = true
		case errors.As(err, &ke):
			for _, w := range ke.Want {
				he.Want = append(he.Want, fmt.Sprintf("%s %s (%s:%d)", w.Key.Type(), ssh.FingerprintSHA256(w.Key), w.Filename, w.Line))
			}
		default:
			return fmt.Errorf("known_hosts_file %s: %w", knownHostsFile, err)
		}
		return he
	}
	return cb, knownAlgorithms(kh, addr), nil
}

// knownAlgorithms asks the known_hosts database which key types it holds for addr, by
// checking a throwaway key: the mismatch error lists the keys it wanted.
func knownAlgorithms(kh ssh.HostKeyCallback, addr string) []string {
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		return nil
	}
	probe, err := ssh.NewSignerFromKey(priv)
	if err != nil {
		return nil
	}
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	remote := &net.TCPAddr{IP: net.ParseIP(host), Port: p}
	if remote.IP == nil {
		remote.IP = net.IPv4zero
	}
	var ke *knownhosts.KeyError
	if err := kh(addr, remote, probe.PublicKey()); !errors.As(err, &ke) || len(ke.Want) == 0 {
		return nil // unknown host: let the handshake fail with the offered key's fingerprint
	}
	var types []string
	for _, w := range ke.Want {
		types = append(types, w.Key.Type())
	}
	return algorithmsFor(types)
}

// algorithmsFor maps key types to the host key signature algorithms that use them.
func algorithmsFor(types []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, t := range types {
		algs := []string{t}
		if t == ssh.KeyAlgoRSA {
			algs = []string{ssh.KeyAlgoRSASHA512, ssh.KeyAlgoRSASHA256, ssh.KeyAlgoRSA}
		}
		for _, a := range algs {
			if !seen[a] {
				seen[a] = true
				out = append(out, a)
			}
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i] == ssh.KeyAlgoED25519 && out[j] != ssh.KeyAlgoED25519 })
	return out
}

// parseKeyLine accepts an authorized_keys line ("ssh-ed25519 AAAA... comment") or a
// known_hosts line ("host ssh-ed25519 AAAA...").
func parseKeyLine(line string) (ssh.PublicKey, error) {
	line = strings.TrimSpace(line)
	if key, _, _, _, err := ssh.ParseAuthorizedKey([]byte(line)); err == nil {
		return key, nil
	}
	if _, _, key, _, _, err := ssh.ParseKnownHosts([]byte(line)); err == nil {
		return key, nil
	}
	return nil, errors.New("not an SSH public key line (want \"ssh-ed25519 AAAA...\")")
}

// authMethods builds the client's authentication from a key file and/or a password. Junos
// asks for passwords through keyboard-interactive as often as through "password".
func authMethods(keyFile, password string) ([]ssh.AuthMethod, []string, error) {
	var methods []ssh.AuthMethod
	var names []string
	if keyFile != "" {
		pem, err := os.ReadFile(keyFile)
		if err != nil {
			return nil, nil, fmt.Errorf("private_key_file: %w", err)
		}
		signer, err := ssh.ParsePrivateKey(pem)
		var missing *ssh.PassphraseMissingError
		if errors.As(err, &missing) {
			return nil, nil, fmt.Errorf("private_key_file %s is protected by a passphrase; enclave needs a key it can use unattended", keyFile)
		}
		if err != nil {
			return nil, nil, fmt.Errorf("private_key_file %s: %w", keyFile, err)
		}
		methods = append(methods, ssh.PublicKeys(signer))
		names = append(names, "publickey")
	}
	if password != "" {
		methods = append(methods, ssh.Password(password),
			ssh.KeyboardInteractive(func(_, _ string, questions []string, _ []bool) ([]string, error) {
				answers := make([]string, len(questions))
				for i := range answers {
					answers[i] = password
				}
				return answers, nil
			}))
		names = append(names, "password")
	}
	if len(methods) == 0 {
		return nil, nil, errors.New("set private_key_file or password")
	}
	return methods, names, nil
}

// expandPath resolves "~" and paths relative to the enclave directory.
func expandPath(p, baseDir string) (string, error) {
	if p == "" {
		return "", nil
	}
	if p == "~" || strings.HasPrefix(p, "~/") {
		home, err := os.UserHomeDir()
		if err != nil {
			return "", fmt.Errorf("expanding %q: %w", p, err)
		}
		p = filepath.Join(home, strings.TrimPrefix(p, "~"))
	}
	if !filepath.IsAbs(p) && baseDir != "" {
		p = filepath.Join(baseDir, p)
	}
	return p, nil
}
