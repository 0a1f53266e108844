package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/internal/graph"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclwrite"
	"github.com/spf13/cobra"
	"github.com/zclconf/go-cty/cty"
)

func validateCmd(s *streams) *cobra.Command {
	var vf varFlags
	c := &cobra.Command{
		Use:   "validate [DIR]",
		Short: "Parse, type-check, resolve references and modules, and check policies that need no refresh",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := enclaveDir(args)
			if err != nil {
				return err
			}
			run, err := newEngine(s).Plan(cmd.Context(), backendFor(dir), engine.PlanOptions{Dir: dir, Vars: vf.inputs(), Offline: true})
			if derr := printDiags(s, run.Loader, run.Diags); derr != nil {
				return derr
			}
			if err != nil {
				return err
			}
			n := 0
			for _, c := range run.Plan.Changes {
				if c.Mode == "managed" {
					n++
				}
			}
			fmt.Fprintf(s.out, "The enclave %q is valid: %d resource instances, %d policies checked.\n", run.Plan.Enclave, n, len(run.Plan.Policies))
			return nil
		},
	}
	vf.add(c)
	return c
}

func fmtCmd(s *streams) *cobra.Command {
	var check, recursive bool
	c := &cobra.Command{
		Use:   "fmt [DIR]",
		Short: "Rewrite *.hcl files in canonical format (--check: only list those that are not; exit 1 if any)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := enclaveDir(args)
			if err != nil {
				return err
			}
			var files []string
			walk := func(p string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() && p != dir && (!recursive || strings.HasPrefix(d.Name(), ".")) {
					return filepath.SkipDir
				}
				if !d.IsDir() && strings.HasSuffix(p, ".hcl") {
					files = append(files, p)
				}
				return nil
			}
			if err := filepath.WalkDir(dir, walk); err != nil {
				return err
			}
			sort.Strings(files)
			var bad []string
			for _, f := range files {
				src, err := os.ReadFile(f)
				if err != nil {
					return err
				}
				if _, diags := hclwrite.ParseConfig(src, f, hcl.InitialPos); diags.HasErrors() {
					return printDiags(s, nil, diags)
				}
				out := hclwrite.Format(src)
				if bytes.Equal(out, src) {
					continue
				}
				rel, _ := filepath.Rel(dir, f)
				bad = append(bad, rel)
				if !check {
					if err := os.WriteFile(f, out, 0o644); err != nil {
						return err
					}
				}
				fmt.Fprintln(s.out, rel)
			}
			if check && len(bad) > 0 {
				fmt.Fprintf(s.err, "%d file(s) are not in canonical format; run `enclave fmt`.\n", len(bad))
				return silent(exitError)
			}
			return nil
		},
	}
	c.Flags().BoolVar(&check, "check", false, "list unformatted files and exit 1 if any; change nothing")
	c.Flags().BoolVar(&recursive, "recursive", false, "also format subdirectories")
	return c
}

func importCmd(s *streams) *cobra.Command {
	var dir string
	var vf varFlags
	var lf lockFlags
	c := &cobra.Command{
		Use:   "import [DIR] ADDR ID",
		Short: "Adopt an existing object into state (vSphere: an inventory path such as /DC0/vm/mail1, or the id a plan names)",
		Args:  cobra.RangeArgs(2, 3),
		RunE: func(cmd *cobra.Command, args []string) error {
			d, args, err := dirArg(dir, args)
			if err != nil {
				return err
			}
			if len(args) != 2 {
				return fmt.Errorf("give the resource address and the object's ID")
			}
			b := backendFor(d)
			u, err := lock(cmd.Context(), b, "import", lf)
			if err != nil {
				return err
			}
			defer func() { _ = u.Unlock() }()
			r, loader, diags, err := newEngine(s).Import(cmd.Context(), b, d, vf.inputs(), args[0], args[1])
			if derr := printDiags(s, loader, diags); derr != nil {
				return derr
			}
			if err != nil {
				return err
			}
			if err := audit(b, "import", map[string]any{"address": args[0], "id": args[1], "object": r.Attributes["id"]}); err != nil {
				return err
			}
			fmt.Fprintf(s.out, "Imported %s (id %v). Run `enclave plan` to see how it differs from the configuration.\n", args[0], r.Attributes["id"])
			return nil
		},
	}
	c.Flags().StringVar(&dir, "dir", "", "the enclave directory (or give it as the first argument)")
	vf.add(c)
	lf.add(c)
	return c
}

func graphCmd(s *streams) *cobra.Command {
	var vf varFlags
	c := &cobra.Command{
		Use:   "graph [DIR]",
		Short: "Print the resource dependency graph as DOT (an edge points at what a resource needs)",
		Args:  cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			dir, err := enclaveDir(args)
			if err != nil {
				return err
			}
			run, err := newEngine(s).Plan(cmd.Context(), backendFor(dir), engine.PlanOptions{Dir: dir, Vars: vf.inputs(), Offline: true})
			if derr := printDiags(s, run.Loader, run.Diags); derr != nil {
				return derr
			}
			if err != nil {
				return err
			}
			g := graph.New()
			for addr, deps := range run.Deps {
				g.Add(addr)
				for _, d := range deps {
					g.Connect(addr, d)
				}
			}
			fmt.Fprint(s.out, g.DOT(run.Plan.Enclave))
			return nil
		},
	}
	vf.add(c)
	return c
}

