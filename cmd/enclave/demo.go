package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
	"github.com/vmware/govmomi/object"
	"github.com/vmware/govmomi/vim25/types"
)

// labDemoCmd tells the whole story on the lab, step by step, using enclave's own commands:
// the same code paths a user's commands take.
func labDemoCmd(s *streams) *cobra.Command {
	var dir, enclaveFlag string
	var keep bool
	c := &cobra.Command{
		Use:   "demo",
		Short: "Start the lab and run the whole story: plan, approve, apply, re-plan, drift, fix",
		Long: `Starts the lab, copies the bundled enclaves and modules into a scratch workspace (the repository
is never written to), and runs: plan --out, approve by as many lab reviewers as the plan's
approval rules ask, apply, a re-plan
that finds nothing to do, an out-of-band change made behind enclave's back, drift detecting
it (exit 2), and the fix through plan, approve and apply, then a clean drift check. It stops
the lab when done and exits 0 only if every step behaved as it should.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runDemo(s, dir, enclaveFlag, keep)
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "lab and workspace directory (default: a temporary directory, removed afterwards)")
	c.Flags().StringVar(&enclaveFlag, "enclave", defaultDemoEnclave(), "the enclave to run (its parent's parent must hold enclaves/ and modules/)")
	c.Flags().BoolVar(&keep, "keep", false, "keep the workspace (with its state and audit log) after the demo")
	return c
}

type demo struct {
	s    *streams
	step int
}

func (d *demo) say(format string, args ...any) {
	d.step++
	fmt.Fprintf(d.s.out, "\n\x23\x23 %d. %s\n", d.step, fmt.Sprintf(format, args...))
}

// enclave runs one enclave command in-process and checks its exit code.
func (d *demo) enclave(want int, args ...string) (string, error) {
	fmt.Fprintf(d.s.out, "$ enclave %s\n", strings.Join(args, " "))
	var out bytes.Buffer
	code := run(args, strings.NewReader(""), io.MultiWriter(d.s.out, &out), io.MultiWriter(d.s.err, &out))
	if code != want {
		return out.String(), fmt.Errorf("enclave %s exited %d, expected %d", strings.Join(args, " "), code, want)
	}
	return out.String(), nil
}

func runDemo(s *streams, dir, enclaveFlag string, keep bool) error {
	d := &demo{s: s}
	src, err := filepath.Abs(enclaveFlag)
	if err != nil {
		return err
	}
	keyDir := ""
	for _, k := range []string{"approvers", "reviewers"} {
		if _, err := os.Stat(filepath.Join(src, k, "alice")); err == nil {
			keyDir = k
		}
	}
	if keyDir == "" {
		return fmt.Errorf("%s does not look like a bundled enclave with LAB ONLY reviewer keys (approvers/alice or reviewers/alice); run from the repository root", enclaveFlag)
	}
	root := filepath.Dir(filepath.Dir(src))
	if dir == "" {
		dir, err = os.MkdirTemp("", "enclave-demo-")
		if err != nil {
			return err
		}
		if !keep {
			defer os.RemoveAll(dir)
		}
	}
	work := filepath.Join(dir, "work")
	for _, sub := range []string{"enclaves", "modules"} {
		if err := copyTree(filepath.Join(root, sub), filepath.Join(work, sub)); err != nil && !os.IsNotExist(err) {
			return err
		}
	}
	rel, _ := filepath.Rel(root, src)
	encl := filepath.Join(work, rel)

	d.say("Start the lab on loopback: vSphere (govmomi's simulator), the SRX chassis cluster and the EX virtual chassis (Junos simulators), the PHX1 and SCL3 filers (ONTAP simulators)")
	l, err := lab.Start(demoLab(filepath.Join(dir, "lab")))
	if err != nil {
		return err
	}
	defer l.Close()
	fmt.Fprintf(s.out, "vSphere at %s; settings in %s and %s\n", l.Env["ENCLAVE_LAB_VSPHERE_URL"], filepath.Join(l.Dir, "lab.env"), filepath.Join(l.Dir, "lab.vars"))
	for _, name := range []string{"srx-phx1", "ex-phx1"} {
		n := lab.EnvName(name)
		fmt.Fprintf(s.out, "Junos %s (%s) at %s:%s\n", name, l.Junos[name].Personality(), l.Env["ENCLAVE_LAB_JUNOS_"+n+"_HOST"], l.Env["ENCLAVE_LAB_JUNOS_"+n+"_PORT"])
	}
	for _, name := range []string{"phx1", "scl3"} {
		fmt.Fprintf(s.out, "ONTAP %s at %s\n", name, l.Env["ENCLAVE_LAB_ONTAP_"+lab.EnvName(name)+"_URL"])
	}
	vars := filepath.Join(l.Dir, "lab.vars")
	planFile := filepath.Join(dir, "change-1.plan")
	dana := filepath.Join(encl, keyDir, "dana") // the author's key: signs plans, never approves
	if err := os.Chmod(dana, 0o600); err != nil {
		return err
	}
	// approve has as many lab reviewers sign as the plan's rules ask, in this order.
	approve := func(planFile, encl string) error {
		reviewers, err := reviewersFor(planFile, encl, keyDir)
		if err != nil {
			return err
		}
		for _, who := range reviewers {
			key := filepath.Join(encl, keyDir, who)
			if err := os.Chmod(key, 0o600); err != nil {
				return err
			}
			if _, err := d.enclave(exitOK, "approve", planFile, "--key", key, "--as", who, "--dir", encl); err != nil {
				return err
			}
		}
		return nil
	}

	d.say("Plan the enclave %s and save the plan for review (exit 2: there are changes)", rel)
	if _, err := d.enclave(exitChanges, "plan", encl, "--var-file", vars, "--out", planFile, "--author", "dana@lab", "--key", dana, "--detailed-exitcode"); err != nil {
		return err
	}
	n, why, err := quorumOf(planFile)
	if err != nil {
		return err
	}
	d.say("%s reviewers sign exactly this plan with their SSH keys (%s)", upper(numberWord(n)), why)
	if _, err := d.enclave(exitOK, "show", planFile, "--digest"); err != nil {
		return err
	}
	if err := approve(planFile, encl); err != nil {
		return err
	}
	d.say("Apply: the gate checks the approvals, then the changes run in dependency order")
	if _, err := d.enclave(exitOK, "apply", planFile, "--dir", encl, "--var-file", vars); err != nil {
		return err
	}
	d.say("Plan again: the gear matches the configuration (exit 0)")
	if _, err := d.enclave(exitOK, "plan", encl, "--var-file", vars, "--detailed-exitcode"); err != nil {
		return err
	}

	d.say("Someone changes a VM behind enclave's back (through the vSphere API, as a console user would)")
	addr, err := outOfBandChange(s, encl, l)
	if err != nil {
		return err
	}
	d.say("Drift detection, as CI runs it on a schedule: it names %s and the attribute (exit 2)", addr)
	junit := filepath.Join(dir, "drift.xml")
	if _, err := d.enclave(exitChanges, "drift", encl, "--var-file", vars, "--format", "junit", "--output", junit); err != nil {
		return err
	}
	fmt.Fprintf(s.out, "JUnit report for CI: %s\n", junit)

	d.say("Fix it the controlled way: plan, two approvals, apply")
	fix := filepath.Join(dir, "change-2.plan")
	if _, err := d.enclave(exitChanges, "plan", encl, "--var-file", vars, "--out", fix, "--author", "dana@lab", "--key", dana, "--detailed-exitcode"); err != nil {
		return err
	}
	if err := approve(fix, encl); err != nil {
		return err
	}
	if _, err := d.enclave(exitOK, "apply", fix, "--dir", encl, "--var-file", vars); err != nil {
		return err
	}
	d.say("Drift again: nothing (exit 0); the audit log holds every step, hash-chained")
	if _, err := d.enclave(exitOK, "drift", encl, "--var-file", vars); err != nil {
		return err
	}
	if _, err := d.enclave(exitOK, "audit", "verify", "--dir", encl); err != nil {
		return err
	}
	if dr := filepath.Join(work, "enclaves", "scl3-dr"); strings.HasSuffix(rel, "phx1-hci") {
		if _, err := os.Stat(dr); err == nil {
			d.say("The DR twin: plan scl3-dr, the SnapMirror destinations at SCL3 for every replicated PHX1 volume")
			drPlan := filepath.Join(dir, "dr-1.plan")
			if _, err := d.enclave(exitChanges, "plan", dr, "--var-file", vars, "--out", drPlan, "--author", "dana@lab", "--key", dana, "--detailed-exitcode"); err != nil {
				return err
			}
			if err := approve(drPlan, dr); err != nil {
				return err
			}
			if _, err := d.enclave(exitOK, "apply", drPlan, "--dir", dr, "--var-file", vars); err != nil {
				return err
			}
			if _, err := d.enclave(exitOK, "plan", dr, "--var-file", vars, "--detailed-exitcode"); err != nil {
				return err
			}
		}
	}
	fmt.Fprintf(s.out, "\nThe story ran end to end.")
	if keep {
		fmt.Fprintf(s.out, " Workspace kept in %s.", dir)
	}
	fmt.Fprintln(s.out)
	return nil
}

// demoReviewers are the lab reviewers, in the order the demo asks them to sign.
var demoReviewers = []string{"alice", "bob", "carol", "dave"}

// quorumOf is how many approvals a saved plan needs (the most any rule it touches asks), and
// which rules ask it, as the plan's approval section shows them.
func quorumOf(planFile string) (int, string, error) {
	p, err := plans.ReadFile(planFile)
	if err != nil {
		return 0, "", err
	}
	n := 0
	var rules []string
	for _, q := range plans.RuleQuorums(p) {
		n = max(n, q.Required)
		rules = append(rules, fmt.Sprintf("%s: %d", q.Rule, q.Required))
	}
	return n, "the rules it touches: " + strings.Join(rules, ", "), nil
}

// reviewersFor names the first reviewers of demoReviewers, as many as the plan needs.
func reviewersFor(planFile, encl, keyDir string) ([]string, error) {
	n, _, err := quorumOf(planFile)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, who := range demoReviewers {
		if len(out) == n {
			break
		}
		if _, err := os.Stat(filepath.Join(encl, keyDir, who)); err == nil {
			out = append(out, who)
		}
	}
	if len(out) < n {
		return nil, fmt.Errorf("%s needs %d approvals and %s holds only %d lab reviewer keys", planFile, n, filepath.Join(encl, keyDir), len(out))
	}
	return out, nil
}

func numberWord(n int) string {
	if n >= 0 && n < 5 {
		return []string{"zero", "one", "two", "three", "four"}[n]
	}
	return fmt.Sprint(n)
}

func upper(s string) string { return strings.ToUpper(s[:1]) + s[1:] }

// outOfBandChange adds a vCPU to the first managed VM, directly through govmomi.
func outOfBandChange(s *streams, encl string, l *lab.Lab) (string, error) {
	st, _, err := state.NewLocal(filepath.Join(encl, ".enclave")).Read()
	if err != nil {
		return "", err
	}
	for _, r := range st.Resources {
		if r.Type != "vsphere_virtual_machine" {
			continue
		}
		id, _ := r.Attributes["id"].(string)
		cpus, _ := r.Attributes["num_cpus"].(float64)
		if n, ok := r.Attributes["num_cpus"].(int64); ok {
			cpus = float64(n)
		}
		vm := object.NewVirtualMachine(l.VSphere.Client, types.ManagedObjectReference{Type: "VirtualMachine", Value: id})
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		task, err := vm.Reconfigure(ctx, types.VirtualMachineConfigSpec{NumCPUs: int32(cpus) + 1})
		if err != nil {
			return "", err
		}
		if err := task.Wait(ctx); err != nil {
			return "", err
		}
		fmt.Fprintf(s.out, "ReconfigVM_Task on %s (%s): num_cpus %d -> %d\n", r.Addr, id, int(cpus), int(cpus)+1)
		return r.Addr, nil
	}
	return "", fmt.Errorf("no vsphere_virtual_machine in state to change")
}

// copyTree copies a directory, skipping run data (.enclave/).
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if de.IsDir() && (de.Name() == ".enclave" || de.Name() == ".enclave-lab") {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if de.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}

// demoLab is the lab of the reference enclaves: one vCenter, the SRX chassis cluster and the
// EX virtual chassis of PHX1, and the PHX1 and SCL3 filers (peered, for SnapMirror).
func demoLab(dir string) lab.Options {
	return lab.Options{
		Dir:   dir,
		Junos: []lab.Device{{Name: "srx-phx1", Personality: "srx"}, {Name: "ex-phx1", Personality: "ex"}},
		Ontap: []string{"phx1", "scl3"},
	}
}

// defaultDemoEnclave is the reference enclave when it is there, else the small lab one.
func defaultDemoEnclave() string {
	if _, err := os.Stat(filepath.Join("enclaves", "phx1-hci", "main.hcl")); err == nil {
		return "enclaves/phx1-hci"
	}
	return "enclaves/lab"
}
