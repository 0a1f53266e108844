package test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ssh"
	"golang.org/x/crypto/ssh/knownhosts"
)

// This file runs `enclave lab up` as a user would and points real third-party clients at it
// (OpenSSH, Juniper PyEZ, Ansible's netapp.ontap, curl). It also holds the li* helpers that
// junos_e2e_test.go and ontap_e2e_test.go share: a lab with Junos and ONTAP simulators in
// this process and an enclave from testdata/labinterop run through the built binary.

// liPython is Debian's interpreter, the one python3-junos-eznc and Ansible's modules use
// (a python3 earlier in PATH may be another installation without them).
const liPython = "/usr/bin/python3"

// liWorld is one test's lab and its copy of a testdata/labinterop enclave.
type liWorld struct {
	t    *testing.T
	lab  *lab.Lab
	root string // scratch directory, the working directory of every run
	dir  string // the enclave's copy
	vars string // lab.vars
	env  []string
}

// liNewWorld starts a lab with opts (its Dir is set here) and copies the enclave
// testdata/labinterop/NAME, with the lab reviewers' keys under reviewers/.
func liNewWorld(t *testing.T, opts lab.Options, name string) *liWorld {
	t.Helper()
	root := t.TempDir()
	opts.Dir = filepath.Join(root, "lab")
	l := startLab(t, opts)
	dir := filepath.Join(root, "work", name)
	copyTree(t, filepath.Join(repoRoot, "test", "testdata", "labinterop", name), dir)
	copyTree(t, filepath.Join(repoRoot, "enclaves", "lab", "reviewers"), filepath.Join(dir, "reviewers"))
	require.NoError(t, os.Chmod(filepath.Join(dir, "reviewers", "alice"), 0o600))
	require.NoError(t, os.Chmod(filepath.Join(dir, "reviewers", "dana"), 0o600))
	require.NoError(t, os.MkdirAll(filepath.Join(root, "home"), 0o700))
	return &liWorld{
		t: t, lab: l, root: root, dir: dir,
		vars: filepath.Join(l.Dir, "lab.vars"),
		env:  []string{"ENCLAVE_AUTHOR=" + author, "ENCLAVE_AUTHOR_KEY=" + filepath.Join(dir, "reviewers", "dana"), "NO_COLOR=1", "HOME=" + filepath.Join(root, "home")},
	}
}

func (w *liWorld) path(name string) string { return filepath.Join(w.root, name) }

func (w *liWorld) run(args ...string) result {
	w.t.Helper()
	return runBinary(w.t, runOpts{dir: w.root, env: w.env}, args...)
}

func (w *liWorld) expect(code int, args ...string) result {
	w.t.Helper()
	r := w.run(args...)
	require.Equal(w.t, code, r.code, "%s", r)
	return r
}

// planArgs are the arguments of a plan of the enclave with the lab's variables and extra.
func (w *liWorld) planArgs(extra ...string) []string {
	return append([]string{"plan", w.dir, "--var-file", w.vars}, extra...)
}

// plan saves a plan to the scratch file name, requiring exit 2 (changes).
func (w *liWorld) plan(name string, extra ...string) string {
	w.t.Helper()
	file := w.path(name)
	w.expect(2, w.planArgs(append([]string{"--out", file, "--detailed-exitcode"}, extra...)...)...)
	return file
}

// approve signs file as alice, the enclave's one approver.
func (w *liWorld) approve(file string) {
	w.t.Helper()
	w.expect(0, "approve", file, "--key", filepath.Join(w.dir, "reviewers", "alice"), "--as", "alice", "--dir", w.dir)
}

func (w *liWorld) apply(file string, extra ...string) result {
	w.t.Helper()
	return w.run(append([]string{"apply", file, "--dir", w.dir, "--var-file", w.vars}, extra...)...)
}

// converge plans, approves and applies, then requires a re-plan with nothing to do.
func (w *liWorld) converge(name string, extra ...string) {
	w.t.Helper()
	file := w.plan(name, extra...)
	w.approve(file)
	r := w.apply(file, extra...)
	require.Equal(w.t, 0, r.code, "%s", r)
	w.expect(0, w.planArgs(append([]string{"--detailed-exitcode"}, extra...)...)...)
}

