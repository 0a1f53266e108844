package main

import (
	"encoding/json"
	"fmt"
	"sort"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func stateCmd(s *streams) *cobra.Command {
	var dir string
	var lf lockFlags
	c := &cobra.Command{Use: "state", Short: "Inspect and repair state (every change is audited)"}
	c.PersistentFlags().StringVar(&dir, "dir", ".", "the enclave directory")
	backend := func() (*state.Local, error) {
		d, err := enclaveDir([]string{dir})
		if err != nil {
			return nil, err
		}
		return backendFor(d), nil
	}
	list := &cobra.Command{Use: "list", Short: "List the resources in state", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		b, err := backend()
		if err != nil {
			return err
		}
		st, _, err := b.Read()
		if err != nil {
			return err
		}
		for _, r := range st.Resources {
			suffix := ""
			if r.Status != "" {
				suffix = "  (" + r.Status + ")"
			}
			fmt.Fprintf(s.out, "%s%s\n", r.Addr, suffix)
		}
		return nil
	}}
	show := &cobra.Command{Use: "show ADDR", Short: "Show one resource's recorded attributes (secrets stay masked)", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		b, err := backend()
		if err != nil {
			return err
		}
		st, _, err := b.Read()
		if err != nil {
			return err
		}
		r := st.Resource(args[0])
		if r == nil {
			return fmt.Errorf("%s is not in state (see `enclave state list`)", args[0])
		}
		fmt.Fprintf(s.out, "# %s (%s, provider %s)\n", r.Addr, r.Type, r.Provider)
		keys := make([]string, 0, len(r.Attributes))
		for k := range r.Attributes {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			v := r.Attributes[k]
			if state.IsHashed(v) {
				v = plans.Sensitive
			}
			b, _ := json.Marshal(v)
			fmt.Fprintf(s.out, "%s = %s\n", k, b)
		}
		if len(r.Dependencies) > 0 {
			fmt.Fprintf(s.out, "# depends on: %v\n", r.Dependencies)
		}
		return nil
	}}
	surgery := func(op string, fn func(st *state.State, args []string) (map[string]any, error)) func(*cobra.Command, []string) error {
		return func(cmd *cobra.Command, args []string) error {
			b, err := backend()
			if err != nil {
				return err
			}
			u, err := lock(s.ctx(), b, "state "+op, lf)
			if err != nil {
				return err
			}
			defer func() { _ = u.Unlock() }()
			st, _, err := b.Read()
			if err != nil {
				return err
			}
			details, err := fn(st, args)
			if err != nil {
				return err
			}
			// Audited first: surgery that cannot be recorded is not done.
			if err := audit(b, "state-"+op, details); err != nil {
				return err
			}
			if _, err := b.Write(st); err != nil {
				return err
			}
			return nil
		}
	}
	mv := &cobra.Command{Use: "mv FROM TO", Short: "Rename a resource in state (after renaming it in the configuration)", Args: cobra.ExactArgs(2),
		RunE: surgery("mv", func(st *state.State, args []string) (map[string]any, error) {
			if err := st.Move(args[0], args[1]); err != nil {
				return nil, err
			}
			fmt.Fprintf(s.out, "Moved %s to %s.\n", args[0], args[1])
			return map[string]any{"from": args[0], "to": args[1]}, nil
		})}
	rm := &cobra.Command{Use: "rm ADDR...", Short: "Forget resources (the gear is not touched)", Args: cobra.MinimumNArgs(1),
		RunE: surgery("rm", func(st *state.State, args []string) (map[string]any, error) {
			for _, a := range args {
				if !st.Remove(a) {
					return nil, fmt.Errorf("%s is not in state", a)
				}
				fmt.Fprintf(s.out, "Removed %s from state; the object itself is unchanged.\n", a)
			}
			return map[string]any{"addresses": args}, nil
		})}
	unlock := &cobra.Command{Use: "unlock ID", Short: "Force the state lock open (audited)", Args: cobra.ExactArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		b, err := backend()
		if err != nil {
			return err
		}
		if err := b.Unlock(args[0]); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Unlocked the state (lock %s).\n", args[0])
		return nil
	}}
	lf.add(mv)
	lf.add(rm)
	c.AddCommand(list, show, mv, rm, unlock)
	return c
}
