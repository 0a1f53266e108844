package ontapsim

import (
	"fmt"
	"net/http"
	"reflect"
	"strconv"
)

// ExportPolicy is an NFS export policy of an SVM. Its rules are ordered and
// addressed by index, from 1.
type ExportPolicy struct {
	ID    int64
	Name  string
	SVM   string
	Rules []ExportRule
}

// ExportRule is one rule of an export policy.
type ExportRule struct {
	Index               int64
	Clients             []string
	Protocols           []string
	RORule              []string
	RWRule              []string
	Superuser           []string
	AnonymousUser       string
	AllowSuid           bool
	AllowDeviceCreation bool
	ChownMode           string
	NTFSUnixSecurity    string
}

func (s *Server) addExportPolicy(p *ExportPolicy) {
	if s.nextPolID == 0 {
		// ONTAP's policy ids are large numbers
		s.nextPolID = 8589934593
	}
	p.ID = s.nextPolID
	s.nextPolID++
	s.exportPols = append(s.exportPols, p)
}

func (s *Server) exportPolicy(svm, name string) *ExportPolicy {
	for _, p := range s.exportPols {
		if p.SVM == svm && p.Name == name {
			return p
		}
	}
	return nil
}

func (s *Server) exportPolicyByID(id int64) *ExportPolicy {
	for _, p := range s.exportPols {
		if p.ID == id {
			return p
		}
	}
	return nil
}

func (s *Server) policyFromPath(c *call) (*ExportPolicy, *apiError) {
	id, err := strconv.ParseInt(c.vars["id"], 10, 64)
	if err != nil {
		return nil, errNotFound("id")
	}
	p := s.exportPolicyByID(id)
	if p == nil {
		return nil, errNotFound("id")
	}
	return p, nil
}

var exportPolicyKind = &kind{keys: []string{"id", "name"}, sortKey: "id", numeric: true}
var exportRuleKind = &kind{keys: []string{"index"}, sortKey: "index", numeric: true}

func strsAny(xs []string) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

func (s *Server) ruleRecord(p *ExportPolicy, r *ExportRule) map[string]any {
	clients := make([]any, len(r.Clients))
	for i, c := range r.Clients {
		clients[i] = map[string]any{"match": c}
	}
	return map[string]any{
		"index":                 r.Index,
		"clients":               clients,
		"protocols":             strsAny(r.Protocols),
		"ro_rule":               strsAny(r.RORule),
		"rw_rule":               strsAny(r.RWRule),
		"superuser":             strsAny(r.Superuser),
		"anonymous_user":        r.AnonymousUser,
		"allow_suid":            r.AllowSuid,
		"allow_device_creation": r.AllowDeviceCreation,
		"chown_mode":            r.ChownMode,
		"ntfs_unix_security":    r.NTFSUnixSecurity,
		"policy":                map[string]any{"id": p.ID, "name": p.Name},
		"svm":                   s.svmRef(p.SVM),
		"_links":                links(fmt.Sprintf("/api/protocols/nfs/export-policies/%d/rules/%d", p.ID, r.Index)),
	}
}

func (s *Server) exportPolicyRecord(p *ExportPolicy) map[string]any {
	rules := make([]any, 0, len(p.Rules))
	for i := range p.Rules {
		r := s.ruleRecord(p, &p.Rules[i])
		delete(r, "policy")
		delete(r, "svm")
		delete(r, "_links")
		rules = append(rules, r)
	}
	return map[string]any{
		"id":     p.ID,
		"name":   p.Name,
		"svm":    s.svmRef(p.SVM),
		"rules":  rules,
		"_links": links(fmt.Sprintf("/api/protocols/nfs/export-policies/%d", p.ID)),
	}
}

func getExportPolicies(s *Server, c *call) *response {
	var recs []map[string]any
	for _, p := range s.exportPols {
		recs = append(recs, s.exportPolicyRecord(p))
	}
	return ok(200, exportPolicyKind.collection(c.path, c.q, recs))
}

func getExportPolicy(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	return ok(200, exportPolicyKind.project(s.exportPolicyRecord(p), c.q.fields, false))
}

var ruleWritable = []string{"clients.match", "protocols", "ro_rule", "rw_rule", "superuser", "anonymous_user",
	"allow_suid", "allow_device_creation", "chown_mode", "ntfs_unix_security", "index"}

