package main

import (
	"context"
	"fmt"
	"os"

	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func showCmd(s *streams) *cobra.Command {
	var js, digest, html bool
	c := &cobra.Command{
		Use:   "show FILE",
		Short: "Render a saved plan for reviewers (text, --json, --html) or print its digest line",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fi, err := os.Stat(args[0]); err != nil {
				return fmt.Errorf("the plan file %s: %w", args[0], err)
			} else if fi.IsDir() {
				return fmt.Errorf("%s is a directory: show takes a saved plan file (enclave plan --out FILE)", args[0])
			}
			p, err := plans.ReadFile(args[0])
			if err != nil {
				return withCode(exitRefused, err)
			}
			if err := rederived(cmd.Context(), s, p); err != nil {
				return err
			}
			switch {
			case digest:
				fmt.Fprintln(s.out, p.DigestLine())
				return nil
			case js:
				return plans.RenderJSON(s.out, p)
			case html:
				return plans.RenderHTMLNamed(s.out, p, args[0])
			}
			return plans.RenderText(s.out, p, plans.TextOptions{Color: useColor(s.out)})
		},
	}
	c.Flags().BoolVar(&js, "json", false, "the plan as JSON")
	c.Flags().BoolVar(&digest, "digest", false, "print the digest line reviewers sign")
	c.Flags().BoolVar(&html, "html", false, "a self-contained HTML page for reviewers")
	c.MarkFlagsMutuallyExclusive("json", "digest", "html")
	return c
}

// rederived plans p again from the file alone and refuses it (exit 3) when what the file
// says it will do is not what its own content gives: it was edited after it was made, and
// rendering it would show reviewers something other than what apply would do. Without the
// sensitive inputs the parts that depend on them are compared as far as they can be (apply
// re-derives exactly); that is said on stderr, never on stdout, which may be a digest line.
func rederived(ctx context.Context, s *streams, p *plans.Plan) error {
	if ctx == nil {
		ctx = context.Background()
	}
	res := newEngine(s).Rederive(ctx, p)
	if len(res.Differences) > 0 {
		reasons := make([]string, 0, len(res.Differences))
		for _, d := range res.Differences {
			reasons = append(reasons, "the plan does not follow from its own configuration: "+d)
		}
		fmt.Fprintf(s.err, "Error: %s\n", (&plans.Refusal{Reasons: reasons}).Error())
		return silent(exitRefused)
	}
	if res.Incomplete != "" {
		fmt.Fprintf(s.err, "Warning: the plan could not be re-derived here (%s); apply re-derives it exactly before anything is changed.\n", res.Incomplete)
	}
	return nil
}
