package engine

import (
	"fmt"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/plans"
	"github.com/enclave-dev/enclave/providers"
)

// planned merges what the configuration wants with what is there: computed attributes the
// configuration leaves unset keep their current value (or are unknown on create), defaults
// apply, ignore_changes keeps the current value. The result is what apply will ask for.
func planned(s *providers.ResourceSchema, desired map[string]any, current map[string]any, ignore map[string]bool) map[string]any {
	out := map[string]any{}
	for name, a := range s.Attributes {
		d, set := desired[name]
		if !set || d == nil {
			switch {
			case a.Default != nil:
				d = a.Default
			case a.Computed:
				if current != nil {
					d = current[name]
				} else {
					d = unknownValue
				}
			default:
				d = nil
			}
		}
		if current != nil && (ignore[name] || ignore["*"]) {
			d = current[name]
		}
		if d != nil {
			out[name] = d
		}
	}
	for name, b := range s.Blocks {
		d := desired[name]
		if current != nil && (ignore[name] || ignore["*"]) {
			d = current[name]
		}
		if d == nil && b.Nesting == providers.NestingList {
			d = []any{}
		}
		if list, ok := d.([]any); ok {
			// Defaults inside list blocks.
			filled := make([]any, len(list))
			for i, e := range list {
				m, _ := e.(map[string]any)
				filled[i] = fillDefaults(&b.Schema, m)
			}
			d = filled
		} else if m, ok := d.(map[string]any); ok {
			d = fillDefaults(&b.Schema, m)
		}
		if d != nil {
			out[name] = d
		}
	}
	if current != nil {
		out["id"] = current["id"]
	} else {
		out["id"] = unknownValue
	}
	return out
}

func fillDefaults(s *providers.Schema, m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range m {
		if v != nil {
			out[k] = v
		}
	}
	for name, a := range s.Attributes {
		if _, ok := out[name]; !ok && a.Default != nil {
			out[name] = a.Default
		}
	}
	return out
}

// diffResult is the comparison of two objects of one schema.
type diffResult struct {
	diffs      []plans.AttrDiff
	forcesNew  bool
	replaceWhy []string
}

// diffObjects compares before (current) with after (planned). Sensitive attributes (by schema
// or by a sensitive input) are compared by hash when before is hashed, and shown masked.
func diffObjects(s *providers.Schema, before, after map[string]any, sensitive map[string]bool) diffResult {
	var r diffResult
	diffInto(&r, s, "", before, after, sensitive, false)
	sort.Slice(r.diffs, func(i, j int) bool { return r.diffs[i].Path < r.diffs[j].Path })
	return r
}

func diffInto(r *diffResult, s *providers.Schema, prefix string, before, after map[string]any, sensitive map[string]bool, forceNewBlock bool) {
	for _, name := range s.SortedKeys() {
		a := s.Attributes[name]
		path := prefix + name
		b, av := before[name], after[name]
		sens := a.Sensitive || sensitive[path]
		if sameValue(b, av, sens) {
			continue
		}
		if a.Computed && !a.Optional && !a.Required {
			// Provider-computed values moving is not a change we make.
			continue
		}
		if a.Computed && av == nil {
			continue
		}
		d := plans.AttrDiff{Path: path, Before: b, After: av, Sensitive: sens}
		if isUnknown(av) {
			d.After, d.Unknown = nil, true
		}
		if sens {
			d.Before, d.After = maskIf(b), maskIf(av)
			if d.Unknown {
				d.After = nil
			}
		}
		if (a.ForceNew || forceNewBlock) && before != nil {
			d.ForcesReplacement = true
			r.forcesNew = true
			r.replaceWhy = append(r.replaceWhy, path)
		}
		r.diffs = append(r.diffs, d)
	}
	for _, name := range s.SortedBlockKeys() {
		blk := s.Blocks[name]
		path := prefix + name
		fn := forceNewBlock || blk.ForceNew
		if blk.Nesting == providers.NestingSingle {
			bm, _ := before[name].(map[string]any)
			am, _ := after[name].(map[string]any)
			if bm == nil && am == nil {
				continue
			}
			diffInto(r, &blk.Schema, path+".", orEmpty(bm), orEmpty(am), sensitive, fn)
			continue
		}
		bl, _ := before[name].([]any)
		al, _ := after[name].([]any)
		if isUnknown(after[name]) {
			r.diffs = append(r.diffs, plans.AttrDiff{Path: path, Before: bl, Unknown: true, ForcesReplacement: fn && before != nil})
			continue
		}
		if !blk.Ordered {
			bl, al = sortedBlocks(bl), sortedBlocks(al)
		}
		if len(bl) == len(al) {
			for i := range al {
				bm, _ := bl[i].(map[string]any)
				am, _ := al[i].(map[string]any)
				diffInto(r, &blk.Schema, fmt.Sprintf("%s[%d].", path, i), orEmpty(bm), orEmpty(am), sensitive, fn)
			}
			continue
		}
		if equalPlain(bl, al) {
			continue
		}
		d := plans.AttrDiff{Path: path, Before: maskBlocks(&blk.Schema, bl), After: maskBlocks(&blk.Schema, al)}
		if fn && before != nil {
			d.ForcesReplacement = true
			r.forcesNew = true
			r.replaceWhy = append(r.replaceWhy, path)
		}
		r.diffs = append(r.diffs, d)
	}
}

