package providers

import (
	"fmt"
	"math/big"
	"sort"

	"github.com/zclconf/go-cty/cty"
)

// FromCty converts a wholly known value of s.ImpliedType() to an Object. Null attributes are
// left out. Numbers become int64 when integral, float64 otherwise.
func FromCty(s *Schema, v cty.Value) (Object, error) {
	if v.IsNull() {
		return nil, nil
	}
	if !v.IsWhollyKnown() {
		return nil, fmt.Errorf("value is not wholly known")
	}
	out := Object{}
	for name, a := range s.Attributes {
		if !v.Type().HasAttribute(name) {
			continue
		}
		av := v.GetAttr(name)
		if av.IsNull() {
			continue
		}
		pv, err := plainValue(av, a.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		out[name] = pv
	}
	for name, b := range s.Blocks {
		if !v.Type().HasAttribute(name) {
			continue
		}
		bv := v.GetAttr(name)
		if bv.IsNull() {
			continue
		}
		if b.Nesting == NestingSingle {
			o, err := FromCty(&b.Schema, bv)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			out[name] = o
			continue
		}
		var list []any
		for it := bv.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			o, err := FromCty(&b.Schema, ev)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", name, err)
			}
			list = append(list, o)
		}
		if list == nil {
			list = []any{}
		}
		out[name] = list
	}
	return out, nil
}

func plainValue(v cty.Value, t cty.Type) (any, error) {
	if v.IsNull() {
		return nil, nil
	}
	switch {
	case t == cty.String:
		return v.AsString(), nil
	case t == cty.Bool:
		return v.True(), nil
	case t == cty.Number:
		return plainNumber(v.AsBigFloat()), nil
	case t.IsListType() || t.IsSetType():
		out := []any{}
		for it := v.ElementIterator(); it.Next(); {
			_, ev := it.Element()
			pv, err := plainValue(ev, t.ElementType())
			if err != nil {
				return nil, err
			}
			out = append(out, pv)
		}
		if t.IsSetType() {
			sortPlain(out)
		}
		return out, nil
	case t.IsMapType():
		out := map[string]any{}
		for it := v.ElementIterator(); it.Next(); {
			k, ev := it.Element()
			pv, err := plainValue(ev, t.ElementType())
			if err != nil {
				return nil, err
			}
			out[k.AsString()] = pv
		}
		return out, nil
	}
	return nil, fmt.Errorf("unsupported type %s", t.FriendlyName())
}

func plainNumber(f *big.Float) any {
	if f.IsInt() {
		if i, acc := f.Int64(); acc == big.Exact {
			return i
		}
	}
	x, _ := f.Float64()
	return x
}

func sortPlain(l []any) {
	sort.SliceStable(l, func(i, j int) bool { return fmt.Sprint(l[i]) < fmt.Sprint(l[j]) })
}

// ToCty converts an Object to a value of s.ImpliedType(); absent attributes are null.
func ToCty(s *Schema, o Object) (cty.Value, error) {
	if o == nil {
		return cty.NullVal(s.ImpliedType()), nil
	}
	attrs := map[string]cty.Value{}
	for name, a := range s.Attributes {
		v, err := ctyValue(o[name], a.Type)
		if err != nil {
			return cty.NilVal, fmt.Errorf("%s: %w", name, err)
		}
		attrs[name] = v
	}
	for name, b := range s.Blocks {
		bt := b.ImpliedType()
		if b.Nesting == NestingSingle {
			m, _ := o[name].(map[string]any)
			v, err := ToCty(&b.Schema, m)
			if err != nil {
				return cty.NilVal, fmt.Errorf("%s: %w", name, err)
			}
			attrs[name] = v
			continue
		}
		items := Blocks(o, name)
		if len(items) == 0 {
			attrs[name] = cty.ListValEmpty(bt)
			continue
		}
		vals := make([]cty.Value, 0, len(items))
		for _, it := range items {
			v, err := ToCty(&b.Schema, it)
			if err != nil {
				return cty.NilVal, fmt.Errorf("%s: %w", name, err)
			}
			vals = append(vals, v)
		}
		attrs[name] = cty.ListVal(vals)
	}
	return cty.ObjectVal(attrs), nil
}

