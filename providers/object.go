package providers

import (
	"fmt"
	"sort"
	"strconv"
)

// Getters for Object values. They are lenient about the numeric type (int, int64, float64,
// json.Number-like strings) because objects travel through JSON in state and plan files.

// String returns o[k] as a string ("" when absent or null).
func String(o Object, k string) string {
	switch v := o[k].(type) {
	case string:
		return v
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}

// Int returns o[k] as an int64 (0 when absent).
func Int(o Object, k string) int64 {
	n, _ := AsInt(o[k])
	return n
}

// AsInt converts a plain numeric value to int64.
func AsInt(v any) (int64, bool) {
	switch n := v.(type) {
	case int:
		return int64(n), true
	case int32:
		return int64(n), true
	case int64:
		return n, true
	case float64:
		return int64(n), true
	case float32:
		return int64(n), true
	case string:
		i, err := strconv.ParseInt(n, 10, 64)
		return i, err == nil
	}
	return 0, false
}

// Bool returns o[k] as a bool (false when absent).
func Bool(o Object, k string) bool {
	b, _ := o[k].(bool)
	return b
}

// Has reports whether o[k] is set and not null.
func Has(o Object, k string) bool {
	v, ok := o[k]
	return ok && v != nil
}

// Strings returns o[k] as a []string (list or set of strings).
func Strings(o Object, k string) []string {
	switch v := o[k].(type) {
	case []string:
		return append([]string(nil), v...)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			out = append(out, fmt.Sprint(e))
		}
		return out
	}
	return nil
}

// Ints returns o[k] as a []int64.
func Ints(o Object, k string) []int64 {
	v, _ := o[k].([]any)
	out := make([]int64, 0, len(v))
	for _, e := range v {
		n, _ := AsInt(e)
		out = append(out, n)
	}
	return out
}

// StringMap returns o[k] as a map[string]string.
func StringMap(o Object, k string) map[string]string {
	out := map[string]string{}
	switch v := o[k].(type) {
	case map[string]any:
		for kk, vv := range v {
			out[kk] = fmt.Sprint(vv)
		}
	case map[string]string:
		for kk, vv := range v {
			out[kk] = vv
		}
	}
	return out
}

// Blocks returns the nested list block o[k] as objects.
func Blocks(o Object, k string) []Object {
	v, _ := o[k].([]any)
	out := make([]Object, 0, len(v))
	for _, e := range v {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	if ms, ok := o[k].([]map[string]any); ok {
		out = append(out, ms...)
	}
	return out
}

// SingleBlock returns the nested single block o[k] (nil when absent).
func SingleBlock(o Object, k string) Object {
	m, _ := o[k].(map[string]any)
	return m
}

// StringList makes a []any of strings, the form Objects hold lists in.
func StringList(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

// SortedStringList is StringList of a sorted copy (for set-like attributes).
func SortedStringList(ss []string) []any {
	c := append([]string(nil), ss...)
	sort.Strings(c)
	return StringList(c)
}

// BlockList makes a []any of objects.
func BlockList(os []Object) []any {
	out := make([]any, len(os))
	for i, o := range os {
		out[i] = o
	}
	return out
}

// Copy returns a deep copy of o.
func Copy(o Object) Object {
	if o == nil {
		return nil
	}
	return copyValue(o).(map[string]any)
}

func copyValue(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, e := range t {
			m[k] = copyValue(e)
		}
		return m
	case []any:
		l := make([]any, len(t))
		for i, e := range t {
			l[i] = copyValue(e)
		}
		return l
	default:
		return v
	}
}
