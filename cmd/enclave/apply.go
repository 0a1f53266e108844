package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func applyCmd(s *streams) *cobra.Command {
	var (
		parallelism int
		dirFlag     string
		trustFlag   string
		vf          varFlags
		lf          lockFlags
	)
	c := &cobra.Command{
		Use:   "apply FILE",
		Short: "Pass a saved plan through the approval gate, then apply it",
		Long: `Applies exactly the saved, approved plan in FILE. The gate refuses (exit 3), naming every
reason, when the plan was altered, expired, made against another state, lacks approvals, or the
gear changed since it was made. Sensitive variables must be supplied again (--var, --var-file or
ENCLAVE_VAR_NAME) and must match what the plan was made with.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) (err error) {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			if fi, err := os.Stat(args[0]); err != nil {
				return fmt.Errorf("the plan file %s: %w", args[0], err)
			} else if fi.IsDir() {
				return fmt.Errorf("%s is a directory: apply takes a saved plan file (enclave plan --out FILE)", args[0])
			}
			p, err := plans.ReadFile(args[0])
			if err != nil {
				auditUnreadablePlan(args[0], dirFlag, err)
				return withCode(exitRefused, err)
			}
			dir, err := planDir(p, dirFlag)
			if err != nil {
				return err
			}
			trust, err := trustRoot(trustFlag)
			if err != nil {
				return err
			}
			b := backendFor(dir)
			u, err := lock(ctx, b, "apply", lf)
			if err != nil {
				return err
			}
			defer func() { _ = u.Unlock() }()
			e := newEngine(s)
			e.Parallelism = parallelism
			e.Progress = func(addr, msg string) { fmt.Fprintf(s.out, "%s: %s\n", addr, msg) }
			// The gate first: everything it checks comes from the state, the enclave
			// directory and the clock. Nothing in the plan is evaluated and no device is
			// contacted before it passes.
			a, diags, err := e.PrepareApply(ctx, b, p, engine.ApplyOptions{Dir: dir, Vars: vf.inputs(), Parallelism: parallelism, TrustRoot: trust, Stop: s.intr.stop})
			if derr := printDiags(s, nil, diags); derr != nil {
				return derr
			}
			if err != nil {
				var ce *plans.ChainError
				if errors.As(err, &ce) {
					return refuse(s, b, args[0], p, []string{err.Error()})
				}
				return err
			}
			defer a.Close()
			if res := plans.Gate(a.Gate); res.Refusal != nil {
				return refuse(s, b, args[0], p, res.Refusal.Reasons)
			}
			// Then evaluation, connecting, reading again and re-deriving the plan; the gate
			// runs again with what that found.
			if err := a.Connect(ctx); err != nil {
				return err
			}
			res := plans.Gate(a.Gate)
			if res.Refusal != nil {
				return refuse(s, b, args[0], p, res.Refusal.Reasons)
			}
			approvals, approvers := []map[string]any{}, []string{}
			for _, ap := range p.Approvals {
				approvals = append(approvals, map[string]any{"approver": ap.Approver, "signature": ap.Signature, "signed_at": ap.SignedAt})
				approvers = append(approvers, ap.Approver)
			}
			_, authorFP, _ := plans.AuthorIdentity(p)
			if err := audit(b, "apply-start", map[string]any{"file": args[0], "digest": p.Digest, "author": p.Author, "author_key": authorFP, "author_signature": p.AuthorSignature, "approvers": approvers, "approvals": approvals, "quorum": res.Quorum}); err != nil {
				return err
			}
			if p.RulesSource == "config" {
				fmt.Fprintln(s.out, "First apply of this state: the approval rules were taken from the configuration and are recorded now.")
			}
			started := time.Now()
			// Changes run under abort: a first interrupt (stop) starts nothing new but lets
			// what is in flight finish and be recorded; only a second one cuts it short.
			result, err := a.Apply(s.intr.abort)
			if err != nil {
				details := map[string]any{"digest": p.Digest, "error": err.Error()}
				if result != nil {
					details["results"], details["interrupted"] = result.Results, result.Interrupted
				}
				if aerr := audit(b, "apply-end", details); aerr != nil {
					fmt.Fprintf(s.err, "Error: %v\n", aerr)
				}
				return err
			}
			if aerr := audit(b, "apply-end", map[string]any{"digest": p.Digest, "results": result.Results, "failed": result.Failed, "skipped": result.Skipped, "changed": result.Changed, "interrupted": result.Interrupted}); aerr != nil {
				fmt.Fprintf(s.err, "Error: %v\n", aerr)
				defer func() { err = withCode(exitError, aerr) }()
			}
			for _, r := range result.Results {
				switch {
				case r.Skipped:
					fmt.Fprintf(s.err, "Skipped %s: it depends on %s, which failed\n", r.Addr, r.Cause)
				case r.Error != "":
					fmt.Fprintf(s.err, "Error: %s (%s): %s\n", r.Addr, r.Action, r.Error)
				}
			}
			fmt.Fprintf(s.out, "\nApply %s: %d changed, %d failed, %d skipped, in %s.\n", outcome(result), result.Changed, result.Failed, result.Skipped, time.Since(started).Round(time.Millisecond))
			if result.Interrupted {
				fmt.Fprintln(s.out, "The apply was interrupted: what finished is recorded in state, what never started was skipped; run `enclave plan` to see what is left.")
				return silent(exitInterrupted)
			}
			if result.Failed > 0 || result.Skipped > 0 {
				fmt.Fprintln(s.out, "State records everything that succeeded; run `enclave plan` to see what is left.")
				return silent(exitError)
			}
			return nil
		},
	}
	c.Flags().IntVar(&parallelism, "parallelism", 10, "how many changes run at once")
	c.Flags().StringVar(&dirFlag, "dir", "", "the enclave directory (default: where the plan was made)")
	c.Flags().StringVar(&trustFlag, "trust-root", os.Getenv("ENCLAVE_TRUST_ROOT"), "a file of approver public keys this machine trusts (default: ENCLAVE_TRUST_ROOT); a first apply's approvers must all be in it")
	vf.add(c)
	lf.add(c)
	return c
}

// auditUnreadablePlan records the refusal of a plan file that does not verify (tampered,
// truncated, newer format): the most important refusal to keep. The enclave is --dir, or the
// "dir" the file claims when that much can still be read.
func auditUnreadablePlan(path, dirFlag string, cause error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return
	}
	dir := dirFlag
	if dir == "" {
		var loose struct {
			Dir string `json:"dir"`
		}
		if json.Unmarshal(raw, &loose) != nil || loose.Dir == "" {
			return
		}
		dir = filepath.FromSlash(loose.Dir)
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return
	}
	if fi, err := os.Stat(filepath.Join(abs, ".enclave")); err != nil || !fi.IsDir() {
		return
	}
	sum := sha256.Sum256(raw)
	_ = audit(backendFor(abs), "refuse", map[string]any{"file": path, "file_sha256": hex.EncodeToString(sum[:]), "reasons": []string{cause.Error()}})
}

// refuse records the gate's refusal in the audit log and exits 3. The refusal stands even
// when the log cannot be written; that is reported beside it.
func refuse(s *streams, b state.Backend, file string, p *plans.Plan, reasons []string) error {
	if err := audit(b, "refuse", map[string]any{"file": file, "digest": p.Digest, "reasons": reasons}); err != nil {
		fmt.Fprintf(s.err, "Error: %v\n", err)
	}
	fmt.Fprintf(s.err, "Error: %s\n", (&plans.Refusal{Reasons: reasons}).Error())
	return silent(exitRefused)
}

// trustRoot reads --trust-root (or ENCLAVE_TRUST_ROOT) when given.
func trustRoot(path string) (*plans.TrustRoot, error) {
	if path == "" {
		return nil, nil
	}
	return plans.ReadTrustRoot(path)
}

func outcome(r *engine.ApplyResult) string {
	if r.Interrupted {
		return "interrupted"
	}
	if r.Failed > 0 || r.Skipped > 0 {
		return "failed"
	}
	return "complete"
}
