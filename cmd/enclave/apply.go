package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func applyCmd(s *streams) *cobra.Command {
	var (
		parallelism int
		dirFlag     string
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
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			p, err := plans.ReadFile(args[0])
			if err != nil {
				auditUnreadablePlan(s, args[0], dirFlag, err)
				return withCode(exitRefused, err)
			}
			dir, err := planDir(p, dirFlag)
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
			a, diags, err := e.PrepareApply(ctx, b, p, engine.ApplyOptions{Dir: dir, Vars: vf.inputs(), Parallelism: parallelism})
			if derr := printDiags(s, nil, diags); derr != nil {
				return derr
			}
			if err != nil {
				return err
			}
			defer a.Close()
			res := plans.Gate(plans.GateInput{
				Plan: p, Now: time.Now().UTC(),
				StateLineage: a.StateLineage, StateSerial: a.StateSerial,
				SensitiveVars: a.SensitiveVars, WorldChanged: a.WorldChanged, Author: p.Author,
			})
			refusal := res.Refusal
			if p.Rules == nil {
				if refusal == nil {
					refusal = &plans.Refusal{}
				}
				refusal.Reasons = append(refusal.Reasons, "the enclave has no approval block, so no one can approve this plan: add one (SPEC §6)")
			}
			if refusal != nil {
				audit(s, b, "refuse", map[string]any{"file": args[0], "digest": p.Digest, "reasons": refusal.Reasons})
				fmt.Fprintf(s.err, "Error: %s\n", refusal.Error())
				return silent(exitRefused)
			}
			approvers := []string{}
			for _, ap := range p.Approvals {
				approvers = append(approvers, ap.Approver)
			}
			audit(s, b, "apply-start", map[string]any{"file": args[0], "digest": p.Digest, "approvers": approvers})
			if p.RulesSource == "config" {
				fmt.Fprintln(s.out, "First apply of this state: the approval rules were taken from the configuration and are recorded now.")
			}
			started := time.Now()
			result, err := a.Apply(ctx)
			if err != nil {
				audit(s, b, "apply-end", map[string]any{"digest": p.Digest, "error": err.Error()})
				return err
			}
			audit(s, b, "apply-end", map[string]any{"digest": p.Digest, "results": result.Results, "failed": result.Failed, "skipped": result.Skipped, "changed": result.Changed})
			for _, r := range result.Results {
				switch {
				case r.Skipped:
					fmt.Fprintf(s.err, "Skipped %s: it depends on %s, which failed\n", r.Addr, r.Cause)
				case r.Error != "":
					fmt.Fprintf(s.err, "Error: %s (%s): %s\n", r.Addr, r.Action, r.Error)
				}
			}
			fmt.Fprintf(s.out, "\nApply %s: %d changed, %d failed, %d skipped, in %s.\n", outcome(result), result.Changed, result.Failed, result.Skipped, time.Since(started).Round(time.Millisecond))
			if result.Failed > 0 || result.Skipped > 0 {
				fmt.Fprintln(s.out, "State records everything that succeeded; run `enclave plan` to see what is left.")
				return silent(exitError)
			}
			return nil
		},
	}
	c.Flags().IntVar(&parallelism, "parallelism", 10, "how many changes run at once")
	c.Flags().StringVar(&dirFlag, "dir", "", "the enclave directory (default: where the plan was made)")
	vf.add(c)
	lf.add(c)
	return c
}

// auditUnreadablePlan records the refusal of a plan file that does not verify (tampered,
// truncated, newer format): the most important refusal to keep. The enclave is --dir, or the
// "dir" the file claims when that much can still be read.
func auditUnreadablePlan(s *streams, path, dirFlag string, cause error) {
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
	audit(s, backendFor(abs), "refuse", map[string]any{"file": path, "file_sha256": hex.EncodeToString(sum[:]), "reasons": []string{cause.Error()}})
}

func outcome(r *engine.ApplyResult) string {
	if r.Failed > 0 || r.Skipped > 0 {
		return "failed"
	}
	return "complete"
}
