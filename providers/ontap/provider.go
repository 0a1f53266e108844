package ontap

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/enclave-dev/enclave/providers"
)

// Name is the provider type name used in provider blocks.
const Name = "ontap"

// Provider is one configured ONTAP cluster.
type Provider struct {
	opts   providers.Options
	c      *client
	device string

	// read holds, per collection, what this run's last refresh read: a refresh that only
	// looks objects up by identity (the plan's collision check) searches it instead of
	// reading again. Any write drops it.
	mu   sync.Mutex
	read map[string][]record
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.Normalizer = (*Provider)(nil)
)

// New returns an unconfigured ONTAP provider.
func New(opts providers.Options) providers.Provider {
	return &Provider{opts: opts}
}

// Schema describes the provider block, the resources and the data sources.
func (p *Provider) Schema() *providers.ProviderSchema {
	return &providers.ProviderSchema{
		Provider:    providerSchema(),
		Resources:   resourceSchemas(),
		DataSources: dataSchemas(),
	}
}

// Configure checks the provider block, builds a verified TLS client and proves the
// connection and the credentials with one GET /api/cluster.
func (p *Provider) Configure(ctx context.Context, config providers.Object) error {
	raw := providers.String(config, "url")
	u, err := parseURL(raw)
	if err != nil {
		return &providers.Error{Device: "ontap " + raw, Err: err}
	}
	p.device = "ontap " + u.Host
	if n := providers.String(config, "name"); n != "" {
		p.device = "ontap " + n
	}
	fail := func(format string, args ...any) error {
		return &providers.Error{Device: p.device, Err: fmt.Errorf(format, args...)}
	}
	user := providers.String(config, "username")
	pass := providers.String(config, "password")
	if user == "" {
		return fail("username is required")
	}
	jobTimeout := 600 * time.Second
	if providers.Has(config, "job_timeout_seconds") {
		v := config["job_timeout_seconds"]
		secs, ok := providers.AsInt(v)
		if f, isFloat := v.(float64); isFloat {
			secs, ok = int64(f), f == float64(int64(f))
		}
		if !ok || secs < 1 {
			return fail("job_timeout_seconds must be a positive whole number of seconds, not %v", v)
		}
		jobTimeout = time.Duration(secs) * time.Second
	}
	returnTimeout := 30 * time.Second
	if providers.Has(config, "return_timeout_seconds") {
		v := config["return_timeout_seconds"]
		secs, ok := providers.AsInt(v)
		if f, isFloat := v.(float64); isFloat {
			secs, ok = int64(f), f == float64(int64(f))
		}
		if !ok || secs < 0 || secs > 120 {
			return fail("return_timeout_seconds must be a whole number of seconds from 0 to 120 (ONTAP's range), not %v", config["return_timeout_seconds"])
		}
		returnTimeout = time.Duration(secs) * time.Second
	}
	t := &trust{insecure: providers.Bool(config, "insecure")}
	caFile := providers.String(config, "ca_file")
	fp := providers.String(config, "fingerprint")
	if t.insecure && (caFile != "" || fp != "") {
		return fail("insecure = true contradicts ca_file/fingerprint: choose one")
	}
	if caFile != "" {
		if !filepath.IsAbs(caFile) && p.opts.BaseDir != "" {
			caFile = filepath.Join(p.opts.BaseDir, caFile)
		}
		t.caFile = providers.String(config, "ca_file")
		if t.roots, err = loadCA(caFile); err != nil {
			return fail("%v", err)
		}
	}
	if fp != "" {
		if t.fingerprint, err = parseFingerprint(fp); err != nil {
			return fail("%v", err)
		}
	}
	if t.insecure && p.opts.Warnf != nil {
		p.opts.Warnf("%s: insecure = true: the cluster's TLS certificate is NOT verified; credentials go to whoever answers at %s", p.device, u.Host)
	}
	p.c = newClient(u, t.httpClient(u.Host), user, pass, p.device, jobTimeout)
	p.c.returnTimeout = returnTimeout
	const call = "GET /api/cluster"
	rec, err := p.c.do(ctx, http.MethodGet, "/api/cluster", url.Values{"fields": {"name,uuid,version"}}, nil)
	if err != nil {
		p.c = nil
		return &providers.Error{Device: p.device, Call: call, Err: err}
	}
	if str(rec, "uuid") == "" && str(rec, "name") == "" {
		p.c = nil
		return &providers.Error{Device: p.device, Call: call, Err: errors.New("the answer is not an ONTAP cluster record (no name, no uuid)")}
	}
	return nil
}