func (w *liWorld) stateList() []string {
	w.t.Helper()
	r := w.expect(0, "state", "list", "--dir", w.dir)
	var out []string
	for _, l := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
		if addr, _, _ := strings.Cut(l, "  ("); addr != "" {
			out = append(out, strings.TrimSpace(addr))
		}
	}
	return out
}

func (w *liWorld) stateBytes() []byte {
	w.t.Helper()
	b, err := os.ReadFile(filepath.Join(w.dir, ".enclave", "state.json"))
	require.NoError(w.t, err)
	return b
}

// edit replaces old (which must occur exactly once) with new in the enclave's file name.
func (w *liWorld) edit(name, old, new string) {
	w.t.Helper()
	p := filepath.Join(w.dir, name)
	b, err := os.ReadFile(p)
	require.NoError(w.t, err)
	require.Equal(w.t, 1, strings.Count(string(b), old), "%s holds %q once", name, old)
	require.NoError(w.t, os.WriteFile(p, []byte(strings.Replace(string(b), old, new, 1)), 0o644))
}

// liLabUp is a running `enclave lab up` subprocess.
type liLabUp struct {
	cmd     *exec.Cmd
	lines   chan string
	done    chan error
	printed []string
	stderr  *bytes.Buffer
}

// liStartLabUp runs `enclave lab up` with args and waits (a minute at most) for its ready line.
func liStartLabUp(t *testing.T, args ...string) *liLabUp {
	t.Helper()
	u := &liLabUp{lines: make(chan string, 64), done: make(chan error, 1), stderr: &bytes.Buffer{}}
	u.cmd = exec.Command(binary, append([]string{"lab", "up"}, args...)...)
	u.cmd.Env = append(cleanEnv(), "NO_COLOR=1")
	u.cmd.Stderr = u.stderr
	stdout, err := u.cmd.StdoutPipe()
	require.NoError(t, err)
	require.NoError(t, u.cmd.Start())
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			u.lines <- sc.Text()
		}
		close(u.lines)
		_, _ = io.Copy(io.Discard, stdout)
		u.done <- u.cmd.Wait()
	}()
	t.Cleanup(func() {
		if u.cmd.ProcessState == nil {
			_ = u.cmd.Process.Kill()
			for range u.lines {
			}
			<-u.done
		}
	})
	deadline := time.After(time.Minute)
	for {
		select {
		case l, ok := <-u.lines:
			require.True(t, ok, "lab up ended before ready: %v\nstderr: %s", u.printed, u.stderr)
			u.printed = append(u.printed, l)
			if strings.HasPrefix(l, "ready") {
				return u
			}
		case <-deadline:
			t.Fatalf("no ready line after a minute: %v", u.printed)
		}
	}
}

// interrupt sends SIGINT and requires exit 0 within ten seconds.
func (u *liLabUp) interrupt(t *testing.T) {
	t.Helper()
	require.NoError(t, u.cmd.Process.Signal(syscall.SIGINT))
	start := time.Now()
	var rest []string
	timeout := time.After(10 * time.Second)
	for {
		select {
		case l, ok := <-u.lines:
			if ok {
				rest = append(rest, l)
				continue
			}
			select {
			case err := <-u.done:
				require.NoError(t, err, "lab up exits 0 on SIGINT\nstderr: %s", u.stderr)
			case <-timeout:
				t.Fatal("lab up closed stdout but did not exit after SIGINT")
			}
			t.Logf("lab up stopped %s after SIGINT", time.Since(start).Round(time.Millisecond))
			require.Contains(t, rest, "stopping the lab")
			return
		case <-timeout:
			t.Fatalf("lab up did not stop within 10s of SIGINT; printed %v", rest)
		}
	}
}