func orEmpty(m map[string]any) map[string]any {
	if m == nil {
		return map[string]any{}
	}
	return m
}

// sortedBlocks orders an unordered list of blocks canonically so that order does not count.
func sortedBlocks(l []any) []any {
	c := append([]any(nil), l...)
	sort.SliceStable(c, func(i, j int) bool { return canon(c[i]) < canon(c[j]) })
	return c
}

func maskBlocks(s *providers.Schema, l []any) any {
	if l == nil {
		return nil
	}
	out := make([]any, len(l))
	for i, e := range l {
		m, ok := e.(map[string]any)
		if !ok {
			out[i] = e
			continue
		}
		mm := map[string]any{}
		for k, v := range m {
			if a, ok := s.Attributes[k]; ok && a.Sensitive {
				v = plans.Sensitive
			}
			mm[k] = v
		}
		out[i] = mm
	}
	return out
}

func maskIf(v any) any {
	if v == nil {
		return nil
	}
	return plans.Sensitive
}

// sameValue compares a current and a planned value. A hashed current value matches the clear
// planned value it was made from.
func sameValue(before, after any, sensitive bool) bool {
	if isUnknown(after) {
		return false
	}
	if hb, ok := before.(string); ok && state.IsHashed(hb) {
		if ha, ok := after.(string); ok && state.IsHashed(ha) {
			return ha == hb
		}
		return after != nil && state.MatchSensitive(hb, after)
	}
	if emptyish(before) && emptyish(after) {
		return true
	}
	return equalPlain(before, after)
}

// emptyish treats null, "" and empty collections alike: devices rarely tell them apart.
func emptyish(v any) bool {
	switch t := v.(type) {
	case nil:
		return true
	case []any:
		return len(t) == 0
	case map[string]any:
		return len(t) == 0
	}
	return false
}

// maskObject masks sensitive attributes (by schema or by path) for display in a plan.
func maskObject(s *providers.Schema, o map[string]any, sensitive map[string]bool) map[string]any {
	if o == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range o {
		if containsUnknown(v) {
			continue // listed in AfterUnknown
		}
		if a, ok := s.Attributes[k]; ok && (a.Sensitive || sensitive[k]) && v != nil {
			out[k] = plans.Sensitive
			continue
		}
		if hv, ok := v.(string); ok && state.IsHashed(hv) {
			out[k] = plans.Sensitive
			continue
		}
		if b, ok := s.Blocks[k]; ok {
			out[k] = maskBlocks(&b.Schema, asList(v))
			if b.Nesting == providers.NestingSingle {
				if m, ok := v.(map[string]any); ok {
					out[k] = maskObject(&b.Schema, m, nil)
				}
			}
			continue
		}
		out[k] = v
	}
	return out
}

func asList(v any) []any {
	l, _ := v.([]any)
	return l
}

// unknownPaths lists the attributes of a planned object that are known only after apply.
func unknownPaths(o map[string]any) []string {
	var out []string
	for k, v := range o {
		if containsUnknown(v) {
			out = append(out, k)
		}
	}
	sort.Strings(out)
	return out
}

// hashSensitive replaces sensitive values (by schema, or marked from sensitive inputs) with
// salted hashes before anything is written to state or a plan.
// prev is what state held before (its hashes are kept when the secret did not change, so an
// unchanged secret never moves the serial).
func hashSensitive(s *providers.Schema, o map[string]any, sensitive map[string]bool, prev map[string]any) map[string]any {
	if o == nil {
		return nil
	}
	out := map[string]any{}
	for k, v := range o {
		if a, ok := s.Attributes[k]; ok && (a.Sensitive || sensitive[k]) && v != nil && !isUnknown(v) {
			if sv, ok := v.(string); ok && state.IsHashed(sv) {
				out[k] = sv
			} else {
				out[k] = state.ReuseHash(prev[k], v)
			}
			continue
		}
		out[k] = v
	}
	return out
}

// describePaths is "a, b and c".
func describePaths(p []string) string {
	switch len(p) {
	case 0:
		return ""
	case 1:
		return p[0]
	}
	return strings.Join(p[:len(p)-1], ", ") + " and " + p[len(p)-1]
}