// parseURL accepts https://host[:port], with an optional trailing / or /api.
func parseURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, errors.New("url is required")
	}
	u, err := url.Parse(raw)
	if err != nil {
		return nil, fmt.Errorf("url %q: %v", raw, err)
	}
	if u.Scheme != "https" {
		return nil, fmt.Errorf("url %q: must be https://host[:port]", raw)
	}
	if u.Host == "" {
		return nil, fmt.Errorf("url %q: no host", raw)
	}
	if u.User != nil {
		return nil, fmt.Errorf("url must not carry credentials; use username and password")
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("url %q: no query or fragment allowed", raw)
	}
	switch strings.TrimRight(u.Path, "/") {
	case "", "/api":
	default:
		return nil, fmt.Errorf("url %q: path %q not allowed; the REST API is always under /api", raw, u.Path)
	}
	return &url.URL{Scheme: "https", Host: u.Host, Path: "/"}, nil
}

func (p *Provider) ready() error {
	if p.c == nil {
		return errors.New("ontap provider used before Configure")
	}
	return nil
}

// Close drops idle connections.
func (p *Provider) Close() error {
	if p.c != nil {
		p.c.http.CloseIdleConnections()
	}
	return nil
}

// Normalize brings desired values to the form refresh reports: sizes in bytes, netmasks as
// prefix lengths, protocol and aggregate sets sorted, export rules with ONTAP's defaults
// filled in, snapshot copies sorted by schedule with their default prefix.
func (p *Provider) Normalize(typ string, desired providers.Object) (providers.Object, error) {
	if desired == nil {
		return nil, nil
	}
	out := providers.Copy(desired)
	switch typ {
	case typeVolume:
		if providers.Has(out, "size") {
			n, err := parseSize(providers.String(out, "size"))
			if err != nil {
				return nil, err
			}
			out["size"] = fmt.Sprint(n)
		}
	case typeInterface:
		if providers.Has(out, "netmask") {
			m, err := normalizeNetmask(providers.String(out, "netmask"))
			if err != nil {
				return nil, err
			}
			out["netmask"] = m
		}
	case typeExportPolicy:
		if providers.Has(out, "rule") {
			out["rule"] = normalizeRules(out)
		}
	case typeSnapshotPolicy:
		if providers.Has(out, "copies") {
			out["copies"] = providers.BlockList(normalizeCopies(out))
		}
	case typeSVM:
		if providers.Has(out, "aggregates") {
			out["aggregates"] = providers.SortedStringList(providers.Strings(out, "aggregates"))
		}
		if providers.Has(out, "protocols") {
			ps := providers.Strings(out, "protocols")
			for i, s := range ps {
				ps[i] = strings.ToLower(s)
				if !validProtocol(ps[i]) {
					return nil, fmt.Errorf("protocols: %q is not one of %s", s, strings.Join(svmProtocols, ", "))
				}
			}
			out["protocols"] = providers.SortedStringList(ps)
		}
	}
	return out, nil
}