// liCommand runs a third-party client with a deadline and returns its combined output and error.
func liCommand(t *testing.T, timeout time.Duration, env []string, stdin string, name string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append(cleanEnv(), env...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if ctx.Err() != nil {
		t.Fatalf("%s %s: no answer in %s\n%s", name, strings.Join(args, " "), timeout, out)
	}
	return string(out), err
}

// liNetconfHello is a NETCONF 1.0 client hello, as RFC 6242 frames it.
const liNetconfHello = `<?xml version="1.0" encoding="UTF-8"?>
<hello xmlns="urn:ietf:params:xml:ns:netconf:base:1.0"><capabilities><capability>urn:ietf:params:netconf:base:1.0</capability></capabilities></hello>]]>]]>
<rpc message-id="1"><close-session/></rpc>]]>]]>
`

// TestLabUpWithRealClients: `enclave lab up` with two Junos devices and two ONTAP clusters
// writes what SPEC §10 names, and OpenSSH, PyEZ, Ansible's netapp.ontap and curl work
// against it with the files it wrote, verifying host keys and certificates themselves.
func TestLabUpWithRealClients(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "lab")
	up := liStartLabUp(t, "--dir", dir, "--junos", "srx-a:srx", "--junos", "ex-a:ex", "--ontap", "phx1", "--ontap", "scl3")

	env := labEnv(t, dir)
	var names []string
	for k := range env {
		if strings.HasPrefix(k, "ENCLAVE_LAB_") && k != "ENCLAVE_LAB_DIR" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	require.Equal(t, []string{
		"ENCLAVE_LAB_JUNOS_EX_A_HOST", "ENCLAVE_LAB_JUNOS_EX_A_PORT", "ENCLAVE_LAB_JUNOS_EX_A_USER",
		"ENCLAVE_LAB_JUNOS_SRX_A_HOST", "ENCLAVE_LAB_JUNOS_SRX_A_PORT", "ENCLAVE_LAB_JUNOS_SRX_A_USER",
		"ENCLAVE_LAB_ONTAP_PHX1_PASSWORD", "ENCLAVE_LAB_ONTAP_PHX1_URL", "ENCLAVE_LAB_ONTAP_PHX1_USER",
		"ENCLAVE_LAB_ONTAP_SCL3_PASSWORD", "ENCLAVE_LAB_ONTAP_SCL3_URL", "ENCLAVE_LAB_ONTAP_SCL3_USER",
		"ENCLAVE_LAB_VSPHERE_PASSWORD", "ENCLAVE_LAB_VSPHERE_URL", "ENCLAVE_LAB_VSPHERE_USER",
	}, names, "lab.env names, NAME upper-cased with - as _")
	for _, n := range []string{"SRX_A", "EX_A"} {
		require.Equal(t, "127.0.0.1", env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"])
		require.Regexp(t, `^\d+$`, env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"])
		require.NotEmpty(t, env["ENCLAVE_LAB_JUNOS_"+n+"_USER"])
	}
	for _, n := range []string{"PHX1", "SCL3"} {
		require.Regexp(t, `^https://127\.0\.0\.1:\d+$`, env["ENCLAVE_LAB_ONTAP_"+n+"_URL"])
		require.NotEmpty(t, env["ENCLAVE_LAB_ONTAP_"+n+"_USER"])
		require.NotEmpty(t, env["ENCLAVE_LAB_ONTAP_"+n+"_PASSWORD"])
		require.NotContains(t, strings.Join(up.printed, "\n"), env["ENCLAVE_LAB_ONTAP_"+n+"_PASSWORD"], "passwords stay in lab.env")
	}
	require.Regexp(t, `^https://127\.0\.0\.1:\d+/sdk$`, env["ENCLAVE_LAB_VSPHERE_URL"])

	ca, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	require.NoError(t, err)
	require.Contains(t, string(ca), "-----BEGIN CERTIFICATE-----")
	key := filepath.Join(dir, "id_ed25519")
	fi, err := os.Stat(key)
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm(), "id_ed25519 is private")
	// OpenSSH reads the key as written (an unencrypted OpenSSH private key).
	pub, err := liCommand(t, 10*time.Second, nil, "", "ssh-keygen", "-y", "-f", key)
	require.NoError(t, err, pub)
	wrote, err := os.ReadFile(filepath.Join(dir, "id_ed25519.pub"))
	require.NoError(t, err)
	require.Equal(t, liKeyField(string(wrote)), liKeyField(pub))
	known := filepath.Join(dir, "known_hosts")
	kb, err := os.ReadFile(known)
	require.NoError(t, err)
	for _, n := range []string{"SRX_A", "EX_A"} {
		hp := net.JoinHostPort(env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"], env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"])
		require.Contains(t, string(kb), knownhosts.Normalize(hp)+" ssh-ed25519 ", "known_hosts holds %s", n)
	}

	t.Run("openssh", func(t *testing.T) { liOpenSSH(t, dir, env) })
	t.Run("pyez", func(t *testing.T) { liPyEZ(t, dir, env) })
	t.Run("ansible", func(t *testing.T) { liAnsible(t, dir, env) })

	up.interrupt(t)
	for _, addr := range []string{
		net.JoinHostPort(env["ENCLAVE_LAB_JUNOS_SRX_A_HOST"], env["ENCLAVE_LAB_JUNOS_SRX_A_PORT"]),
		strings.TrimPrefix(env["ENCLAVE_LAB_ONTAP_PHX1_URL"], "https://"),
	} {
		c, err := net.DialTimeout("tcp", addr, 2*time.Second)
		if err == nil {
			c.Close()
		}
		require.Error(t, err, "%s still listens after lab up stopped", addr)
	}
}

// liKeyField is the base64 key of an authorized_keys line.
func liKeyField(line string) string {
	f := strings.Fields(line)
	if len(f) < 2 {
		return line
	}
	return f[0] + " " + f[1]
}

// liSSHArgs are OpenSSH's arguments for the NETCONF subsystem of device n, trusting only the
// host keys in knownHosts and offering only the lab key.
func liSSHArgs(dir, knownHosts string, env map[string]string, n string) []string {
	return []string{
		"-F", "/dev/null", "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes",
		"-o", "UserKnownHostsFile=" + knownHosts, "-o", "GlobalKnownHostsFile=/dev/null",
		"-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none", "-i", filepath.Join(dir, "id_ed25519"),
		"-o", "ConnectTimeout=10",
		"-p", env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"], "-l", env["ENCLAVE_LAB_JUNOS_"+n+"_USER"],
		"-s", env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"], "netconf",
	}
}

// liOpenSSH: OpenSSH checks the host key against known_hosts itself; the server hello comes
// back only when the key lab up wrote is the one the device serves.
func liOpenSSH(t *testing.T, dir string, env map[string]string) {
	sessionID := regexp.MustCompile(`<session-id>\d+</session-id>`)
	for _, n := range []string{"SRX_A", "EX_A"} {
		// The device ends the connection after close-session, as Junos does; OpenSSH may then
		// exit 255 ("closed by remote host"), so what counts is what was answered.
		out, _ := liCommand(t, 30*time.Second, nil, liNetconfHello, "ssh", liSSHArgs(dir, filepath.Join(dir, "known_hosts"), env, n)...)
		require.Contains(t, out, "<hello", "%s: %s", n, out)
		require.Contains(t, out, "urn:ietf:params:netconf:base:1.0", n)
		require.Regexp(t, `message-id="1">\s*<ok/>`, out, "close-session answered")
		require.Regexp(t, sessionID, out, n)
		require.Contains(t, out, "]]>]]>", "1.0 framing")
	}

	// No host key known: OpenSSH refuses before the subsystem starts.
	empty := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(empty, nil, 0o644))
	out, err := liCommand(t, 30*time.Second, nil, liNetconfHello, "ssh", liSSHArgs(dir, empty, env, "SRX_A")...)
	require.Error(t, err, out)
	require.Contains(t, out, "Host key verification failed")
	require.NotContains(t, out, "<hello")

	// Another key under the device's name: OpenSSH reports a changed host key.
	priv := liEd25519(t)
	hp := net.JoinHostPort(env["ENCLAVE_LAB_JUNOS_SRX_A_HOST"], env["ENCLAVE_LAB_JUNOS_SRX_A_PORT"])
	other := filepath.Join(t.TempDir(), "known_hosts")
	require.NoError(t, os.WriteFile(other, []byte(knownhosts.Line([]string{knownhosts.Normalize(hp)}, priv.PublicKey())+"\n"), 0o644))
	out, err = liCommand(t, 30*time.Second, nil, liNetconfHello, "ssh", liSSHArgs(dir, other, env, "SRX_A")...)
	require.Error(t, err, out)
	require.Contains(t, out, "HOST IDENTIFICATION HAS CHANGED")
	require.NotContains(t, out, "<hello")
}

