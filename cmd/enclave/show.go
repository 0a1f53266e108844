package main

import (
	"fmt"

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
			p, err := plans.ReadFile(args[0])
			if err != nil {
				return withCode(exitRefused, err)
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