// Refresh reads every requested object with one collection GET per kind.
func (p *Provider) Refresh(ctx context.Context, reqs []providers.RefreshRequest) ([]providers.RefreshResult, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	byType := map[string][]int{}
	for i, r := range reqs {
		byType[r.Type] = append(byType[r.Type], i)
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	out := make([]providers.RefreshResult, len(reqs))
	for _, typ := range types {
		k, ok := kinds[typ]
		if !ok {
			return nil, &providers.Error{Addr: reqs[byType[typ][0]].Addr, Device: p.device, Err: fmt.Errorf("unknown resource type %s", typ)}
		}
		recs, err := p.collection(ctx, k, providers.LookupsOnly(reqs))
		if err != nil {
			return nil, &providers.Error{Device: p.device, Call: callName(http.MethodGet, k.path), Err: err}
		}
		byID := map[string]record{}
		for _, r := range recs {
			byID[str(r, k.idField())] = r
		}
		for _, i := range byType[typ] {
			out[i] = providers.RefreshResult{Addr: reqs[i].Addr}
			if reqs[i].ID == "" {
				// Found by identity in the same collection read: an object an interrupted
				// apply may have created, or one a planned create would collide with.
				if r := findRecord(recs, k.identity(reqs[i].Prior)); r != nil {
					out[i].Current = k.object(r)
				}
				continue
			}
			if r, ok := byID[reqs[i].ID]; ok {
				out[i].Current = k.object(r)
			}
		}
	}
	return out, nil
}

// ReadData answers data source lookups with one collection GET per kind.
func (p *Provider) ReadData(ctx context.Context, reqs []providers.DataRequest) ([]providers.DataResult, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	out := make([]providers.DataResult, len(reqs))
	cache := map[string][]record{}
	for i, r := range reqs {
		out[i].Addr = r.Addr
		d, ok := dataKinds[r.Type]
		if !ok {
			out[i].Err = &providers.Error{Addr: r.Addr, Device: p.device, Err: fmt.Errorf("unknown data source type %s", r.Type)}
			continue
		}
		recs, done := cache[r.Type]
		if !done {
			var err error
			recs, err = p.c.getAll(ctx, d.path, url.Values{"fields": {d.fields}})
			if err != nil {
				return nil, &providers.Error{Device: p.device, Call: callName(http.MethodGet, d.path), Err: err}
			}
			cache[r.Type] = recs
		}
		name := providers.String(r.Args, "name")
		for _, rec := range recs {
			if str(rec, "name") == name {
				out[i].Result = d.object(rec)
				break
			}
		}
		if out[i].Result == nil {
			out[i].Err = &providers.Error{Addr: r.Addr, Device: p.device, Call: callName(http.MethodGet, d.path),
				Err: fmt.Errorf("%s %q not found", strings.TrimPrefix(r.Type, "ontap_"), name)}
		}
	}
	return out, nil
}

// Import reads one existing object by its name-based id.
func (p *Provider) Import(ctx context.Context, typ, id string) (providers.Object, error) {
	if err := p.ready(); err != nil {
		return nil, err
	}
	k, ok := kinds[typ]
	if !ok {
		return nil, &providers.Error{Device: p.device, Err: fmt.Errorf("unknown resource type %s", typ)}
	}
	var filter url.Values
	var err error
	if isObjectID(k, id) {
		// The cluster's own key (a uuid, an export policy's number), as a plan names an
		// object that already exists.
		filter = url.Values{k.idField(): {id}}
	} else {
		filter, err = k.importFilter(id)
	}
	if err != nil {
		return nil, &providers.Error{Device: p.device, Err: fmt.Errorf("import %s %q: %v (want %s)", typ, id, err, resourceSchemas()[typ].ImportHelp)}
	}
	rec, err := p.lookup(ctx, k, filter)
	if err != nil {
		return nil, &providers.Error{Device: p.device, Call: callName(http.MethodGet, k.path), Err: err}
	}
	if rec == nil {
		return nil, &providers.Error{Device: p.device, Call: callName(http.MethodGet, k.path), Err: fmt.Errorf("%s %q not found", typ, id)}
	}
	return k.object(rec), nil
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// isObjectID reports whether an import id is the kind's own key rather than its names.
func isObjectID(k *kind, id string) bool {
	if k.idField() == "uuid" {
		return uuidRE.MatchString(id)
	}
	if _, err := strconv.Atoi(id); err == nil && k.idField() == "id" {
		return true
	}
	return false
}

// lookup reads the one record matching filter (nil when none).
func (p *Provider) lookup(ctx context.Context, k *kind, filter url.Values) (record, error) {
	q := cloneValues(filter)
	q.Set("fields", k.fields)
	all, err := p.c.getAll(ctx, k.path, q)
	if err != nil {
		return nil, err
	}
	// ONTAP matches names without regard to case; identity is exact.
	var recs []record
	for _, r := range all {
		if exactMatch(r, filter) {
			recs = append(recs, r)
		}
	}
	switch len(recs) {
	case 0:
		return nil, nil
	case 1:
		return recs[0], nil
	}
	return nil, fmt.Errorf("%d objects match %s", len(recs), filter.Encode())
}

// collection reads every object of a kind (one GET, paginated), or, when reuse is set and
// this run read it already, returns that.
func (p *Provider) collection(ctx context.Context, k *kind, reuse bool) ([]record, error) {
	p.mu.Lock()
	recs, ok := p.read[k.path]
	p.mu.Unlock()
	if reuse && ok {
		return recs, nil
	}
	recs, err := p.c.getAll(ctx, k.path, url.Values{"fields": {k.fields}})
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	if p.read == nil {
		p.read = map[string][]record{}
	}
	p.read[k.path] = recs
	p.mu.Unlock()
	return recs, nil
}

// findRecord is the one record matching filter exactly, or nil (none, or several).
func findRecord(recs []record, filter url.Values) record {
	var found record
	for _, r := range recs {
		if exactMatch(r, filter) {
			if found != nil {
				return nil
			}
			found = r
		}
	}
	return found
}

// Apply makes each change and reads the object back, so New is what the cluster holds.
func (p *Provider) Apply(ctx context.Context, changes []providers.Change, progress providers.Progress) []providers.ChangeResult {
	out := make([]providers.ChangeResult, len(changes))
	for i, ch := range changes {
		out[i] = p.apply(ctx, ch, progress)
	}
	return out
}

func (p *Provider) apply(ctx context.Context, ch providers.Change, progress providers.Progress) providers.ChangeResult {
	res := providers.ChangeResult{Addr: ch.Addr}
	p.mu.Lock()
	p.read = nil // the cluster is about to change
	p.mu.Unlock()
	if err := p.ready(); err != nil {
		res.Err = err
		return res
	}
	k, ok := kinds[ch.Type]
	if !ok {
		res.Err = &providers.Error{Addr: ch.Addr, Device: p.device, Err: fmt.Errorf("unknown resource type %s", ch.Type)}
		return res
	}
	planned, err := p.Normalize(ch.Type, ch.Planned)
	if err != nil {
		res.Err = &providers.Error{Addr: ch.Addr, Device: p.device, Err: err}
		return res
	}
	op := &operation{p: p, k: k, addr: ch.Addr, prior: ch.Prior, planned: planned}
	if progress != nil {
		op.progress = func(msg string) { progress(ch.Addr, msg) }
	}
	var find url.Values // how to read the object back
	switch ch.Action {
	case providers.Create:
		_, err = k.create(ctx, op)
		if err != nil && !outcomeUnknown(err) {
			// The cluster refused the create (a same-named object exists, a job failed):
			// whatever is found under that name now is not this change's work, and
			// reading it back would hand a foreign object to state.
			res.Err = err
			return res
		}
		find = k.identity(planned)
	case providers.Update:
		find = url.Values{k.idField(): {providers.String(ch.Prior, "id")}}
		err = k.update(ctx, op)
	case providers.Delete:
		find = url.Values{k.idField(): {providers.String(ch.Prior, "id")}}
		err = k.delete(ctx, op)
		if err == nil {
			return res
		}
	default:
		res.Err = &providers.Error{Addr: ch.Addr, Device: p.device, Err: fmt.Errorf("action %s is not supported by a non-transactional provider", ch.Action)}
		return res
	}
	res.Err = err
	res.Uncertain = outcomeUnknown(err)
	if find == nil {
		return res
	}
	rec, rerr := p.lookup(ctx, k, find)
	switch {
	case rerr != nil:
		// The write's outcome is known only to the cluster now; the next refresh reads it.
		res.Uncertain = true
		rerr = &providers.Error{Addr: ch.Addr, Device: p.device, Call: callName(http.MethodGet, k.path), Err: fmt.Errorf("reading back: %w", rerr)}
		res.Err = errors.Join(res.Err, rerr)
	case rec != nil:
		res.New = k.object(rec)
	case err == nil && ch.Action != providers.Delete:
		res.Uncertain = true
		res.Err = &providers.Error{Addr: ch.Addr, Device: p.device, Call: callName(http.MethodGet, k.path),
			Err: fmt.Errorf("the cluster accepted the %s but the object is not there (%s)", ch.Action, find.Encode())}
	}
	return res
}

// outcomeUnknown: the write went out and its end was not seen (a job past its deadline, the
// wait cut short): the cluster may have done it.
func outcomeUnknown(err error) bool {
	var timeout *JobTimeoutError
	return errors.As(err, &timeout) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
}

// operation is one change on its way to the cluster.
type operation struct {
	p        *Provider
	k        *kind
	addr     string
	prior    providers.Object
	planned  providers.Object
	progress func(string)
}

// write sends one write and waits for its job; errors name the device and the call.
func (op *operation) write(ctx context.Context, method, path string, body any) (record, error) {
	rec, err := op.p.c.write(ctx, method, path, nil, body, op.progress)
	if err != nil {
		return nil, &providers.Error{Addr: op.addr, Device: op.p.device, Call: callName(method, path), Err: err}
	}
	return rec, nil
}

// changed reports whether planned sets k to something other than prior's value.
func (op *operation) changed(k string) bool {
	if !providers.Has(op.planned, k) {
		return false
	}
	return fmt.Sprint(op.planned[k]) != fmt.Sprint(op.prior[k])
}

func (op *operation) id() string { return providers.String(op.prior, "id") }

// fail names the resource and the device in an error found before or between calls.
func (op *operation) fail(err error) error {
	return &providers.Error{Addr: op.addr, Device: op.p.device, Err: err}
}

// kind is what the generic code knows of one resource type.
type kind struct {
	path   string // collection
	fields string // what object() reads, for fields=
	idKey  string // "uuid" unless the kind's key is another field
	object func(record) providers.Object
	create func(context.Context, *operation) (url.Values, error)
	update func(context.Context, *operation) error
	delete func(context.Context, *operation) error
	// importFilter turns an import id into a collection filter.
	importFilter func(id string) (url.Values, error)
	// identity is the collection filter that finds the object a create of planned makes:
	// what makes it unique on the cluster (its SVM and name, its destination path, ...).
	identity func(planned providers.Object) url.Values
}

func (k *kind) idField() string {
	if k.idKey != "" {
		return k.idKey
	}
	return "uuid"
}

// dataKind is one data source type.
type dataKind struct {
	path   string
	fields string
	object func(record) providers.Object
}

var kinds = map[string]*kind{}

var dataKinds = map[string]*dataKind{}

// svmAndName splits "svm:name".
func svmAndName(id string) (url.Values, error) {
	svm, name, ok := strings.Cut(id, ":")
	if !ok || svm == "" || name == "" {
		return nil, errors.New("not svm:name")
	}
	return url.Values{"svm.name": {quoteFilter(svm)}, "name": {quoteFilter(name)}}, nil
}

// quoteFilter makes a name a literal in an ONTAP query filter, where * | ! < > .. are
// operators.
func quoteFilter(s string) string {
	if strings.ContainsAny(s, "*|!<>{}\" ") || strings.Contains(s, "..") {
		return `"` + s + `"`
	}
	return s
}

// exactMatch checks a record against the filter's values exactly, for the fields the
// record carries.
func exactMatch(r record, filter url.Values) bool {
	for k, vs := range filter {
		v, ok := lookup(r, k)
		if !ok || len(vs) == 0 {
			continue
		}
		want := vs[0]
		if len(want) >= 2 && want[0] == '"' && want[len(want)-1] == '"' {
			want = want[1 : len(want)-1]
		}
		if scalar(v) != want {
			return false
		}
	}
	return true
}

// plannedString returns the planned value of k and whether it is set.
func (op *operation) plannedString(k string) (string, bool) {
	if !providers.Has(op.planned, k) {
		return "", false
	}
	return providers.String(op.planned, k), true
}