// liPyEZScript drives one device with Juniper's PyEZ, as an operator's script would, and
// prints one line per step for the test to read.
const liPyEZScript = `
import sys
from jnpr.junos import Device
from jnpr.junos.utils.config import Config
from jnpr.junos.exception import ConfigLoadError, RpcError
from lxml import etree

host, port, user, key, mode = sys.argv[1:6]
dev = Device(host=host, port=int(port), user=user, ssh_private_key_file=key,
             ssh_config="/dev/null", gather_facts=False)
dev.open()
print("connected", dev.connected)
cu = Config(dev)
cu.lock()
print("locked")
if mode == "srx":
    cu.load("set security zones security-zone trust\nset security zones security-zone trust host-inbound-traffic system-services ssh\nset interfaces ge-0/0/3 unit 0 family inet address 10.7.0.1/24\nset security zones security-zone trust interfaces ge-0/0/3.0", format="set")
    print("diff", (cu.diff() or "").replace("\n", " | "))
    print("check", cu.commit_check())
    print("commit", cu.commit(comment="pyez"))
    conf = dev.rpc.get_config(filter_xml="<security><zones/></security>", options={"database": "committed"})
    print("config", etree.tostring(conf, encoding="unicode").replace("\n", " "))
else:
    try:
        cu.load("set security zones security-zone trust", format="set")
        print("loaded")
    except (ConfigLoadError, RpcError) as e:
        print("refused", str(e).replace("\n", " "))
    cu.rollback()
cu.unlock()
print("unlocked")
dev.close()
`

