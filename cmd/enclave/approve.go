package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
	"golang.org/x/crypto/ssh"
	"golang.org/x/term"
)

func approveCmd(s *streams) *cobra.Command {
	var keyPath, sigPath, as, comment, dirFlag string
	var signOnly, asAuthor bool
	c := &cobra.Command{
		Use:   "approve FILE (--key K | --signature SIG) --as NAME",
		Short: "Sign a saved plan's digest as a reviewer, or attach a signature made with ssh-keygen",
		Long: `Approvals are SSH signatures (ssh-keygen -Y sign, namespace enclave-plan) over the plan's
digest line, as printed by ` + "`enclave show FILE --digest`" + ` plus a newline.

  --key PATH        sign with this private key (asks the passphrase on a terminal); when PATH is a
                    public key, or --key is omitted, sign through ssh-agent (SSH_AUTH_SOCK) with
                    that key, or with NAME's key from the approval rules
  --signature SIG   attach a signature made elsewhere (a file, or - for stdin), e.g. by
                    ssh-keygen -Y sign -n enclave-plan -f KEY digest.txt
  --sign-only       print the signature instead of changing FILE, to paste into a pull request`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			file := args[0]
			if fi, err := os.Stat(file); err != nil {
				return fmt.Errorf("the plan file %s: %w", file, err)
			} else if fi.IsDir() {
				return fmt.Errorf("%s is a directory: approve takes a saved plan file", file)
			}
			if as == "" && !asAuthor {
				return fmt.Errorf("--as NAME is required: the approver's name in the approval rules")
			}
			if as != "" && asAuthor {
				return fmt.Errorf("give --as NAME to approve or --author to sign as the plan's author, not both")
			}
			// Reviewers approving one file at once: read, attach and write under a lock, so
			// neither approval is lost.
			if !signOnly {
				unlock, err := state.LockDir(filepath.Dir(file))
				if err != nil {
					return fmt.Errorf("locking %s for the update: %w", file, err)
				}
				defer unlock()
			}
			p, err := plans.ReadFile(file)
			if err != nil {
				return withCode(exitRefused, err)
			}
			// A reviewer signs only a plan that follows from its own content.
			if err := rederived(cmd.Context(), s, p); err != nil {
				return err
			}
			var sig string
			switch {
			case sigPath != "":
				if keyPath != "" {
					return fmt.Errorf("give --key or --signature, not both")
				}
				var b []byte
				if sigPath == "-" {
					b, err = io.ReadAll(s.in)
				} else {
					b, err = os.ReadFile(sigPath)
				}
				if err != nil {
					return fmt.Errorf("reading the signature: %w", err)
				}
				sig = string(b)
			default:
				sig, err = sign(s, p, keyPath, as)
				if err != nil {
					return err
				}
			}
			if signOnly {
				fmt.Fprint(s.out, sig)
				if !strings.HasSuffix(sig, "\n") {
					fmt.Fprintln(s.out)
				}
				return nil
			}
			if asAuthor {
				if err := plans.AttachAuthor(p, sig); err != nil {
					return withCode(exitRefused, err)
				}
			} else if err := plans.Attach(p, as, sig, comment, time.Now().UTC()); err != nil {
				return withCode(exitRefused, err)
			}
			if dir, err := planDir(p, dirFlag); err == nil {
				kind, who := "approve", as
				if asAuthor {
					kind, who = "author-sign", p.Author
				}
				if err := audit(backendFor(dir), kind, map[string]any{"file": file, "digest": p.Digest, "approver": who, "comment": comment, "signature": strings.TrimSpace(sig)}); err != nil {
					return err
				}
			}
			if err := plans.Write(file, p); err != nil {
				return err
			}
			if asAuthor {
				_, fp, _ := plans.AuthorIdentity(p)
				fmt.Fprintf(s.out, "Signed %s as its author, %s (%s).\n", file, p.Author, fp)
				return nil
			}
			fmt.Fprintf(s.out, "%s approved %s (%s).\n", as, file, p.Digest)
			for _, q := range plans.RuleQuorums(p) {
				fmt.Fprintf(s.out, "  rule %-16s %d of %d approvals\n", q.Rule, q.Have, q.Required)
			}
			return nil
		},
	}
	c.Flags().StringVar(&keyPath, "key", "", "private key to sign with (a public key: sign through ssh-agent)")
	c.Flags().StringVar(&sigPath, "signature", "", "attach this armored SSH signature (file, or - for stdin)")
	c.Flags().StringVar(&as, "as", "", "the approver's name in the approval rules")
	c.Flags().StringVar(&comment, "comment", "", "a note kept with the approval")
	c.Flags().BoolVar(&signOnly, "sign-only", false, "print the signature; do not change FILE")
	c.Flags().BoolVar(&asAuthor, "author", false, "sign as the plan's author instead of approving (for a plan saved unsigned, or signed with ssh-keygen)")
	c.Flags().StringVar(&dirFlag, "dir", "", "the enclave directory, for the audit log (default: where the plan was made)")
	return c
}

// sign makes a signature with a private key file, or through ssh-agent.
func sign(s *streams, p *plans.Plan, keyPath, as string) (string, error) {
	if keyPath != "" {
		b, err := os.ReadFile(keyPath)
		if err != nil {
			return "", fmt.Errorf("reading %s: %w", keyPath, err)
		}
		if pub, _, _, _, perr := ssh.ParseAuthorizedKey(b); perr == nil {
			return plans.SignWithAgent(p, os.Getenv("SSH_AUTH_SOCK"), pub)
		}
		return plans.SignWithKeyFile(p, keyPath, func() ([]byte, error) { return askPassphrase(s, keyPath) })
	}
	var pub ssh.PublicKey
	if p.Rules != nil {
		for _, a := range p.Rules.Approvers {
			if a.Name == as {
				pub, _, _, _, _ = ssh.ParseAuthorizedKey([]byte(a.Key))
			}
		}
	}
	return plans.SignWithAgent(p, os.Getenv("SSH_AUTH_SOCK"), pub)
}

// askPassphrase reads a passphrase from the terminal without echo; ENCLAVE_KEY_PASSPHRASE
// serves scripts that have no terminal.
func askPassphrase(s *streams, keyPath string) ([]byte, error) {
	if v, ok := os.LookupEnv("ENCLAVE_KEY_PASSPHRASE"); ok {
		return []byte(v), nil
	}
	f, ok := s.in.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil, fmt.Errorf("no terminal to ask the passphrase on (set ENCLAVE_KEY_PASSPHRASE)")
	}
	fmt.Fprintf(s.err, "Passphrase for %s: ", keyPath)
	b, err := term.ReadPassword(int(f.Fd()))
	fmt.Fprintln(s.err)
	return b, err
}
