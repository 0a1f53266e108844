package ontapsim

import (
	"encoding/json"
	"fmt"
	"net/url"
	"path"
	"sort"
	"strconv"
	"strings"
)

// query is a request's query string: the reserved parameters ONTAP gives a
// meaning to, and every other parameter as a field filter.
type query struct {
	fields        []string // nil: not given
	maxRecords    int      // 0: not given
	returnRecords *bool
	returnTimeout int
	hasTimeout    bool
	start         map[string]string // start.<key>: the pagination cursor
	filters       []filter
	values        url.Values
}

type filter struct {
	path string
	expr string
}

// reserved parameters are never field filters.
var reserved = map[string]bool{
	"fields": true, "max_records": true, "return_records": true, "return_timeout": true,
	"order_by": true,
}

// parseQuery reads a query string. Repeated fields= parameters are joined, as
// Python's requests sends a list of fields that way.
func parseQuery(raw string) (*query, *apiError) {
	vals, err := url.ParseQuery(raw)
	if err != nil {
		return nil, newErr(400, codeInvalidValue, "", "Invalid query string: %v", err)
	}
	q := &query{values: vals, start: map[string]string{}}
	if fs, ok := vals["fields"]; ok {
		q.fields = []string{}
		for _, f := range fs {
			for _, x := range strings.Split(f, ",") {
				if x = strings.TrimSpace(x); x != "" {
					q.fields = append(q.fields, x)
				}
			}
		}
	}
	if v := vals.Get("max_records"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return nil, errInvalidValue("max_records", v, "")
		}
		q.maxRecords = n
	}
	if v := vals.Get("return_records"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, errInvalidValue("return_records", v, "")
		}
		q.returnRecords = &b
	}
	if v := vals.Get("return_timeout"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > 120 {
			return nil, errInvalidValue("return_timeout", v, "<0..120>")
		}
		q.returnTimeout, q.hasTimeout = n, true
	}
	keys := make([]string, 0, len(vals))
	for k := range vals {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		if reserved[k] {
			continue
		}
		if strings.HasPrefix(k, "start.") {
			q.start[strings.TrimPrefix(k, "start.")] = vals.Get(k)
			continue
		}
		for _, v := range vals[k] {
			q.filters = append(q.filters, filter{path: k, expr: v})
		}
	}
	return q, nil
}

// wantRecords says whether records come back; default true for GET, false
// for writes.
func (q *query) wantRecords(def bool) bool {
	if q.returnRecords == nil {
		return def
	}
	return *q.returnRecords
}

// matches applies every filter to a record (logical and).
func (q *query) matches(rec map[string]any, skip map[string]bool) bool {
	for _, f := range q.filters {
		if skip[f.path] {
			continue
		}
		if !matchExpr(f.expr, valuesAt(rec, strings.Split(f.path, "."))) {
			return false
		}
	}
	return true
}

// valuesAt collects the scalar values at a dotted path; arrays on the way are
// flattened, so clients.match reaches every member.
func valuesAt(v any, parts []string) []any {
	if len(parts) == 0 {
		switch t := v.(type) {
		case []any:
			var out []any
			for _, e := range t {
				out = append(out, valuesAt(e, nil)...)
			}
			return out
		case map[string]any, nil:
			return nil
		}
		return []any{v}
	}
	switch t := v.(type) {
	case map[string]any:
		x, ok := t[parts[0]]
		if !ok {
			return nil
		}
		return valuesAt(x, parts[1:])
	case []any:
		var out []any
		for _, e := range t {
			out = append(out, valuesAt(e, parts)...)
		}
		return out
	}
	return nil
}