// liPyEZ: PyEZ (ncclient underneath) opens, locks, loads set lines, checks, commits, reads
// back and unlocks on the SRX; the EX refuses a security stanza. PyEZ does not verify host
// keys (ncclient's default hostkey_verify=False); OpenSSH above does.
func liPyEZ(t *testing.T, dir string, env map[string]string) {
	script := filepath.Join(t.TempDir(), "pyez.py")
	require.NoError(t, os.WriteFile(script, []byte(liPyEZScript), 0o644))
	run := func(n, mode string) string {
		out, err := liCommand(t, 60*time.Second, []string{"HOME=" + t.TempDir()}, "", liPython, script,
			env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"], env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"], env["ENCLAVE_LAB_JUNOS_"+n+"_USER"],
			filepath.Join(dir, "id_ed25519"), mode)
		require.NoError(t, err, "%s: %s", n, out)
		return out
	}
	out := run("SRX_A", "srx")
	require.Contains(t, out, "connected True")
	require.Contains(t, out, "locked")
	require.Contains(t, out, "+           security-zone trust {", "the candidate diff shows the new zone")
	require.Contains(t, out, "check True")
	require.Contains(t, out, "commit True")
	require.Regexp(t, `config .*<security-zone>\s*<name>trust</name>.*<interfaces>\s*<name>ge-0/0/3\.0</name>`, out)
	require.Contains(t, out, "unlocked")

	out = run("EX_A", "ex")
	require.Contains(t, out, "refused")
	require.Contains(t, out, "syntax error")
	require.NotContains(t, out, "loaded")
	require.Contains(t, out, "unlocked")
}

// liPlaybook creates an SVM and a volume with netapp.ontap over verified TLS.
const liPlaybook = `
- hosts: localhost
  gather_facts: false
  vars:
    ansible_python_interpreter: /usr/bin/python3
    login: &login
      hostname: 127.0.0.1
      http_port: "{{ port }}"
      https: true
      validate_certs: true
      use_rest: always
      username: "{{ user }}"
      password: "{{ password }}"
  tasks:
    - name: svm
      netapp.ontap.na_ontap_svm:
        <<: *login
        state: present
        name: svm_ansible
        aggr_list: [aggr1]
    - name: volume
      netapp.ontap.na_ontap_volume:
        <<: *login
        state: present
        name: vol_ansible
        vserver: svm_ansible
        aggregate_name: aggr1
        size: 10
        size_unit: gb
        junction_path: /vol_ansible
        wait_for_completion: true
`

