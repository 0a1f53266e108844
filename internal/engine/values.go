package engine

import (
	"encoding/json"
	"fmt"
	"math/big"
	"sort"

	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
)

// markSensitive is the cty mark carried by values derived from sensitive variables.
const markSensitive = "sensitive"

// unknown stands for a value that will be known only after apply, in plain values.
type unknown struct{}

var unknownValue = unknown{}

func isUnknown(v any) bool { _, ok := v.(unknown); return ok }

// plain converts a cty value (possibly unknown, possibly marked) to the plain form used in
// diffs: like providers.FromCty, but unknowns become unknownValue, and the paths of marked
// (sensitive) values are returned.
func plain(v cty.Value) (any, []cty.Path) {
	uv, pvm := v.UnmarkDeepWithPaths()
	var sens []cty.Path
	for _, p := range pvm {
		if _, ok := p.Marks[markSensitive]; ok {
			sens = append(sens, p.Path)
		}
	}
	return plainOf(uv), sens
}

func plainOf(v cty.Value) any {
	if !v.IsKnown() {
		return unknownValue
	}
	if v.IsNull() {
		return nil
	}
	t := v.Type()
	switch {
	case t == cty.String:
		return v.AsString()
	case t == cty.Bool:
		return v.True()
	case t == cty.Number:
		f := v.AsBigFloat()
		if f.IsInt() {
			if i, acc := f.Int64(); acc == big.Exact {
				return i
			}
		}
		x, _ := f.Float64()
		return x
	case t.IsListType() || t.IsTupleType() || t.IsSetType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, e := it.Element()
			out = append(out, plainOf(e))
		}
		if t.IsSetType() {
			sort.SliceStable(out, func(i, j int) bool { return canon(out[i]) < canon(out[j]) })
		}
		return out
	case t.IsMapType() || t.IsObjectType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, e := it.Element()
			pv := plainOf(e)
			if pv == nil {
				continue
			}
			out[k.AsString()] = pv
		}
		return out
	}
	return fmt.Sprintf("%#v", v)
}

// canon is a stable text form of a plain value, for sorting and comparing.
func canon(v any) string {
	b, err := json.Marshal(normalizeForJSON(v))
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func normalizeForJSON(v any) any {
	switch t := v.(type) {
	case unknown:
		return map[string]any{"__unknown__": true}
	case []any:
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalizeForJSON(e)
		}
		return out
	case map[string]any:
		out := make(map[string]any, len(t))
		for k, e := range t {
			out[k] = normalizeForJSON(e)
		}
		return out
	case float64:
		if t == float64(int64(t)) {
			return int64(t)
		}
	case json.Number:
		// Numbers read back from a plan file: the plain form providers use.
		if i, err := t.Int64(); err == nil {
			return i
		}
		if f, err := t.Float64(); err == nil {
			return normalizeForJSON(f)
		}
	}
	return v
}

// equalPlain compares two plain values after numeric normalization.
func equalPlain(a, b any) bool { return canon(a) == canon(b) }

// objectValue is the value of a resource instance as expressions see it: its attributes per
// the schema (absent optional attributes are null, not missing), plus id and tags. Plain
// unknowns become unknown values of the right type; sensitive attributes are marked.
func objectValue(s *providers.Schema, attrs map[string]any, sensitive map[string]bool, tags map[string]string) cty.Value {
	v := ctyFromPlain(s, attrs, sensitive)
	m := v.AsValueMap()
	if m == nil {
		m = map[string]cty.Value{}
	}
	switch id := attrs["id"].(type) {
	case nil:
		m["id"] = cty.NullVal(cty.String)
	case unknown:
		m["id"] = cty.UnknownVal(cty.String)
	default:
		m["id"] = cty.StringVal(fmt.Sprint(id))
	}
	tv := map[string]cty.Value{}
	for k, t := range tags {
		tv[k] = cty.StringVal(t)
	}
	if len(tv) == 0 {
		m["tags"] = cty.MapValEmpty(cty.String)
	} else {
		m["tags"] = cty.MapVal(tv)
	}
	return cty.ObjectVal(m)
}

// ctyFromPlain converts a plain object to a value of s.ImpliedType(), unknowns included.
func ctyFromPlain(s *providers.Schema, attrs map[string]any, sensitive map[string]bool) cty.Value {
	out := map[string]cty.Value{}
	for name, a := range s.Attributes {
		v := attrs[name]
		var cv cty.Value
		switch {
		case isUnknown(v):
			cv = cty.UnknownVal(a.Type)
		case v == nil:
			cv = cty.NullVal(a.Type)
		default:
			if hv, ok := v.(string); ok && state.IsHashed(hv) {
				cv = cty.UnknownVal(a.Type)
				break
			}
			var err error
			cv, err = ctyOf(v, a.Type)
			if err != nil {
				cv = cty.UnknownVal(a.Type)
			}
		}
		if a.Sensitive || sensitive[name] {
			cv = cv.Mark(markSensitive)
		}
		out[name] = cv
	}
	for name, b := range s.Blocks {
		bt := b.ImpliedType()
		v := attrs[name]
		if b.Nesting == providers.NestingSingle {
			switch m := v.(type) {
			case map[string]any:
				out[name] = ctyFromPlain(&b.Schema, m, nil)
			case unknown:
				out[name] = cty.UnknownVal(bt)
			default:
				out[name] = cty.NullVal(bt)
			}
			continue
		}
		switch l := v.(type) {
		case []any:
			if len(l) == 0 {
				out[name] = cty.ListValEmpty(bt)
				continue
			}
			vals := make([]cty.Value, 0, len(l))
			for _, e := range l {
				m, _ := e.(map[string]any)
				vals = append(vals, ctyFromPlain(&b.Schema, m, nil))
			}
			out[name] = cty.ListVal(vals)
		case unknown:
			out[name] = cty.UnknownVal(cty.List(bt))
		default:
			out[name] = cty.ListValEmpty(bt)
		}
	}
	return cty.ObjectVal(out)
}

func ctyOf(v any, t cty.Type) (cty.Value, error) {
	// Primitives directly: this runs for every attribute of every instance.
	switch t {
	case cty.String:
		if sv, ok := v.(string); ok {
			return cty.StringVal(sv), nil
		}
	case cty.Bool:
		if bv, ok := v.(bool); ok {
			return cty.BoolVal(bv), nil
		}
	case cty.Number:
		switch n := v.(type) {
		case int64:
			return cty.NumberIntVal(n), nil
		case int:
			return cty.NumberIntVal(int64(n)), nil
		case float64:
			return cty.NumberFloatVal(n), nil
		}
	}
	s := &providers.Schema{Attributes: map[string]*providers.Attribute{"v": {Type: t, Optional: true}}}
	o, err := providers.ToCty(s, providers.Object{"v": v})
	if err != nil {
		return cty.NilVal, err
	}
	return o.GetAttr("v"), nil
}

func convertTo(v cty.Value, t cty.Type) (cty.Value, error) { return convert.Convert(v, t) }