func auditCmd(s *streams) *cobra.Command {
	var dir string
	var js bool
	c := &cobra.Command{Use: "audit", Short: "Show or verify the hash-chained audit log"}
	c.PersistentFlags().StringVar(&dir, "dir", "", "the enclave directory (or give it as the first argument)")
	log := func(args []string) (*state.AuditLog, string, error) {
		d, _, err := dirArg(dir, args)
		if err != nil {
			return nil, "", err
		}
		return backendFor(d).Audit(), d, nil
	}
	show := &cobra.Command{Use: "show [DIR]", Short: "List audit entries", Args: cobra.MaximumNArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		l, _, err := log(args)
		if err != nil {
			return err
		}
		es, err := l.Entries()
		if err != nil {
			return err
		}
		if js {
			enc := json.NewEncoder(s.out)
			enc.SetIndent("", "  ")
			return enc.Encode(map[string]any{"format_version": "1.0", "entries": es})
		}
		for _, e := range es {
			d, _ := json.Marshal(e.Details)
			fmt.Fprintf(s.out, "%4d  %s  %-12s %-24s %s\n", e.Seq, e.Time.UTC().Format("2006-01-02T15:04:05Z"), e.Kind, e.User+"@"+e.Host, d)
		}
		return nil
	}}
	show.Flags().BoolVar(&js, "json", false, "entries as JSON")
	verify := &cobra.Command{Use: "verify [DIR]", Short: "Check the hash chain against the state's anchor; exit 1 naming the first broken entry", Args: cobra.MaximumNArgs(1), RunE: func(cmd *cobra.Command, args []string) error {
		l, d, err := log(args)
		if err != nil {
			return err
		}
		// The state anchors the log (entries and head hash at its last write): a log whose
		// chain was rebuilt after a deletion, or deleted whole, fails against it.
		var anchor *state.AuditAnchor
		if st, found, err := backendFor(d).Read(); err == nil && found {
			anchor = st.AuditHead
		}
		n, err := l.VerifyAnchored(anchor)
		if err != nil {
			var be *state.AuditBrokenError
			if errors.As(err, &be) {
				return withCode(exitError, fmt.Errorf("the audit log is broken: %w", err))
			}
			return err
		}
		if anchor != nil {
			fmt.Fprintf(s.out, "The audit log is intact: %d entries, each chained to the one before; the first %d are the ones the state anchored.\n", n, anchor.Entries)
		} else {
			fmt.Fprintf(s.out, "The audit log is intact: %d entries, each chained to the one before.\n", n)
		}
		return nil
	}}
	c.AddCommand(show, verify)
	c.RunE = show.RunE
	c.Args = cobra.MaximumNArgs(1)
	c.Use = "audit [show|verify] [DIR]"
	return c
}

