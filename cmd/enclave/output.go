package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

// dirArg splits a command's arguments into the enclave directory and the rest: --dir when
// given, else a first argument that is an enclave directory (it holds *.hcl files), else ".".
// So `enclave state list DIR`, `enclave state list ADDR` and `enclave state list --dir DIR
// ADDR` all mean what they say.
func dirArg(flag string, args []string) (string, []string, error) {
	if flag != "" {
		d, err := enclaveDir([]string{flag})
		return d, args, err
	}
	if len(args) > 0 && isEnclaveDir(args[0]) {
		d, err := enclaveDir(args[:1])
		return d, args[1:], err
	}
	d, err := enclaveDir(nil)
	return d, args, err
}

func isEnclaveDir(p string) bool {
	fi, err := os.Stat(p)
	if err != nil || !fi.IsDir() {
		return false
	}
	m, _ := filepath.Glob(filepath.Join(p, "*.hcl"))
	return len(m) > 0
}

// outputCmd prints the outputs recorded by the last complete apply, as `terraform output`.
func outputCmd(s *streams) *cobra.Command {
	var dir string
	var js bool
	c := &cobra.Command{
		Use:   "output [DIR] [NAME]",
		Short: "Print the outputs recorded by the last apply (sensitive ones masked)",
		Args:  cobra.MaximumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, rest, err := dirArg(dir, args)
			if err != nil {
				return err
			}
			if len(rest) > 1 {
				return fmt.Errorf("one output name at most, got %v", rest)
			}
			st, found, err := backendFor(d).Read()
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("%s has no state yet: outputs are recorded by the first complete apply", d)
			}
			show := func(o state.Output) any {
				if o.Sensitive {
					return plans.Sensitive
				}
				return o.Value
			}
			if len(rest) == 1 {
				o, ok := st.Outputs[rest[0]]
				if !ok {
					return fmt.Errorf("no output %q in state (outputs: %s)", rest[0], outputNames(st))
				}
				if js {
					return json.NewEncoder(s.out).Encode(map[string]any{"sensitive": o.Sensitive, "value": show(o)})
				}
				if v, ok := o.Value.(string); ok && !o.Sensitive {
					fmt.Fprintln(s.out, v) // a string prints raw, for scripts
					return nil
				}
				b, _ := json.Marshal(show(o))
				fmt.Fprintln(s.out, string(b))
				return nil
			}
			if js {
				out := map[string]any{}
				for k, o := range st.Outputs {
					out[k] = map[string]any{"sensitive": o.Sensitive, "value": show(o)}
				}
				enc := json.NewEncoder(s.out)
				enc.SetIndent("", "  ")
				return enc.Encode(out)
			}
			for _, k := range sortedOutputNames(st) {
				b, _ := json.Marshal(show(st.Outputs[k]))
				fmt.Fprintf(s.out, "%s = %s\n", k, b)
			}
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "the enclave directory")
	c.Flags().BoolVar(&js, "json", false, "as JSON: {NAME: {sensitive, value}}, or one output's {sensitive, value}")
	return c
}

func sortedOutputNames(st *state.State) []string {
	out := make([]string, 0, len(st.Outputs))
	for k := range st.Outputs {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func outputNames(st *state.State) string {
	ns := sortedOutputNames(st)
	if len(ns) == 0 {
		return "none"
	}
	b, _ := json.Marshal(ns)
	return string(b)
}
