package ontapsim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
)

// body is a request body after dotted keys were expanded: {"svm.name": "x"}
// and {"svm": {"name": "x"}} are the same body.
type body map[string]any

// parseBody decodes a request body. An empty body is an empty object.
func parseBody(data []byte) (body, *apiError) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return body{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, newErr(http.StatusBadRequest, codeInvalidJSON, "", "Invalid JSON input: %v.", err)
	}
	if dec.More() {
		return nil, newErr(http.StatusBadRequest, codeInvalidJSON, "", "Invalid JSON input: trailing data after the object.")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, newErr(http.StatusBadRequest, codeInvalidJSON, "", "Invalid JSON input: expected an object.")
	}
	out, err := expandDotted(m, "")
	if err != nil {
		return nil, err
	}
	return body(out), nil
}

// expandDotted turns {"a.b": 1} into {"a": {"b": 1}}, recursively (objects
// inside arrays too), merging with keys given in nested form.
func expandDotted(m map[string]any, prefix string) (map[string]any, *apiError) {
	out := map[string]any{}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys) // deterministic merge order
	for _, k := range keys {
		v, err := expandValue(m[k], join(prefix, k))
		if err != nil {
			return nil, err
		}
		parts := strings.Split(k, ".")
		for _, p := range parts {
			if p == "" {
				return nil, errUnexpected(join(prefix, k), join(prefix, k))
			}
		}
		if err := setPath(out, parts, v, prefix); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func expandValue(v any, path string) (any, *apiError) {
	switch t := v.(type) {
	case map[string]any:
		return expandDotted(t, path)
	case []any:
		arr := make([]any, len(t))
		for i, e := range t {
			x, err := expandValue(e, path)
			if err != nil {
				return nil, err
			}
			arr[i] = x
		}
		return arr, nil
	}
	return v, nil
}

func setPath(m map[string]any, parts []string, v any, prefix string) *apiError {
	for i, p := range parts[:len(parts)-1] {
		next, ok := m[p]
		if !ok {
			nm := map[string]any{}
			m[p] = nm
			m = nm
			continue
		}
		nm, ok := next.(map[string]any)
		if !ok {
			return errInvalidValue(join(prefix, strings.Join(parts[:i+1], ".")), fmt.Sprint(next), "")
		}
		m = nm
	}
	last := parts[len(parts)-1]
	if old, ok := m[last]; ok {
		om, ok1 := old.(map[string]any)
		nm, ok2 := v.(map[string]any)
		if !ok1 || !ok2 {
			return errInvalidValue(join(prefix, strings.Join(parts, ".")), fmt.Sprint(v), "")
		}
		for k, x := range nm {
			if err := setPath(om, []string{k}, x, join(prefix, strings.Join(parts, "."))); err != nil {
				return err
			}
		}
		return nil
	}
	m[last] = v
	return nil
}

func join(prefix, k string) string {
	if prefix == "" {
		return k
	}
	return prefix + "." + k
}

// leafPaths lists the dotted paths of the body's leaves; objects inside arrays
// contribute their members' paths (aggregates.name).
func leafPaths(v any, prefix string, out *[]string) {
	switch t := v.(type) {
	case map[string]any:
		// an empty object sets nothing
		for k, x := range t {
			leafPaths(x, join(prefix, k), out)
		}
	case body:
		leafPaths(map[string]any(t), prefix, out)
	case []any:
		scalar := true
		for _, e := range t {
			if _, ok := e.(map[string]any); ok {
				scalar = false
				leafPaths(e, prefix, out)
			}
		}
		if scalar {
			*out = append(*out, prefix)
		}
	default:
		*out = append(*out, prefix)
	}
}

// disallowed returns the first of the body's leaf paths (in sorted order)
// that allowed does not cover, or "". An allowed entry covers itself and
// everything below it.
func (b body) disallowed(allowed []string) string {
	var paths []string
	leafPaths(map[string]any(b), "", &paths)
	sort.Strings(paths)
	for _, p := range paths {
		if !covered(allowed, p) {
			return p
		}
	}
	return ""
}

// covered says whether p is one of entries, below one of them, or holds
// some of them (an empty "aggregates": [] sets aggregates.name to nothing).
func covered(entries []string, p string) bool {
	for _, a := range entries {
		if p == a || strings.HasPrefix(p, a+".") || strings.HasPrefix(a, p+".") {
			return true
		}
	}
	return false
}

// check refuses fields outside allowed as ONTAP refuses a field it does not
// know (262179). Kinds with a fieldSet refuse through it instead, which also
// tells read-only fields apart.
func (b body) check(allowed ...string) *apiError {
	if p := b.disallowed(allowed); p != "" {
		return errUnexpected(p, p)
	}
	return nil
}

// get returns the value at a dotted path.
func (b body) get(path string) (any, bool) {
	var cur any = map[string]any(b)
	for _, p := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		cur, ok = m[p]
		if !ok {
			return nil, false
		}
	}
	return cur, true
}