func providersCmd(s *streams) *cobra.Command {
	var js bool
	schema := &cobra.Command{Use: "schema", Short: "Print every resource type's schema", Args: cobra.NoArgs, RunE: func(cmd *cobra.Command, _ []string) error {
		schemas := registry().Schemas()
		if js {
			return renderSchemasJSON(s, schemas)
		}
		names := make([]string, 0, len(schemas))
		for n := range schemas {
			names = append(names, n)
		}
		sort.Strings(names)
		for _, n := range names {
			ps := schemas[n]
			fmt.Fprintf(s.out, "provider %q\n", n)
			printSchema(s, ps.Provider, "    ")
			for _, t := range sortedKeys(ps.Resources) {
				rs := ps.Resources[t]
				extra := ""
				if rs.Destructive {
					extra = "  (holds data: deleting or replacing it is destructive)"
				}
				fmt.Fprintf(s.out, "\n  resource %q%s\n", t, extra)
				printSchema(s, &rs.Schema, "    ")
			}
			for _, t := range sortedKeys(ps.DataSources) {
				fmt.Fprintf(s.out, "\n  data %q\n", t)
				printSchema(s, ps.DataSources[t], "    ")
			}
			fmt.Fprintln(s.out)
		}
		return nil
	}}
	schema.Flags().BoolVar(&js, "json", false, "as JSON")
	c := &cobra.Command{Use: "providers", Short: "Provider information"}
	c.AddCommand(schema)
	return c
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func attrFlags(a *providers.Attribute) string {
	var f []string
	switch {
	case a.Required:
		f = append(f, "required")
	case a.Optional && a.Computed:
		f = append(f, "optional", "computed")
	case a.Optional:
		f = append(f, "optional")
	default:
		f = append(f, "computed")
	}
	if a.Sensitive {
		f = append(f, "sensitive")
	}
	if a.ForceNew {
		f = append(f, "forces replacement")
	}
	if a.Default != nil {
		f = append(f, fmt.Sprintf("default %v", a.Default))
	}
	if len(a.OneOf) > 0 {
		f = append(f, "one of "+strings.Join(a.OneOf, "|"))
	}
	return strings.Join(f, ", ")
}

func printSchema(s *streams, sc *providers.Schema, indent string) {
	if sc == nil {
		return
	}
	for _, n := range sc.SortedKeys() {
		a := sc.Attributes[n]
		desc := ""
		if a.Description != "" {
			desc = "  # " + a.Description
		}
		fmt.Fprintf(s.out, "%s%-24s %-14s %s%s\n", indent, n, a.Type.FriendlyName(), attrFlags(a), desc)
	}
	for _, n := range sc.SortedBlockKeys() {
		b := sc.Blocks[n]
		kind := "block list"
		if b.Nesting == providers.NestingSingle {
			kind = "block"
		}
		if b.Ordered {
			kind += ", ordered"
		}
		if b.ForceNew {
			kind += ", forces replacement"
		}
		fmt.Fprintf(s.out, "%s%s { } (%s)\n", indent, n, kind)
		printSchema(s, &b.Schema, indent+"    ")
	}
}

type jsonAttr struct {
	Type        string   `json:"type"`
	Description string   `json:"description,omitempty"`
	Required    bool     `json:"required,omitempty"`
	Optional    bool     `json:"optional,omitempty"`
	Computed    bool     `json:"computed,omitempty"`
	Sensitive   bool     `json:"sensitive,omitempty"`
	ForceNew    bool     `json:"forces_replacement,omitempty"`
	Default     any      `json:"default,omitempty"`
	OneOf       []string `json:"one_of,omitempty"`
}

type jsonSchema struct {
	Attributes map[string]jsonAttr  `json:"attributes,omitempty"`
	Blocks     map[string]jsonBlock `json:"blocks,omitempty"`
	Extra      map[string]any       `json:"-"`
}

type jsonBlock struct {
	jsonSchema
	Nesting  string `json:"nesting"`
	Ordered  bool   `json:"ordered,omitempty"`
	ForceNew bool   `json:"forces_replacement,omitempty"`
	MinItems int    `json:"min_items,omitempty"`
	MaxItems int    `json:"max_items,omitempty"`
}

func toJSONSchema(sc *providers.Schema) jsonSchema {
	out := jsonSchema{Attributes: map[string]jsonAttr{}, Blocks: map[string]jsonBlock{}}
	if sc == nil {
		return out
	}
	for n, a := range sc.Attributes {
		out.Attributes[n] = jsonAttr{Type: typeName(a.Type), Description: a.Description, Required: a.Required, Optional: a.Optional, Computed: a.Computed,
			Sensitive: a.Sensitive, ForceNew: a.ForceNew, Default: a.Default, OneOf: a.OneOf}
	}
	for n, b := range sc.Blocks {
		nesting := "list"
		if b.Nesting == providers.NestingSingle {
			nesting = "single"
		}
		out.Blocks[n] = jsonBlock{jsonSchema: toJSONSchema(&b.Schema), Nesting: nesting, Ordered: b.Ordered, ForceNew: b.ForceNew, MinItems: b.MinItems, MaxItems: b.MaxItems}
	}
	return out
}

func typeName(t cty.Type) string {
	b, err := t.MarshalJSON()
	if err != nil {
		return t.FriendlyName()
	}
	var v any
	_ = json.Unmarshal(b, &v)
	if s, ok := v.(string); ok {
		return s
	}
	return string(b)
}

func renderSchemasJSON(s *streams, schemas map[string]*providers.ProviderSchema) error {
	type jsonResource struct {
		jsonSchema
		Destructive bool   `json:"destructive,omitempty"`
		Import      string `json:"import,omitempty"`
	}
	type jsonProvider struct {
		Provider      jsonSchema              `json:"provider"`
		Transactional bool                    `json:"transactional,omitempty"`
		Resources     map[string]jsonResource `json:"resource_schemas"`
		DataSources   map[string]jsonSchema   `json:"data_source_schemas"`
	}
	out := struct {
		FormatVersion string                  `json:"format_version"`
		Providers     map[string]jsonProvider `json:"provider_schemas"`
	}{FormatVersion: "1.0", Providers: map[string]jsonProvider{}}
	for n, ps := range schemas {
		jp := jsonProvider{Provider: toJSONSchema(ps.Provider), Transactional: ps.Transactional, Resources: map[string]jsonResource{}, DataSources: map[string]jsonSchema{}}
		for t, rs := range ps.Resources {
			jp.Resources[t] = jsonResource{jsonSchema: toJSONSchema(&rs.Schema), Destructive: rs.Destructive, Import: rs.ImportHelp}
		}
		for t, ds := range ps.DataSources {
			jp.DataSources[t] = toJSONSchema(ds)
		}
		out.Providers[n] = jp
	}
	enc := json.NewEncoder(s.out)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
