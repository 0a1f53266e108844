package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/internal/config"
	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/hashicorp/hcl/v2"
	"github.com/spf13/cobra"
)

// enclaveDir resolves the DIR argument (default: the working directory).
func enclaveDir(args []string) (string, error) {
	dir := "."
	if len(args) > 0 {
		dir = args[0]
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("enclave directory %s: %w", dir, err)
	}
	if !fi.IsDir() {
		return "", fmt.Errorf("%s is not a directory; give the enclave's directory", dir)
	}
	return abs, nil
}

// backendFor is the state backend of an enclave directory: .enclave/ beside its files.
func backendFor(dir string) *state.Local {
	return state.NewLocal(filepath.Join(dir, ".enclave"))
}

// lockFlags are shared by commands that take the state lock.
type lockFlags struct{ timeout time.Duration }

func (l *lockFlags) add(c *cobra.Command) {
	c.Flags().DurationVar(&l.timeout, "lock-timeout", 0, "wait this long for the state lock (e.g. 30s) instead of failing at once")
}

func lock(ctx context.Context, b state.Backend, op string, lf lockFlags) (state.Unlocker, error) {
	u, err := b.Lock(ctx, state.NewLockInfo(op), lf.timeout)
	if err != nil {
		return nil, withCode(exitLocked, err)
	}
	return u, nil
}

func newEngine(s *streams) *engine.Engine {
	return &engine.Engine{
		Registry: registry(),
		Warnf: func(format string, args ...any) {
			fmt.Fprintf(s.err, "Warning: "+format+"\n", args...)
		},
	}
}

// printDiags writes diagnostics as FILE:LINE:COL: severity: summary, then hcl's snippet. It
// returns an error (exit 1) when any is an error.
func printDiags(s *streams, l *config.Loader, diags hcl.Diagnostics) error {
	if len(diags) == 0 {
		return nil
	}
	if l != nil {
		_ = l.WriteDiagnostics(s.err, diags, useColor(s.err))
	} else {
		for _, d := range diags {
			fmt.Fprintf(s.err, "%s\n", d.Error())
		}
	}
	if diags.HasErrors() {
		return silent(exitError)
	}
	return nil
}

// author is who made a plan: --author, ENCLAVE_AUTHOR, git's user.email, or the OS user.
func author(flag string) string {
	if flag != "" {
		return flag
	}
	if a := os.Getenv("ENCLAVE_AUTHOR"); a != "" {
		return a
	}
	if out, err := exec.Command("git", "config", "user.email").Output(); err == nil {
		if a := strings.TrimSpace(string(out)); a != "" {
			return a
		}
	}
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return "unknown"
}

// audit appends an entry; a failure to audit is an error the user must see.
// audit appends an entry to the enclave's audit log. It fails closed: an operation whose
// entry cannot be written must not go ahead, so callers stop on the error.
func audit(b state.Backend, kind string, details map[string]any) error {
	if err := b.Audit().Append(kind, details); err != nil {
		return fmt.Errorf("the audit log cannot be written, so nothing was done: %w", err)
	}
	return nil
}

// varFlags are --var and --var-file.
type varFlags struct {
	vars  []string
	files []string
}

func (v *varFlags) add(c *cobra.Command) {
	c.Flags().StringArrayVar(&v.vars, "var", nil, "set a variable: NAME=VALUE (VALUE is an HCL expression when the variable's type is not a string)")
	c.Flags().StringArrayVar(&v.files, "var-file", nil, "read variables from an HCL file of NAME = VALUE lines")
}

func (v *varFlags) inputs() engine.VarInputs {
	return engine.VarInputs{Files: v.files, Flags: v.vars}
}