// exportRuleFields are an export rule's fields, from ONTAP's reference for
// POST and PATCH /protocols/nfs/export-policies/{policy.id}/rules (and the
// rules[] of a policy POST or PATCH).
var exportRuleFields = &fieldSet{
	post:  ruleWritable,
	patch: ruleWritable,
	sample: func(s *Server) map[string]any {
		r := newRule()
		return s.ruleRecord(&ExportPolicy{}, &r)
	},
}

// exportPolicyFields: POST takes svm, name and rules; PATCH name and rules
// (NetApp's Terraform provider leaves svm out of its PATCH body: "svm is not
// allowed in the API body"); id is read-only.
var exportPolicyFields = &fieldSet{
	post:   []string{"name", "svm.name", "svm.uuid", "rules"},
	patch:  []string{"name", "rules"},
	sample: func(s *Server) map[string]any { return s.exportPolicyRecord(&ExportPolicy{}) },
}

var (
	secFlavors = []string{"any", "none", "never", "krb5", "krb5i", "krb5p", "ntlm", "sys"}
	protocols  = []string{"any", "nfs", "nfs3", "nfs4", "nfs40", "nfs41", "nfs42", "cifs", "flexcache"}
)

// applyRuleBody reads a rule body into r; create requires the fields ONTAP
// requires.
func applyRuleBody(b body, r *ExportRule, create bool, prefix string) *apiError {
	if clients, ok, err := b.objects("clients"); err != nil {
		return err
	} else if ok {
		r.Clients = nil
		for _, cb := range clients {
			m, _, err := cb.str("match")
			if err != nil {
				return err
			}
			if m == "" {
				return errMissing(prefix + "clients.match")
			}
			r.Clients = append(r.Clients, m)
		}
	}
	lists := []struct {
		name    string
		dst     *[]string
		allowed []string
	}{{"protocols", &r.Protocols, protocols}, {"ro_rule", &r.RORule, secFlavors}, {"rw_rule", &r.RWRule, secFlavors}, {"superuser", &r.Superuser, secFlavors}}
	for _, l := range lists {
		xs, ok, err := b.strList(l.name)
		if err != nil {
			return err
		}
		if !ok {
			continue
		}
		for _, x := range xs {
			if e := oneOf(prefix+l.name, x, l.allowed...); e != nil {
				return e
			}
		}
		*l.dst = xs
	}
	if v, ok, err := b.str("anonymous_user"); err != nil {
		return err
	} else if ok {
		r.AnonymousUser = v
	}
	for _, f := range []struct {
		name string
		dst  *bool
	}{{"allow_suid", &r.AllowSuid}, {"allow_device_creation", &r.AllowDeviceCreation}} {
		if v, ok, err := b.bool(f.name); err != nil {
			return err
		} else if ok {
			*f.dst = v
		}
	}
	if v, ok, err := b.str("chown_mode"); err != nil {
		return err
	} else if ok {
		if e := oneOf(prefix+"chown_mode", v, "restricted", "unrestricted"); e != nil {
			return e
		}
		r.ChownMode = v
	}
	if v, ok, err := b.str("ntfs_unix_security"); err != nil {
		return err
	} else if ok {
		if e := oneOf(prefix+"ntfs_unix_security", v, "fail", "ignore"); e != nil {
			return e
		}
		r.NTFSUnixSecurity = v
	}
	if create {
		switch {
		case len(r.Clients) == 0:
			return errMissing(prefix + "clients")
		case len(r.RORule) == 0:
			return errMissing(prefix + "ro_rule")
		case len(r.RWRule) == 0:
			return errMissing(prefix + "rw_rule")
		}
	}
	return nil
}

func newRule() ExportRule {
	return ExportRule{Protocols: []string{"any"}, Superuser: []string{"none"}, AnonymousUser: "65534",
		AllowSuid: true, AllowDeviceCreation: true, ChownMode: "restricted", NTFSUnixSecurity: "fail"}
}

func sameRule(a, b *ExportRule) bool {
	x, y := *a, *b
	x.Index, y.Index = 0, 0
	return reflect.DeepEqual(x, y)
}