// liAnsible: Ansible's netapp.ontap modules create an SVM and a volume on phx1, checking the
// simulator's certificate against ca.pem (netapp.ontap 22.7 has no CA option; it uses
// requests, which honours REQUESTS_CA_BUNDLE); curl then sees the volume through the REST API.
func liAnsible(t *testing.T, dir string, env map[string]string) {
	work := t.TempDir()
	pb := filepath.Join(work, "site.yml")
	require.NoError(t, os.WriteFile(pb, []byte(liPlaybook), 0o644))
	url := env["ENCLAVE_LAB_ONTAP_PHX1_URL"]
	_, port, err := net.SplitHostPort(strings.TrimPrefix(url, "https://"))
	require.NoError(t, err)
	ansibleEnv := []string{
		"HOME=" + work, "ANSIBLE_LOCAL_TEMP=" + filepath.Join(work, "tmp"), "ANSIBLE_NOCOLOR=1",
		"ANSIBLE_PYTHON_INTERPRETER=" + liPython, "REQUESTS_CA_BUNDLE=" + filepath.Join(dir, "ca.pem"),
	}
	extra := []string{"-i", "localhost,", "-c", "local", pb,
		"-e", "port=" + port, "-e", "user=" + env["ENCLAVE_LAB_ONTAP_PHX1_USER"], "-e", "password=" + env["ENCLAVE_LAB_ONTAP_PHX1_PASSWORD"]}
	out, err := liCommand(t, 3*time.Minute, ansibleEnv, "", "ansible-playbook", extra...)
	require.NoError(t, err, out)
	require.Regexp(t, `ok=\d+\s+changed=2\s+unreachable=0\s+failed=0`, out)

	// Idempotent: a second run changes nothing.
	out, err = liCommand(t, 3*time.Minute, ansibleEnv, "", "ansible-playbook", extra...)
	require.NoError(t, err, out)
	require.Regexp(t, `changed=0\s+unreachable=0\s+failed=0`, out)

	// Without the CA the same playbook fails certificate verification: validate_certs is real.
	noCA := append(append([]string(nil), ansibleEnv[:4]...), "REQUESTS_CA_BUNDLE="+filepath.Join(work, "none.pem"))
	otherCA(t, filepath.Join(work, "none.pem"))
	out, err = liCommand(t, 3*time.Minute, noCA, "", "ansible-playbook", extra...)
	require.Error(t, err, out)
	require.Regexp(t, `(?i)certificate verify failed|SSLError|SSL`, out)

	out, err = liCommand(t, 30*time.Second, nil, "", "curl", "-sS", "--fail", "--cacert", filepath.Join(dir, "ca.pem"),
		"-u", env["ENCLAVE_LAB_ONTAP_PHX1_USER"]+":"+env["ENCLAVE_LAB_ONTAP_PHX1_PASSWORD"],
		url+"/api/storage/volumes?fields=name,svm.name,size,nas.path")
	require.NoError(t, err, out)
	require.Contains(t, out, `"name":"vol_ansible"`)
	require.Contains(t, out, `"size":10737418240`, "10 GB in Ansible's units is 10 GiB")
	require.Contains(t, out, `"path":"/vol_ansible"`)
	require.Contains(t, out, `"name":"svm_ansible"`)
}

// liEd25519 makes an SSH key for a stranger.
func liEd25519(t *testing.T) ssh.Signer {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	s, err := ssh.NewSignerFromKey(priv)
	require.NoError(t, err)
	return s
}

// TestLabServesTwoClusters: a lab with two ONTAP clusters answers both over TLS verified
// against ca.pem. Under -race this is also the regression test for each cluster's HTTP server
// getting its own TLS configuration: http.Server.ServeTLS configures HTTP/2 on the
// *tls.Config it is given, in place, so servers sharing one race as they start.
func TestLabServesTwoClusters(t *testing.T) {
	t.Parallel()
	w := liNewWorld(t, lab.Options{Ontap: []string{"phx1", "scl3"}}, "ontap")
	for _, c := range []string{"phx1", "scl3"} {
		code, body := liOntapREST(t, w, c, http.MethodGet, "/api/cluster?fields=name", nil)
		require.Equal(t, http.StatusOK, code, "%v", body)
		require.Equal(t, c, body["name"])
	}
}
