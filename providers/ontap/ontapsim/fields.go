package ontapsim

import (
	"net/http"
	"sort"
	"strings"
)

// fieldSet is what ONTAP's REST reference says about the request bodies of
// one object kind: the fields POST takes, the fields PATCH takes, and which
// other fields the object has. README.md lists them with their sources.
//
// A body field outside the operation's list is refused the way ONTAP refuses
// it: a field the object has but the operation cannot set (a read-only field
// such as an export policy's id, or one only the other of POST and PATCH
// takes) is 262196, `Field "id" cannot be set in this operation.`; a field
// the object does not have, or one the simulator does not model, is 262179,
// `Unexpected argument "x".`, as an ONTAP release without that field answers.
type fieldSet struct {
	post, patch []string
	// readOnly are fields of the object that its sample record may not show
	// (they appear only in some states), besides everything it shows.
	readOnly []string
	// refs are references to other objects that ONTAP also takes as a bare
	// name ("ipspace": "Default" for {"ipspace": {"name": "Default"}}), as
	// Ansible's netapp.ontap modules send them.
	refs []string
	// sample renders a record of the kind as GET shows it, for telling the
	// object's own fields from unknown ones.
	sample func(s *Server) map[string]any
}

// allowed is the list for a method.
func (f *fieldSet) allowed(method string) []string {
	if method == http.MethodPatch {
		return f.patch
	}
	return f.post
}

// check normalizes bare-name references in b and refuses the first field the
// method does not take.
func (f *fieldSet) check(s *Server, b body, method string) *apiError {
	return f.checkAt(s, b, method, "")
}

// checkAt checks an object nested in a request body (an export policy's
// rules[], a snapshot policy's copies[]) whose fields are reported under
// prefix.
func (f *fieldSet) checkAt(s *Server, b body, method, prefix string) *apiError {
	f.normalize(b)
	p := b.disallowed(f.allowed(method))
	if p == "" {
		return nil
	}
	known := f.knownPaths(s)
	if isKnown(known, p) {
		return errReadOnly(prefix + p)
	}
	// the message names the first part of the path the object does not have
	parts := strings.Split(p, ".")
	unknown := p
	for i := range parts {
		if q := strings.Join(parts[:i+1], "."); !isKnown(known, q) {
			unknown = q
			break
		}
	}
	return errUnexpected(prefix+p, prefix+unknown)
}

// normalize turns a bare name given for a reference into {"name": ...}.
func (f *fieldSet) normalize(b body) {
	for _, r := range f.refs {
		v, ok := b.get(r)
		name, isStr := v.(string)
		if !ok || !isStr {
			continue
		}
		parts := strings.Split(r, ".")
		m := map[string]any(b)
		for _, k := range parts[:len(parts)-1] {
			m, _ = m[k].(map[string]any)
		}
		if m != nil {
			m[parts[len(parts)-1]] = map[string]any{"name": name}
		}
	}
}

// knownPaths lists every field path the object has: the writable ones, the
// read-only ones and the leaves of its sample record.
func (f *fieldSet) knownPaths(s *Server) []string {
	known := append(append(append([]string{}, f.post...), f.patch...), f.readOnly...)
	if f.sample != nil {
		leafPaths(f.sample(s), "", &known)
	}
	return known
}

// isKnown says whether p is a known field or an object holding known fields.
func isKnown(known []string, p string) bool {
	for _, k := range known {
		if k == p || strings.HasPrefix(k, p+".") {
			return true
		}
	}
	return false
}

// postedFields lists the leaf paths of a POST body, sorted: return_records
// answers the new record as a GET with fields= of these would.
func postedFields(b body) []string {
	paths := []string{}
	leafPaths(map[string]any(b), "", &paths)
	sort.Strings(paths)
	return paths
}

// createdRecords is the num_records/records part of a POST answer with
// return_records=true: the new record as a GET with fields= naming what the
// body set would return it (keys, links and whole references included).
func createdRecords(c *call, resp *response) map[string]any {
	if !c.q.wantRecords(false) || resp.record == nil || resp.kind == nil {
		return nil
	}
	rec := resp.kind.project(resp.record(), postedFields(c.body), true)
	return map[string]any{"num_records": 1, "records": []any{rec}}
}