func rulesFromBody(s *Server, b body) ([]ExportRule, bool, *apiError) {
	rbs, ok, err := b.objects("rules")
	if err != nil || !ok {
		return nil, ok, err
	}
	rules := []ExportRule{}
	for i, rb := range rbs {
		if err := exportRuleFields.checkAt(s, rb, http.MethodPost, "rules."); err != nil {
			return nil, true, err
		}
		r := newRule()
		if err := applyRuleBody(rb, &r, true, "rules."); err != nil {
			return nil, true, err
		}
		r.Index = int64(i + 1)
		rules = append(rules, r)
	}
	return rules, true, nil
}

// Export policies are synchronous on ONTAP: 201 and 200, no job.
func postExportPolicy(s *Server, c *call) *response {
	if err := exportPolicyFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	svm, err := s.svmFromBody(c.body)
	if err != nil {
		return fail(err)
	}
	name, _, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	if name == "" {
		return fail(errMissing("name"))
	}
	if s.exportPolicy(svm.Name, name) != nil {
		return fail(newErr(http.StatusConflict, codeDuplicate, "name", "Duplicate entry: export policy \"%s\" already exists in Vserver \"%s\".", name, svm.Name))
	}
	rules, _, err := rulesFromBody(s, c.body)
	if err != nil {
		return fail(err)
	}
	p := &ExportPolicy{Name: name, SVM: svm.Name, Rules: rules}
	s.addExportPolicy(p)
	loc := fmt.Sprintf("/api/protocols/nfs/export-policies/%d", p.ID)
	return s.created(c, loc, exportPolicyKind, func() map[string]any { return s.exportPolicyRecord(p) })
}

func patchExportPolicy(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	if err := exportPolicyFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	name, rename, err := c.body.str("name")
	if err != nil {
		return fail(err)
	}
	if rename && name != p.Name {
		if name == "" {
			return fail(errInvalidValue("name", name, ""))
		}
		if p.Name == "default" {
			return fail(newErr(http.StatusBadRequest, codeInvalidValue, "name", "Cannot rename the default export policy."))
		}
		if s.exportPolicy(p.SVM, name) != nil {
			return fail(newErr(http.StatusConflict, codeDuplicate, "name", "Duplicate entry: export policy \"%s\" already exists in Vserver \"%s\".", name, p.SVM))
		}
	}
	rules, hasRules, err := rulesFromBody(s, c.body)
	if err != nil {
		return fail(err)
	}
	if rename && name != p.Name {
		for _, v := range s.volumes {
			if v.SVM == p.SVM && v.ExportPolicy == p.Name {
				v.ExportPolicy = name
			}
		}
		p.Name = name
	}
	if hasRules {
		p.Rules = rules
	}
	return ok(200, nil)
}

func deleteExportPolicy(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	if p.Name == "default" {
		return fail(newErr(http.StatusBadRequest, codeExportPolInUse, "", "Cannot delete the default export policy of Vserver \"%s\".", p.SVM))
	}
	for _, v := range s.volumes {
		if v.SVM == p.SVM && v.ExportPolicy == p.Name {
			return fail(newErr(http.StatusConflict, codeExportPolInUse, "", "Cannot delete export policy \"%s\": it is in use by volume \"%s\".", p.Name, v.Name))
		}
	}
	s.exportPols = removeFirst(s.exportPols, func(x *ExportPolicy) bool { return x == p })
	return ok(200, nil)
}

func getRules(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	var recs []map[string]any
	for i := range p.Rules {
		recs = append(recs, s.ruleRecord(p, &p.Rules[i]))
	}
	return ok(200, exportRuleKind.collection(c.path, c.q, recs))
}

func ruleFromPath(p *ExportPolicy, c *call) (int, *apiError) {
	idx, err := strconv.ParseInt(c.vars["index"], 10, 64)
	if err != nil {
		return 0, errNotFound("index")
	}
	for i := range p.Rules {
		if p.Rules[i].Index == idx {
			return i, nil
		}
	}
	return 0, errNotFound("index")
}

func getRule(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	i, err := ruleFromPath(p, c)
	if err != nil {
		return fail(err)
	}
	return ok(200, exportRuleKind.project(s.ruleRecord(p, &p.Rules[i]), c.q.fields, false))
}

