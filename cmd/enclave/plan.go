package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func planCmd(s *streams) *cobra.Command {
	var (
		out, authorFlag string
		keyFlag         string
		destroy         bool
		targets         []string
		refresh         bool
		detailed, js    bool
		lifetime        time.Duration
		vf              varFlags
		lf              lockFlags
	)
	c := &cobra.Command{
		Use:   "plan [DIR]",
		Short: "Refresh and plan: show what apply would change",
		Long: `Reads the enclave in DIR (default: the working directory), reads every object it manages
from the gear in batches, and compares configuration, reality and the last applied state.
With --out the plan is saved for review, approval and apply; there is no apply without one.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := enclaveDir(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			b := backendFor(dir)
			u, err := lock(ctx, b, "plan", lf)
			if err != nil {
				return err
			}
			defer func() { _ = u.Unlock() }()
			e := newEngine(s)
			run, err := e.Plan(ctx, b, engine.PlanOptions{Dir: dir, Vars: vf.inputs(), Targets: targets, Refresh: refresh, Author: author(authorFlag), Lifetime: lifetime, Destroy: destroy})
			if derr := printDiags(s, run.Loader, run.Diags); derr != nil {
				return derr
			}
			if err != nil {
				return err
			}
			p := run.Plan
			p.Dir = relDir(dir)
			d, err := p.ComputeDigest()
			if err != nil {
				return err
			}
			p.Digest = d
			if js {
				if err := plans.RenderJSON(s.out, p); err != nil {
					return err
				}
			} else {
				if err := plans.RenderText(s.out, p, plans.TextOptions{Color: useColor(s.out)}); err != nil {
					return err
				}
			}
			if cs := p.Collisions(); len(cs) > 0 && out != "" {
				// Saved, it would fail at apply or take over what is not the enclave's.
				for _, c := range cs {
					fmt.Fprintf(s.err, "Error: %s %s\n", c.Addr, plans.CollisionNote(c))
				}
				return withCode(exitError, fmt.Errorf("the plan was not saved: %d %s would create what already exists on the device", len(cs), pluralS(len(cs), "change", "changes")))
			}
			if out != "" {
				// The author signs what they planned; the key that does never counts as an
				// approval. Without a key the plan is saved unsigned and the gate refuses it
				// until the author attaches a signature (approve --author).
				signed := false
				if keyFlag != "" || os.Getenv("SSH_AUTH_SOCK") != "" {
					sig, err := sign(s, p, keyFlag, "")
					switch {
					case err != nil && keyFlag != "":
						return fmt.Errorf("signing the plan as its author: %w", err)
					case err != nil:
						fmt.Fprintf(s.err, "Warning: the plan could not be signed through ssh-agent (%v); give --key\n", err)
					default:
						if err := plans.AttachAuthor(p, sig); err != nil {
							return err
						}
						signed = true
					}
				}
				_, fp, _ := plans.AuthorIdentity(p)
				if err := audit(b, "plan", map[string]any{"file": out, "digest": p.Digest, "author": p.Author, "author_key": fp, "counts": countsByName(p)}); err != nil {
					return err
				}
				if err := plans.Write(out, p); err != nil {
					return err
				}
				if !js {
					fmt.Fprintf(s.out, "\nSaved the plan to %s (%s).\n", out, p.Digest)
					if signed {
						fmt.Fprintf(s.out, "Signed by its author, %s (%s).\n", p.Author, fp)
					} else {
						fmt.Fprintf(s.out, "Warning: the plan is not signed by its author, and the gate refuses unsigned plans: sign it with `enclave approve %s --author --key KEY`.\n", out)
					}
					fmt.Fprintf(s.out, "Review it with `enclave show %s`; approve it with `enclave approve %s --key ~/.ssh/id_ed25519 --as NAME`; apply it with `enclave apply %s`.\n", out, out, out)
				}
			} else if !js && p.HasChanges() {
				fmt.Fprintf(s.out, "\nThis plan was not saved. Apply needs a saved, approved plan: run `enclave plan --out FILE`.\n")
			}
			if detailed && p.HasChanges() {
				return silent(exitChanges)
			}
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "save the plan to FILE for review, approval and apply")
	c.Flags().StringArrayVar(&targets, "target", nil, "plan only this resource address (and what it depends on); repeatable")
	c.Flags().BoolVar(&refresh, "refresh", true, "read the gear before planning (--refresh=false plans against state alone)")
	c.Flags().BoolVar(&destroy, "destroy", false, "plan taking down everything the state holds (honouring prevent_destroy); it goes through the gate like any plan")
	c.Flags().BoolVar(&detailed, "detailed-exitcode", false, "exit 2 when the plan has changes, 0 when it has none")
	c.Flags().BoolVar(&js, "json", false, "print the plan as JSON (docs/json-format.md)")
	c.Flags().StringVar(&authorFlag, "author", "", "who makes the plan (default: ENCLAVE_AUTHOR, git user.email, or the OS user); the author never counts as an approver")
	c.Flags().StringVar(&keyFlag, "key", os.Getenv("ENCLAVE_AUTHOR_KEY"), "with --out: the author's SSH key to sign the plan with (a public key: through ssh-agent; default ENCLAVE_AUTHOR_KEY, or the agent's only key)")
	c.Flags().DurationVar(&lifetime, "expires-in", 0, "how long the plan stays valid when the approval rules set no max_age (default 24h)")
	vf.add(c)
	lf.add(c)
	return c
}

func countsByName(p *plans.Plan) map[string]int {
	out := map[string]int{}
	for a, n := range p.Counts() {
		out[a.String()] = n
	}
	return out
}

// relDir is dir relative to the working directory, as a slash path: where apply looks for
// the enclave's state unless told otherwise.
func relDir(dir string) string {
	wd, err := os.Getwd()
	if err != nil {
		return filepath.ToSlash(dir)
	}
	r, err := filepath.Rel(wd, dir)
	if err != nil {
		return filepath.ToSlash(dir)
	}
	return filepath.ToSlash(r)
}

// planDir is where a saved plan's enclave lives: --dir, or the plan's Dir from here.
func planDir(p *plans.Plan, flag string) (string, error) {
	d := flag
	if d == "" {
		d = filepath.FromSlash(p.Dir)
		if d == "" {
			d = "."
		}
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", err
	}
	if fi, err := os.Stat(abs); err != nil || !fi.IsDir() {
		return "", fmt.Errorf("the plan's enclave directory %q is not here; run from where the plan was made, or give --dir", d)
	}
	return abs, nil
}

func pluralS(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