func ctyValue(v any, t cty.Type) (cty.Value, error) {
	if v == nil {
		return cty.NullVal(t), nil
	}
	switch {
	case t == cty.String:
		return cty.StringVal(fmt.Sprint(v)), nil
	case t == cty.Bool:
		b, ok := v.(bool)
		if !ok {
			return cty.NilVal, fmt.Errorf("want bool, got %T", v)
		}
		return cty.BoolVal(b), nil
	case t == cty.Number:
		switch n := v.(type) {
		case float64:
			return cty.NumberFloatVal(n), nil
		case float32:
			return cty.NumberFloatVal(float64(n)), nil
		}
		i, ok := AsInt(v)
		if !ok {
			return cty.NilVal, fmt.Errorf("want number, got %T", v)
		}
		return cty.NumberIntVal(i), nil
	case t.IsListType() || t.IsSetType():
		var elems []cty.Value
		switch l := v.(type) {
		case []any:
			for _, e := range l {
				ev, err := ctyValue(e, t.ElementType())
				if err != nil {
					return cty.NilVal, err
				}
				elems = append(elems, ev)
			}
		case []string:
			for _, e := range l {
				elems = append(elems, cty.StringVal(e))
			}
		default:
			return cty.NilVal, fmt.Errorf("want list, got %T", v)
		}
		if len(elems) == 0 {
			if t.IsSetType() {
				return cty.SetValEmpty(t.ElementType()), nil
			}
			return cty.ListValEmpty(t.ElementType()), nil
		}
		if t.IsSetType() {
			return cty.SetVal(elems), nil
		}
		return cty.ListVal(elems), nil
	case t.IsMapType():
		m := map[string]cty.Value{}
		switch mm := v.(type) {
		case map[string]any:
			for k, e := range mm {
				ev, err := ctyValue(e, t.ElementType())
				if err != nil {
					return cty.NilVal, err
				}
				m[k] = ev
			}
		case map[string]string:
			for k, e := range mm {
				m[k] = cty.StringVal(e)
			}
		default:
			return cty.NilVal, fmt.Errorf("want map, got %T", v)
		}
		if len(m) == 0 {
			return cty.MapValEmpty(t.ElementType()), nil
		}
		return cty.MapVal(m), nil
	}
	return cty.NilVal, fmt.Errorf("unsupported type %s", t.FriendlyName())
}

// Conform rewrites o so that it has the canonical plain form for s: numbers as int64 when
// integral, lists as []any, sets sorted, maps as map[string]any. Objects read back from JSON
// compare equal to objects built in Go after Conform. Unknown keys are kept ("id").
func Conform(s *Schema, o Object) Object {
	if o == nil {
		return nil
	}
	out := Object{}
	for k, v := range o {
		out[k] = v
	}
	for name, a := range s.Attributes {
		if v, ok := o[name]; ok {
			if cv, err := ctyValue(v, a.Type); err == nil {
				if pv, err := plainValue(cv, a.Type); err == nil {
					if pv == nil {
						delete(out, name)
					} else {
						out[name] = pv
					}
				}
			}
		}
	}
	for name, b := range s.Blocks {
		if b.Nesting == NestingSingle {
			if m := SingleBlock(o, name); m != nil {
				out[name] = Conform(&b.Schema, m)
			}
			continue
		}
		if _, ok := o[name]; !ok {
			continue
		}
		items := Blocks(o, name)
		list := make([]any, 0, len(items))
		for _, it := range items {
			list = append(list, Conform(&b.Schema, it))
		}
		out[name] = list
	}
	return out
}