func renumber(p *ExportPolicy) {
	for i := range p.Rules {
		p.Rules[i].Index = int64(i + 1)
	}
}

// moveRule moves the rule at position i to index to (1-based, clamped).
func moveRule(p *ExportPolicy, i int, to int64) {
	r := p.Rules[i]
	p.Rules = append(p.Rules[:i:i], p.Rules[i+1:]...)
	pos := int(to - 1)
	if pos < 0 {
		pos = 0
	}
	if pos > len(p.Rules) {
		pos = len(p.Rules)
	}
	p.Rules = append(p.Rules[:pos], append([]ExportRule{r}, p.Rules[pos:]...)...)
	renumber(p)
}

func postRule(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	if err := exportRuleFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	r := newRule()
	if err := applyRuleBody(c.body, &r, true, ""); err != nil {
		return fail(err)
	}
	for i := range p.Rules {
		if sameRule(&p.Rules[i], &r) {
			return fail(newErr(http.StatusConflict, codeExportRuleExists, "", "Export rule already exists in policy \"%s\" at index %d.", p.Name, p.Rules[i].Index))
		}
	}
	p.Rules = append(p.Rules, r)
	renumber(p)
	pos := len(p.Rules) - 1
	if idx, ok, err := c.body.int("index"); err != nil {
		return fail(err)
	} else if ok {
		if idx < 1 {
			return fail(errInvalidValue("index", fmt.Sprint(idx), ""))
		}
		moveRule(p, pos, idx)
		pos = int(min(idx, int64(len(p.Rules))) - 1)
	}
	rule := &p.Rules[pos]
	loc := fmt.Sprintf("/api/protocols/nfs/export-policies/%d/rules/%d", p.ID, rule.Index)
	return s.created(c, loc, exportRuleKind, func() map[string]any { return s.ruleRecord(p, rule) })
}

func patchRule(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	i, err := ruleFromPath(p, c)
	if err != nil {
		return fail(err)
	}
	if err := exportRuleFields.check(s, c.body, c.method); err != nil {
		return fail(err)
	}
	r := p.Rules[i]
	if err := applyRuleBody(c.body, &r, false, ""); err != nil {
		return fail(err)
	}
	p.Rules[i] = r
	to := int64(0)
	if v := c.q.values.Get("new_index"); v != "" {
		n, perr := strconv.ParseInt(v, 10, 64)
		if perr != nil || n < 1 {
			return fail(errInvalidValue("new_index", v, ""))
		}
		to = n
	}
	if idx, ok, err := c.body.int("index"); err != nil {
		return fail(err)
	} else if ok {
		to = idx
	}
	if to > 0 {
		moveRule(p, i, to)
	}
	return ok(200, nil)
}

// deleteRule removes a rule; the rules after it move up one index, as ONTAP
// renumbers them.
func deleteRule(s *Server, c *call) *response {
	p, err := s.policyFromPath(c)
	if err != nil {
		return fail(err)
	}
	i, err := ruleFromPath(p, c)
	if err != nil {
		return fail(err)
	}
	p.Rules = append(p.Rules[:i:i], p.Rules[i+1:]...)
	renumber(p)
	return ok(200, nil)
}

// ExportPolicies returns a copy of the export policies and their rules.
func (s *Server) ExportPolicies() []ExportPolicy {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]ExportPolicy, 0, len(s.exportPols))
	for _, p := range s.exportPols {
		cp := *p
		cp.Rules = append([]ExportRule(nil), p.Rules...)
		out = append(out, cp)
	}
	return out
}

func init() {
	handle("/api/protocols/nfs/export-policies", map[string]handler{"GET": getExportPolicies, "POST": postExportPolicy}, false)
	handle("/api/protocols/nfs/export-policies/{id}", map[string]handler{"GET": getExportPolicy, "PATCH": patchExportPolicy, "DELETE": deleteExportPolicy}, false)
	handle("/api/protocols/nfs/export-policies/{id}/rules", map[string]handler{"GET": getRules, "POST": postRule}, false)
	handle("/api/protocols/nfs/export-policies/{id}/rules/{index}", map[string]handler{"GET": getRule, "PATCH": patchRule, "DELETE": deleteRule}, false)
}
