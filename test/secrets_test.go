package test

import (
	"crypto/rand"
	"encoding/base64"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/vmware/govmomi/vim25/types"
)

// TestSecretsNeverWritten runs the whole cycle, its views and its failures with the lab's
// vCenter password (random, so distinctive; it is also every vsphere_host's root password in
// the lab enclave) and then looks for it in everything enclave printed or wrote: it must be in
// none of it. Only the lab's own files (lab.vars, lab.env), which the user supplies, hold it.
func TestSecretsNeverWritten(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	secret := w.lab.Env["ENCLAVE_LAB_VSPHERE_PASSWORD"]
	require.GreaterOrEqual(t, len(secret), 16, "the lab password is long enough to be distinctive")
	// The ESX hosts' root password: a sensitive variable of its own, given by environment.
	rootPassword := "Esx-r00t-" + rand.Text()
	editFile(t, filepath.Join(w.dir, "main.hcl"), "  password   = var.vsphere_password\n  tags", "  password   = var.esx_root_password\n  tags")
	w.writeFile("secrets.hcl", "variable \"esx_root_password\" {\n  type      = string\n  sensitive = true\n}\n")
	w.env = append(w.env, "ENCLAVE_VAR_esx_root_password="+rootPassword)
	var forms []string
	for _, s := range []string{secret, rootPassword} {
		forms = append(forms, s, base64.StdEncoding.EncodeToString([]byte(s)), strings.ToUpper(s))
	}

	first := w.plan("change-1.plan")
	w.expect(0, "show", first)
	w.expect(0, "show", first, "--json")
	w.expect(0, "show", first, "--html")
	w.approve(first, "alice", "bob")
	r := w.apply(first)
	require.Equal(t, 0, r.code, "%s", r)
	w.expect(0, "state", "list", "--dir", w.dir)
	host := w.expect(0, "state", "show", "vsphere_host.esx[0]", "--dir", w.dir)
	require.Contains(t, host.stdout, `password = "(sensitive)"`)
	w.expect(0, "plan", w.dir, "--var-file", w.vars, "--json")

	// Drift in every format, and its fix; the password given by environment this time.
	w.reconfigure("/DC0/vm/ldap1", types.VirtualMachineConfigSpec{MemoryMB: 4096})
	w.expect(2, "drift", w.dir, "--var-file", w.vars)
	w.expect(2, "drift", w.dir, "--var-file", w.vars, "--format", "json", "--output", w.path("drift.json"))
	w.expect(2, "drift", w.dir, "--var-file", w.vars, "--format", "junit", "--output", w.path("drift.xml"))
	fix := w.plan("change-2.plan")
	w.approve(fix, "alice", "bob")
	r = w.run("apply", fix, "--dir", w.dir, "--var-file", w.vars)
	require.Equal(t, 0, r.code, "%s", r)

	// Failures: a refused plan, a re-supplied password that does not match, a failed login.
	w.reconfigure("/DC0/vm/ldap1", types.VirtualMachineConfigSpec{MemoryMB: 1024})
	third := w.plan("change-3.plan")
	w.expect(3, "apply", third, "--dir", w.dir, "--var-file", w.vars)
	w.approve(third, "bob", "carol")
	r = w.runWith([]string{"ENCLAVE_VAR_esx_root_password=not-the-one-planned"}, "apply", third, "--dir", w.dir, "--var-file", w.vars)
	require.Equal(t, 3, r.code, "a different password than the plan was made with must not pass the gate\n%s", r)
	require.Contains(t, r.stderr, "esx_root_password")
	require.Equal(t, 1024, int(w.vms()["ldap1"].Config.Hardware.MemoryMB), "the refused apply changed nothing")
	r = w.apply(third)
	require.Equal(t, 0, r.code, "%s", r)
	w.expect(1, "plan", w.dir, "--var-file", w.vars, "--var", "vsphere_password=not-the-real-one")
	w.expect(0, "audit", "show", "--dir", w.dir)
	w.expect(0, "audit", "show", "--json", "--dir", w.dir)
	w.expect(0, "audit", "verify", "--dir", w.dir)

	for _, r := range w.results() {
		for _, f := range forms {
			require.NotContains(t, r.stdout, f, "the password is in the output of %s", r)
			require.NotContains(t, r.stderr, f, "the password is in the output of %s", r)
		}
	}
	// Every file enclave wrote: plans, state, backups, the audit log, the lock, reports.
	var scanned []string
	err := filepath.WalkDir(w.root, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if de.IsDir() {
			if p == w.lab.Dir {
				return filepath.SkipDir // the lab's settings, written by the lab, read by the user
			}
			return nil
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		scanned = append(scanned, p)
		for _, f := range forms {
			require.NotContains(t, string(b), f, "the password is in %s", p)
		}
		return nil
	})
	require.NoError(t, err)
	for _, want := range []string{"change-1.plan", "change-3.plan", "drift.json", "drift.xml", ".enclave/state.json", ".enclave/audit.log", ".enclave/backups/"} {
		found := false
		for _, p := range scanned {
			found = found || strings.Contains(filepath.ToSlash(p), want)
		}
		require.True(t, found, "%s was not among the files scanned: %v", want, scanned)
	}
}
