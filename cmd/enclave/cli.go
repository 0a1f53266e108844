package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos"
	"github.com/enclave-dev/enclave/providers/ontap"
	"github.com/enclave-dev/enclave/providers/vsphere"
	"github.com/spf13/cobra"
)

// Exit codes (SPEC §8).
const (
	exitOK      = 0
	exitError   = 1
	exitChanges = 2 // changes present (--detailed-exitcode) or drift found
	exitRefused = 3 // the gate refused, or a plan file was refused
	exitLocked  = 4
)

// exitErr carries an exit code through cobra. printed: the message was already shown.
type exitErr struct {
	code    int
	err     error
	printed bool
}

func (e *exitErr) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit %d", e.code)
	}
	return e.err.Error()
}

func withCode(code int, err error) error { return &exitErr{code: code, err: err} }

// silent exits with a code after the command printed what it had to say.
func silent(code int) error { return &exitErr{code: code, printed: true} }

func registry() providers.Registry {
	return providers.Registry{
		vsphere.Name: vsphere.New,
		junos.Name:   junos.New,
		ontap.Name:   ontap.New,
	}
}

// io holds the streams of one invocation, so tests can capture them, and its interrupts.
type streams struct {
	in       io.Reader
	out, err io.Writer
	intr     *interrupts
}

// ctx is the context a command's work runs under: cancelled by the first interrupt.
func (s *streams) ctx() context.Context { return s.intr.stop }

// terraformFlags are Terraform's single-dash spellings accepted for the hands that type them.
var terraformFlags = map[string]bool{
	"out": true, "var": true, "var-file": true, "detailed-exitcode": true, "target": true,
	"refresh": true, "json": true, "parallelism": true, "lock-timeout": true, "check": true,
	"no-color": true, "version": true, "destroy": true, "recursive": true, "diff": true,
}

// rewriteArgs turns -out=x / -var k=v into --out=x / --var k=v.
func rewriteArgs(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = a
		if strings.HasPrefix(a, "-") && !strings.HasPrefix(a, "--") && len(a) > 2 {
			name := strings.SplitN(a[1:], "=", 2)[0]
			if terraformFlags[name] {
				out[i] = "-" + a
			}
		}
	}
	return out
}

func run(args []string, in io.Reader, out, errw io.Writer) int {
	intr := background()
	defer intr.close()
	return runWith(intr, args, in, out, errw)
}

func runWith(intr *interrupts, args []string, in io.Reader, out, errw io.Writer) int {
	s := &streams{in: in, out: out, err: errw, intr: intr}
	root := newRoot(s)
	root.SetArgs(rewriteArgs(args))
	root.SetOut(out)
	root.SetErr(errw)
	root.SetIn(in)
	err := root.ExecuteContext(intr.stop)
	if err == nil {
		return exitOK
	}
	var ee *exitErr
	if errors.As(err, &ee) {
		if !ee.printed && ee.err != nil {
			fmt.Fprintf(errw, "Error: %s\n", ee.err)
		}
		return ee.code
	}
	code := exitError
	var le *state.LockedError
	var fe *plans.FileError
	switch {
	case errors.As(err, &le):
		code = exitLocked
	case errors.As(err, &fe):
		code = exitRefused
	}
	fmt.Fprintf(errw, "Error: %s\n", err)
	return code
}

func newRoot(s *streams) *cobra.Command {
	root := &cobra.Command{
		Use:           "enclave",
		Short:         "Plan, approve and apply changes to an isolated critical-services enclave",
		Long:          "enclave describes an enclave (vSphere, Junos SRX/EX, NetApp ONTAP) in HCL, plans changes,\ngates them on SSH-signed approvals, applies them, and detects drift.",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(
		validateCmd(s), fmtCmd(s), planCmd(s), showCmd(s), approveCmd(s), applyCmd(s), driftCmd(s),
		stateCmd(s), importCmd(s), graphCmd(s), auditCmd(s), providersCmd(s), labCmd(s), versionCmd(s),
		outputCmd(s),
	)
	root.PersistentFlags().BoolVar(&noColor, "no-color", false, "no colour in output (as NO_COLOR=1)")
	// --version, as Terraform's: the same line as `enclave version`.
	root.Version = Version
	root.SetVersionTemplate(versionLine() + "\n")
	return root
}

// Version is set at build time with -ldflags "-X main.Version=...".
var Version = "dev"

func versionCmd(s *streams) *cobra.Command {
	return &cobra.Command{Use: "version", Short: "Print the version", Args: cobra.NoArgs, RunE: func(*cobra.Command, []string) error {
		fmt.Fprintln(s.out, versionLine())
		return nil
	}}
}

func versionLine() string {
	return fmt.Sprintf("enclave %s (plan file format %d, state format %d)", Version, plans.FormatVersion, state.FormatVersion)
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// useColor: only on a terminal, and never with NO_COLOR.
// noColor is --no-color (Terraform's -no-color), for every command.
var noColor bool

func useColor(w io.Writer) bool {
	if _, set := os.LookupEnv("NO_COLOR"); set || noColor {
		return false
	}
	return isTerminal(w)
}