func (b body) has(path string) bool { _, ok := b.get(path); return ok }

// str reads a string field; numbers and booleans are accepted in their JSON
// spelling as ONTAP does.
func (b body) str(path string) (string, bool, *apiError) {
	v, ok := b.get(path)
	if !ok || v == nil {
		return "", false, nil
	}
	switch t := v.(type) {
	case string:
		return t, true, nil
	case json.Number:
		return t.String(), true, nil
	case bool:
		return strconv.FormatBool(t), true, nil
	}
	return "", false, errInvalidValue(path, fmt.Sprint(v), "")
}

// int reads an integer field; ONTAP also takes integers written as strings.
func (b body) int(path string) (int64, bool, *apiError) {
	v, ok := b.get(path)
	if !ok || v == nil {
		return 0, false, nil
	}
	var s string
	switch t := v.(type) {
	case json.Number:
		s = t.String()
	case string:
		s = t
	default:
		return 0, false, errInvalidValue(path, fmt.Sprint(v), "")
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		f, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil || f != float64(int64(f)) {
			return 0, false, errInvalidValue(path, s, "")
		}
		n = int64(f)
	}
	return n, true, nil
}

func (b body) bool(path string) (bool, bool, *apiError) {
	v, ok := b.get(path)
	if !ok || v == nil {
		return false, false, nil
	}
	switch t := v.(type) {
	case bool:
		return t, true, nil
	case string:
		if x, err := strconv.ParseBool(t); err == nil {
			return x, true, nil
		}
	}
	return false, false, errInvalidValue(path, fmt.Sprint(v), "")
}

// strList reads an array of strings (a single string is a list of one).
func (b body) strList(path string) ([]string, bool, *apiError) {
	v, ok := b.get(path)
	if !ok || v == nil {
		return nil, false, nil
	}
	switch t := v.(type) {
	case string:
		return []string{t}, true, nil
	case []any:
		out := make([]string, 0, len(t))
		for _, e := range t {
			s, ok := e.(string)
			if !ok {
				return nil, false, errInvalidValue(path, fmt.Sprint(e), "")
			}
			out = append(out, s)
		}
		return out, true, nil
	}
	return nil, false, errInvalidValue(path, fmt.Sprint(v), "")
}

// objects reads an array of objects.
func (b body) objects(path string) ([]body, bool, *apiError) {
	v, ok := b.get(path)
	if !ok || v == nil {
		return nil, false, nil
	}
	arr, ok := v.([]any)
	if !ok {
		if m, ok := v.(map[string]any); ok {
			return []body{m}, true, nil
		}
		return nil, false, errInvalidValue(path, fmt.Sprint(v), "")
	}
	out := make([]body, 0, len(arr))
	for _, e := range arr {
		m, ok := e.(map[string]any)
		if !ok {
			return nil, false, errInvalidValue(path, fmt.Sprint(e), "")
		}
		out = append(out, m)
	}
	return out, true, nil
}

// oneOf validates an enumerated string.
func oneOf(field, v string, allowed ...string) *apiError {
	for _, a := range allowed {
		if v == a {
			return nil
		}
	}
	return errInvalidValue(field, v, "")
}
