package main

import (
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func driftCmd(s *streams) *cobra.Command {
	var (
		format, output string
		vf             varFlags
		lf             lockFlags
	)
	c := &cobra.Command{
		Use:   "drift [DIR]",
		Short: "Refresh and compare the real gear with the last apply and the configuration (for CI)",
		Long: `Reads every managed object and reports drift (the gear differs from what the last apply
recorded) and pending changes (the configuration differs from the gear). Exit 0: all match;
exit 2: drift or pending changes found; exit 1: an error. --format junit writes a JUnit report
with one test case per resource, failing where it drifted.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if format != "text" && format != "json" && format != "junit" {
				return fmt.Errorf("--format must be text, json or junit, not %q", format)
			}
			dir, err := enclaveDir(args)
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			if ctx == nil {
				ctx = context.Background()
			}
			b := backendFor(dir)
			u, err := lock(ctx, b, "drift", lf)
			if err != nil {
				return err
			}
			defer func() { _ = u.Unlock() }()
			run, err := newEngine(s).Plan(ctx, b, engine.PlanOptions{Dir: dir, Vars: vf.inputs(), Refresh: true, Author: author("")})
			if derr := printDiags(s, run.Loader, run.Diags); derr != nil {
				return derr
			}
			if err != nil {
				return err
			}
			p := run.Plan
			rep := &plans.DriftReport{Enclave: p.Enclave, CheckedAt: time.Now().UTC(), State: p.State, Drift: p.Drift, Changes: p.Changes}
			var w io.Writer = s.out
			if output != "" {
				f, err := os.Create(output)
				if err != nil {
					return err
				}
				defer f.Close()
				w = f
			}
			switch format {
			case "json":
				err = plans.RenderDriftJSON(w, rep)
			case "junit":
				err = renderJUnit(w, rep)
			default:
				err = renderDriftText(w, rep)
			}
			if err != nil {
				return err
			}
			if output != "" && format != "text" {
				_ = renderDriftText(s.out, rep)
			}
			if rep.Found() {
				return silent(exitChanges)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "text", "text, json or junit")
	c.Flags().StringVar(&output, "output", "", "write the report to this file")
	vf.add(c)
	lf.add(c)
	return c
}

func showValue(v any, sensitive bool) string {
	if sensitive {
		return plans.Sensitive
	}
	if v == nil {
		return "null"
	}
	if s, ok := v.(string); ok {
		return fmt.Sprintf("%q", s)
	}
	return fmt.Sprint(v)
}

func driftLines(d plans.Drift) []string {
	if d.Gone {
		return []string{"deleted outside enclave"}
	}
	var out []string
	for _, a := range d.Diffs {
		out = append(out, fmt.Sprintf("%s: %s -> %s", a.Path, showValue(a.Before, a.Sensitive), showValue(a.After, a.Sensitive)))
	}
	return out
}

func pending(rep *plans.DriftReport) []plans.ResourceChange {
	var out []plans.ResourceChange
	for _, c := range rep.Changes {
		if c.Action != plans.NoOp && c.Action != plans.Read {
			out = append(out, c)
		}
	}
	return out
}

func renderDriftText(w io.Writer, rep *plans.DriftReport) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Drift check of %s at %s (state serial %d)\n", rep.Enclave, rep.CheckedAt.Format(time.RFC3339), rep.State.Serial)
	if len(rep.Drift) == 0 {
		b.WriteString("\nNo drift: the gear matches the last apply.\n")
	} else {
		fmt.Fprintf(&b, "\n%d resource(s) changed outside enclave:\n", len(rep.Drift))
		for _, d := range rep.Drift {
			fmt.Fprintf(&b, "  ~ %s\n", d.Addr)
			for _, l := range driftLines(d) {
				fmt.Fprintf(&b, "      %s\n", l)
			}
		}
	}
	pend := pending(rep)
	if len(pend) == 0 {
		b.WriteString("No pending changes: the gear matches the configuration.\n")
	} else {
		fmt.Fprintf(&b, "\n%d pending change(s) to match the configuration:\n", len(pend))
		for _, c := range pend {
			fmt.Fprintf(&b, "  %s %s (%s)\n", c.Action.Symbol(), c.Addr, c.Action)
		}
		b.WriteString("Run `enclave plan --out FILE` to review them.\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Name    string       `xml:"name,attr"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name      string      `xml:"name,attr"`
	Tests     int         `xml:"tests,attr"`
	Failures  int         `xml:"failures,attr"`
	Timestamp string      `xml:"timestamp,attr"`
	Cases     []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// renderJUnit writes one test case per managed resource; drifted or pending ones fail, so CI
// dashboards show which object no longer matches.
func renderJUnit(w io.Writer, rep *plans.DriftReport) error {
	drift := map[string]plans.Drift{}
	for _, d := range rep.Drift {
		drift[d.Addr] = d
	}
	suite := junitSuite{Name: "enclave drift: " + rep.Enclave, Timestamp: rep.CheckedAt.Format(time.RFC3339)}
	seen := map[string]bool{}
	changes := append([]plans.ResourceChange(nil), rep.Changes...)
	sort.Slice(changes, func(i, j int) bool { return changes[i].Addr < changes[j].Addr })
	for _, c := range changes {
		if c.Mode != "managed" {
			continue
		}
		seen[c.Addr] = true
		tc := junitCase{Name: c.Addr, Classname: c.Type}
		var msgs []string
		if d, ok := drift[c.Addr]; ok {
			msgs = append(msgs, "changed outside enclave: "+strings.Join(driftLines(d), "; "))
		}
		if c.Action != plans.NoOp {
			msgs = append(msgs, fmt.Sprintf("pending %s to match the configuration", c.Action))
		}
		if len(msgs) > 0 {
			typ := "pending"
			if _, ok := drift[c.Addr]; ok {
				typ = "drift"
			}
			tc.Failure = &junitFailure{Message: msgs[0], Type: typ, Text: strings.Join(msgs, "\n")}
			suite.Failures++
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, d := range rep.Drift {
		if !seen[d.Addr] {
			suite.Cases = append(suite.Cases, junitCase{Name: d.Addr, Classname: d.Type,
				Failure: &junitFailure{Message: "changed outside enclave", Type: "drift", Text: strings.Join(driftLines(d), "\n")}})
			suite.Failures++
		}
	}
	suite.Tests = len(suite.Cases)
	doc := junitSuites{Name: "enclave", Tests: suite.Tests, Fails: suite.Failures, Suites: []junitSuite{suite}}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}
