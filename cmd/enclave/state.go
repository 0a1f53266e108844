package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/spf13/cobra"
)

func stateCmd(s *streams) *cobra.Command {
	var dir string
	var lf lockFlags
	c := &cobra.Command{Use: "state", Short: "Inspect and repair state (every change is audited)"}
	c.PersistentFlags().StringVar(&dir, "dir", "", "the enclave directory (or give it as the first argument)")
	// backend takes the enclave directory from --dir or a leading DIR argument.
	backend := func(args []string) (*state.Local, []string, error) {
		d, rest, err := dirArg(dir, args)
		if err != nil {
			return nil, nil, err
		}
		return backendFor(d), rest, nil
	}
	list := &cobra.Command{Use: "list [DIR] [ADDR...]", Short: "List the resources in state, or those matching ADDR (a resource, an instance or a module)", RunE: func(cmd *cobra.Command, args []string) error {
		b, filters, err := backend(args)
		if err != nil {
			return err
		}
		st, _, err := b.Read()
		if err != nil {
			return err
		}
		for _, r := range st.Resources {
			if len(filters) > 0 && !matchesAny(r.Addr, filters) {
				continue
			}
			suffix := ""
			if r.Status != "" {
				suffix = "  (" + r.Status + ")"
			}
			fmt.Fprintf(s.out, "%s%s\n", r.Addr, suffix)
		}
		return nil
	}}
	show := &cobra.Command{Use: "show [DIR] ADDR", Short: "Show one resource's recorded attributes (secrets stay masked)", Args: cobra.RangeArgs(1, 2), RunE: func(cmd *cobra.Command, args []string) error {
		b, args, err := backend(args)
		if err != nil {
			return err
		}
		if len(args) != 1 {
			return fmt.Errorf("give one resource address")
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
			b, args, err := backend(args)
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
	mv := &cobra.Command{Use: "mv [DIR] FROM TO", Short: "Rename a resource in state (after renaming it in the configuration)", Args: cobra.RangeArgs(2, 3),
		RunE: surgery("mv", func(st *state.State, args []string) (map[string]any, error) {
			if len(args) != 2 {
				return nil, fmt.Errorf("give FROM and TO addresses")
			}
			if err := st.Move(args[0], args[1]); err != nil {
				return nil, err
			}
			fmt.Fprintf(s.out, "Moved %s to %s.\n", args[0], args[1])
			return map[string]any{"from": args[0], "to": args[1]}, nil
		})}
	rm := &cobra.Command{Use: "rm [DIR] ADDR...", Short: "Forget resources (the gear is not touched)", Args: cobra.MinimumNArgs(1),
		RunE: surgery("rm", func(st *state.State, args []string) (map[string]any, error) {
			for _, a := range args {
				if !st.Remove(a) {
					return nil, fmt.Errorf("%s is not in state", a)
				}
				fmt.Fprintf(s.out, "Removed %s from state; the object itself is unchanged.\n", a)
			}
			return map[string]any{"addresses": args}, nil
		})}
	unlock := &cobra.Command{Use: "unlock [DIR] ID", Short: "Force the state lock open (audited)", Args: cobra.RangeArgs(1, 2), RunE: func(cmd *cobra.Command, args []string) error {
		b, args, err := backend(args)
		if err != nil {
			return err
		}
		if len(args) != 1 {
			return fmt.Errorf("give the lock ID")
		}
		if err := b.Unlock(args[0]); err != nil {
			return err
		}
		fmt.Fprintf(s.out, "Unlocked the state (lock %s).\n", args[0])
		return nil
	}}
	history := &cobra.Command{Use: "history [DIR]", Short: "List the kept generations of state (serial, when written, resources)", Args: cobra.MaximumNArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		b, _, err := backend(args)
		if err != nil {
			return err
		}
		gens, err := b.History()
		if err != nil {
			return err
		}
		if len(gens) == 0 {
			fmt.Fprintln(s.out, "No state yet.")
			return nil
		}
		for _, g := range gens {
			mark := ""
			if g.Current {
				mark = "  (current)"
			}
			fmt.Fprintf(s.out, "%6d  %s  %3d resources%s\n", g.Serial, g.Written.UTC().Format("2006-01-02T15:04:05Z"), g.Resources, mark)
		}
		return nil
	}}
	restore := &cobra.Command{Use: "restore [DIR] SERIAL", Short: "Make a kept generation the current state again (a new generation; audited)", Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			b, args, err := backend(args)
			if err != nil {
				return err
			}
			if len(args) != 1 {
				return fmt.Errorf("give the serial to restore (see `enclave state history`)")
			}
			serial, err := strconv.ParseUint(args[0], 10, 64)
			if err != nil {
				return fmt.Errorf("serial %q is not a number", args[0])
			}
			u, err := lock(s.ctx(), b, "state restore", lf)
			if err != nil {
				return err
			}
			defer func() { _ = u.Unlock() }()
			old, err := b.Generation(serial)
			if err != nil {
				return err
			}
			cur, _, err := b.Read()
			if err != nil {
				var ce *state.CorruptError
				if !errors.As(err, &ce) {
					return err
				}
				cur = nil // missing or damaged: the restore replaces it
			}
			if err := audit(b, "state-restore", map[string]any{"serial": serial, "lineage": old.Lineage}); err != nil {
				return err
			}
			written, err := b.Restore(old, cur)
			if err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Restored the state of serial %d as serial %d; run `enclave plan` to see how the gear compares.\n", serial, written)
			return nil
		}}
	lf.add(mv)
	lf.add(rm)
	lf.add(restore)
	c.AddCommand(list, show, mv, rm, unlock, history, restore)
	return c
}

// matchesAny reports whether addr is one of the filters, an instance of one, or inside a
// module one names (Terraform's `state list ADDR`).
func matchesAny(addr string, filters []string) bool {
	for _, f := range filters {
		if addr == f || strings.HasPrefix(addr, f+"[") || strings.HasPrefix(addr, f+".") {
			return true
		}
	}
	return false
}