func scalarString(v any) string {
	switch t := v.(type) {
	case string:
		return t
	case json.Number:
		return t.String()
	case bool:
		return strconv.FormatBool(t)
	case int:
		return strconv.Itoa(t)
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// splitAlternatives splits an expression on | outside quotes and braces.
func splitAlternatives(expr string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(expr); i++ {
		switch expr[i] {
		case '"':
			quoted = !quoted
		case '{':
			if !quoted {
				depth++
			}
		case '}':
			if !quoted && depth > 0 {
				depth--
			}
		case '|':
			if !quoted && depth == 0 {
				out = append(out, expr[start:i])
				start = i + 1
			}
		}
	}
	return append(out, expr[start:])
}

// matchExpr evaluates one filter expression against the values found at its
// path: alternatives with |, negation with !, comparisons < > <= >=, ranges
// a..b, wildcards *, and quoted or braced literals. A positive alternative
// holds when any value matches; a negated one when none does.
func matchExpr(expr string, vals []any) bool {
	for _, alt := range splitAlternatives(expr) {
		neg := false
		if strings.HasPrefix(alt, "!") {
			neg, alt = true, alt[1:]
		}
		any := false
		for _, v := range vals {
			if matchOne(alt, scalarString(v)) {
				any = true
				break
			}
		}
		if neg && !any || !neg && any {
			return true
		}
	}
	return false
}

func literal(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '"' && s[len(s)-1] == '"' || s[0] == '{' && s[len(s)-1] == '}') {
		return s[1 : len(s)-1], true
	}
	return s, false
}

func matchOne(pat, val string) bool {
	if lit, ok := literal(pat); ok {
		return lit == val
	}
	switch {
	case strings.HasPrefix(pat, "<="):
		return compare(val, pat[2:]) <= 0
	case strings.HasPrefix(pat, ">="):
		return compare(val, pat[2:]) >= 0
	case strings.HasPrefix(pat, "<"):
		return compare(val, pat[1:]) < 0
	case strings.HasPrefix(pat, ">"):
		return compare(val, pat[1:]) > 0
	}
	if i := strings.Index(pat, ".."); i > 0 {
		lo, hi := pat[:i], pat[i+2:]
		return compare(val, lo) >= 0 && compare(val, hi) <= 0
	}
	if strings.Contains(pat, "*") {
		ok, _ := path.Match(strings.ToLower(globEscape(pat)), strings.ToLower(val))
		return ok
	}
	if compareNumeric(val, pat) {
		return compare(val, pat) == 0
	}
	return strings.EqualFold(pat, val)
}

// globEscape keeps * as the only wildcard.
func globEscape(p string) string {
	r := strings.NewReplacer(`\`, `\\`, `?`, `\?`, `[`, `\[`, `]`, `\]`)
	return r.Replace(p)
}

func compareNumeric(a, b string) bool {
	_, e1 := strconv.ParseFloat(a, 64)
	_, e2 := strconv.ParseFloat(b, 64)
	return e1 == nil && e2 == nil
}

// compare orders numerically when both sides are numbers, else as strings.
func compare(a, b string) int {
	fa, e1 := strconv.ParseFloat(a, 64)
	fb, e2 := strconv.ParseFloat(b, 64)
	if e1 == nil && e2 == nil {
		switch {
		case fa < fb:
			return -1
		case fa > fb:
			return 1
		}
		return 0
	}
	return strings.Compare(strings.ToLower(a), strings.ToLower(b))
}

type orderTerm struct {
	path string
	desc bool
}

// orderBy reads order_by=name,size desc (or repeated order_by parameters).
func (q *query) orderBy() []orderTerm {
	var out []orderTerm
	for _, v := range q.values["order_by"] {
		for _, term := range strings.Split(v, ",") {
			f := strings.Fields(term)
			if len(f) == 0 {
				continue
			}
			out = append(out, orderTerm{path: f[0], desc: len(f) > 1 && strings.EqualFold(f[1], "desc")})
		}
	}
	return out
}

func firstValue(rec map[string]any, p string) string {
	if vs := valuesAt(rec, strings.Split(p, ".")); len(vs) > 0 {
		return scalarString(vs[0])
	}
	return ""
}

// kind describes one object kind for collection reads.
type kind struct {
	keys      []string // returned without fields=, besides _links
	sortKey   string   // the cursor field; records are ordered by it
	numeric   bool     // sortKey is a number
	expensive []string // only with fields=** or by name
}

// project shapes a full record for the reply according to fields=.
func (k *kind) project(full map[string]any, fields []string, collection bool) map[string]any {
	out := map[string]any{}
	if fields == nil {
		if collection {
			for _, key := range k.keys {
				copyPath(out, full, strings.Split(key, "."))
			}
		} else {
			for f, v := range full {
				if !k.isExpensive(f) {
					out[f] = deepCopy(v)
				}
			}
		}
	} else {
		var excl []string
		for _, f := range fields {
			switch {
			case f == "**":
				for n, v := range full {
					out[n] = deepCopy(v)
				}
			case f == "*":
				for n, v := range full {
					if !k.isExpensive(n) {
						out[n] = deepCopy(v)
					}
				}
			case strings.HasPrefix(f, "!"):
				excl = append(excl, f[1:])
			default:
				copyPath(out, full, strings.Split(f, "."))
			}
		}
		for _, key := range k.keys {
			copyPath(out, full, strings.Split(key, "."))
		}
		for _, e := range excl {
			deletePath(out, strings.Split(e, "."))
		}
	}
	if l, ok := full["_links"]; ok {
		out["_links"] = deepCopy(l)
	}
	return out
}

func (k *kind) isExpensive(f string) bool {
	for _, e := range k.expensive {
		if e == f {
			return true
		}
	}
	return false
}

func copyPath(dst, src map[string]any, parts []string) {
	v, ok := src[parts[0]]
	if !ok {
		return
	}
	if len(parts) == 1 {
		dst[parts[0]] = deepCopy(v)
		return
	}
	switch t := v.(type) {
	case map[string]any:
		sub, ok := dst[parts[0]].(map[string]any)
		if !ok {
			sub = map[string]any{}
			dst[parts[0]] = sub
		}
		copyRefKeys(sub, t)
		copyPath(sub, t, parts[1:])
	case []any:
		arr, ok := dst[parts[0]].([]any)
		if !ok || len(arr) != len(t) {
			arr = make([]any, len(t))
			for i := range arr {
				arr[i] = map[string]any{}
			}
			dst[parts[0]] = arr
		}
		for i, e := range t {
			em, ok1 := e.(map[string]any)
			am, ok2 := arr[i].(map[string]any)
			if ok1 && ok2 {
				copyRefKeys(am, em)
				copyPath(am, em, parts[1:])
			}
		}
	}
}

// copyRefKeys keeps a reference to another object whole: ONTAP answers
// fields=svm.uuid with the svm's name and uuid.
func copyRefKeys(dst, src map[string]any) {
	if _, isRef := src["uuid"]; !isRef {
		return
	}
	for _, k := range []string{"name", "uuid"} {
		if v, ok := src[k]; ok {
			dst[k] = v
		}
	}
}

func deletePath(m map[string]any, parts []string) {
	if len(parts) == 1 {
		delete(m, parts[0])
		return
	}
	switch t := m[parts[0]].(type) {
	case map[string]any:
		deletePath(t, parts[1:])
	case []any:
		for _, e := range t {
			if em, ok := e.(map[string]any); ok {
				deletePath(em, parts[1:])
			}
		}
	}
}

func deepCopy(v any) any {
	switch t := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(t))
		for k, x := range t {
			m[k] = deepCopy(x)
		}
		return m
	case []any:
		a := make([]any, len(t))
		for i, x := range t {
			a[i] = deepCopy(x)
		}
		return a
	}
	return v
}

// collection answers a collection GET: filter, order by the cursor key, page
// with max_records and start.<key>, project with fields=.
func (k *kind) collection(reqPath string, q *query, all []map[string]any) map[string]any {
	var recs []map[string]any
	for _, r := range all {
		if q.matches(r, nil) {
			recs = append(recs, r)
		}
	}
	sort.SliceStable(recs, func(i, j int) bool {
		return k.less(k.key(recs[i]), k.key(recs[j]))
	})
	orderBy := q.orderBy()
	if len(orderBy) > 0 {
		sort.SliceStable(recs, func(i, j int) bool {
			for _, o := range orderBy {
				a, b := firstValue(recs[i], o.path), firstValue(recs[j], o.path)
				if c := compare(a, b); c != 0 {
					return c < 0 != o.desc
				}
			}
			return false
		})
	}
	// the cursor: the last key seen, or with order_by an offset
	offset := 0
	if len(orderBy) > 0 {
		offset, _ = strconv.Atoi(q.start["offset"])
		if offset < 0 || offset > len(recs) {
			offset = len(recs)
		}
		recs = recs[offset:]
	} else if cur, ok := q.start[k.sortKey]; ok {
		i := 0
		for i < len(recs) && !k.less(cur, k.key(recs[i])) {
			i++
		}
		recs = recs[i:]
	}
	var next string
	if q.maxRecords > 0 && len(recs) > q.maxRecords {
		recs = recs[:q.maxRecords]
		vals := url.Values{}
		for key, vs := range q.values {
			if !strings.HasPrefix(key, "start.") {
				vals[key] = vs
			}
		}
		if len(orderBy) > 0 {
			vals.Set("start.offset", strconv.Itoa(offset+len(recs)))
		} else {
			vals.Set("start."+k.sortKey, k.key(recs[len(recs)-1]))
		}
		next = reqPath + "?" + vals.Encode()
	}
	out := map[string]any{}
	if q.wantRecords(true) {
		rs := make([]any, 0, len(recs))
		for _, r := range recs {
			rs = append(rs, k.project(r, q.fields, true))
		}
		out["records"] = rs
	}
	out["num_records"] = len(recs)
	self := reqPath
	if enc := q.values.Encode(); enc != "" {
		self += "?" + enc
	}
	links := map[string]any{"self": href(self)}
	if next != "" {
		links["next"] = href(next)
	}
	out["_links"] = links
	return out
}

// key is the record's cursor value.
func (k *kind) key(rec map[string]any) string {
	if vs := valuesAt(rec, strings.Split(k.sortKey, ".")); len(vs) > 0 {
		return scalarString(vs[0])
	}
	return ""
}

func (k *kind) less(a, b string) bool {
	if k.numeric {
		x, _ := strconv.ParseFloat(a, 64)
		y, _ := strconv.ParseFloat(b, 64)
		return x < y
	}
	return a < b
}

func href(p string) map[string]any { return map[string]any{"href": p} }

func links(p string) map[string]any { return map[string]any{"self": href(p)} }
