package junos

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/enclave-dev/enclave/providers"
)

// Name is the provider type name used in provider blocks.
const Name = "junos"

// Provider is one Junos device. All state is per instance, so the engine may drive many
// devices at once; calls on one instance are serialised.
type Provider struct {
	opts providers.Options

	mu      sync.Mutex
	device  string // for messages: host, or host:port when the port is not 830
	dial    dialSettings
	confirm int // commit confirmed timeout, minutes
	sess    *session
	schema  *providers.ProviderSchema
	// read is the configuration this run's last refresh read, reused by a refresh that looks
	// objects up by identity; a transaction drops it.
	read *element
}

var (
	_ providers.Provider   = (*Provider)(nil)
	_ providers.Normalizer = (*Provider)(nil)
)

// New makes an unconfigured Junos provider.
func New(opts providers.Options) providers.Provider {
	if opts.Warnf == nil {
		opts.Warnf = func(string, ...any) {}
	}
	return &Provider{opts: opts, schema: &providers.ProviderSchema{
		Provider:      providerSchema(),
		Resources:     resourceSchemas(),
		DataSources:   map[string]*providers.Schema{},
		Transactional: true,
	}}
}

// Schema describes the provider block and the resource types.
func (p *Provider) Schema() *providers.ProviderSchema { return p.schema }

// Configure validates the provider block and connects to the device.
func (p *Provider) Configure(ctx context.Context, config providers.Object) error {
	host := providers.String(config, "host")
	if host == "" {
		return fmt.Errorf("junos: host is required")
	}
	port := int64(830)
	if providers.Has(config, "port") {
		port = providers.Int(config, "port")
	}
	if port < 1 || port > 65535 {
		return fmt.Errorf("junos %s: port %d is out of range", host, port)
	}
	p.device = host
	if port != 830 {
		p.device = net.JoinHostPort(host, strconv.FormatInt(port, 10))
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("junos %s: %s", p.device, fmt.Sprintf(format, args...))
	}
	user := providers.String(config, "username")
	if user == "" {
		return fail("username is required")
	}
	confirm := int64(5)
	if providers.Has(config, "commit_confirm_minutes") {
		confirm = providers.Int(config, "commit_confirm_minutes")
	}
	if confirm < 1 || confirm > 65535 {
		return fail("commit_confirm_minutes must be between 1 and 65535, not %d", confirm)
	}
	timeout := int64(30)
	if providers.Has(config, "timeout_seconds") {
		timeout = providers.Int(config, "timeout_seconds")
	}
	if timeout < 1 {
		return fail("timeout_seconds must be at least 1, not %d", timeout)
	}
	keyFile, err := expandPath(providers.String(config, "private_key_file"), p.opts.BaseDir)
	if err != nil {
		return fail("private_key_file: %v", err)
	}
	auth, authDesc, err := authMethods(keyFile, providers.String(config, "password"))
	if err != nil {
		return fail("%v", err)
	}
	pinned := providers.String(config, "host_key")
	khFile := providers.String(config, "known_hosts_file")
	if pinned != "" && khFile != "" {
		return fail("host_key and known_hosts_file are alternatives; set one")
	}
	if pinned == "" {
		if khFile == "" {
			khFile = "~/.ssh/known_hosts"
		}
		if khFile, err = expandPath(khFile, p.opts.BaseDir); err != nil {
			return fail("known_hosts_file: %v", err)
		}
	}
	addr := net.JoinHostPort(host, strconv.FormatInt(port, 10))
	cb, algos, err := hostKeyVerifier(addr, khFile, pinned)
	if err != nil {
		return fail("%v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.confirm = int(confirm)
	p.dial = dialSettings{addr: addr, user: user, auth: auth, authDesc: authDesc, hostKey: cb, algos: algos,
		timeout: time.Duration(timeout) * time.Second}
	if p.sess != nil {
		_ = p.sess.close()
		p.sess = nil
	}
	if _, err := p.session(ctx); err != nil {
		return fail("%v", err)
	}
	return nil
}

// session returns the live session, dialling again when the last one ended (a timeout or a
// dropped connection ends a session for good). Callers hold p.mu.
func (p *Provider) session(ctx context.Context) (*session, error) {
	if p.sess != nil && p.sess.dead() == nil {
		return p.sess, nil
	}
	if p.dial.addr == "" {
		return nil, fmt.Errorf("the provider is not configured")
	}
	s, err := dial(ctx, p.dial)
	if err != nil {
		return nil, err
	}
	p.sess = s
	return s, nil
}

// Close ends the NETCONF session.
func (p *Provider) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.sess != nil {
		err := p.sess.close()
		p.sess = nil
		return err
	}
	return nil
}

// callError ties an error to the RPC that failed. Its text is the cause's alone: the call is
// named once, by the *providers.Error it ends up in.
type callError struct {
	call string
	err  error
}

func (e *callError) Error() string { return e.err.Error() }
func (e *callError) Unwrap() error { return e.err }

// deviceErr wraps err as a *providers.Error naming the device and, when err carries one, the
// RPC (otherwise call).
func (p *Provider) deviceErr(call string, err error) *providers.Error {
	var ce *callError
	if errors.As(err, &ce) {
		call = ce.call
		if ce == err {
			err = ce.err
		}
	}
	return &providers.Error{Device: p.device, Call: call, Err: err}
}

// getConfiguration reads the committed configuration of every managed hierarchy in one RPC.
func (p *Provider) getConfiguration(ctx context.Context, s *session) (*element, error) {
	const call = "get-configuration"
	r, err := s.rpc(ctx, call, getConfigRPC)
	if err != nil {
		return nil, &callError{call, err}
	}
	if err := r.Err(); err != nil {
		return nil, &callError{call, err}
	}
	cfg := r.body("configuration")
	if cfg == nil {
		// A device with none of the hierarchies may answer with an empty reply.
		cfg = el("configuration")
	}
	dropInactive(cfg)
	return cfg, nil
}

// dropInactive removes statements deactivated on the device (inactive="inactive"): Junos
// ignores them, so enclave reads them as absent and a plan shows them coming back.
func dropInactive(e *element) {
	kept := e.Children[:0]
	for _, c := range e.Children {
		if c.attrValue("inactive") == "inactive" {
			continue
		}
		dropInactive(c)
		kept = append(kept, c)
	}
	e.Children = kept
}

var getConfigRPC = `<get-configuration database="committed" format="xml">` + managedFilter.String() + `</get-configuration>`

// Refresh reads every requested object with one get-configuration, whatever their number.
func (p *Provider) Refresh(ctx context.Context, reqs []providers.RefreshRequest) ([]providers.RefreshResult, error) {
	out := make([]providers.RefreshResult, len(reqs))
	if len(reqs) == 0 {
		return out, nil
	}
	for _, r := range reqs {
		if _, err := lookupType(r.Type); err != nil {
			return nil, fmt.Errorf("%s: %w", r.Addr, err)
		}
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.session(ctx)
	if err != nil {
		return nil, p.deviceErr("connect", err)
	}
	// A refresh that only looks objects up by identity (the plan's collision check) searches
	// what this run's refresh just read; any other refresh reads the device.
	cfg := p.read
	if cfg == nil || !providers.LookupsOnly(reqs) {
		cfg, err = p.getConfiguration(ctx, s)
		if err != nil {
			return nil, p.deviceErr("get-configuration", err)
		}
		p.read = cfg
	}
	idx := indexConfig(cfg)
	for i, r := range reqs {
		out[i].Addr = r.Addr
		id := r.ID
		if id == "" {
			id = providers.String(r.Prior, "id")
		}
		if id == "" && r.Prior != nil {
			id, _ = types[r.Type].id(r.Prior) // state written before ids were recorded
		}
		if st := idx[r.Type][id]; st != nil {
			out[i].Current = readObject(r.Type, id, st)
			if extra := unmanaged(r.Type, st); len(extra) > 0 {
				if len(extra) > 3 {
					extra = append(extra[:3], fmt.Sprintf("and %d more", len(extra)-3))
				}
				p.opts.Warnf("junos %s: %s %q holds statements enclave does not manage; its next change removes them: %s",
					p.device, r.Type, id, strings.Join(extra, "; "))
			}
		}
	}
	return out, nil
}

// ReadData: the junos provider has no data sources.
func (p *Provider) ReadData(_ context.Context, reqs []providers.DataRequest) ([]providers.DataResult, error) {
	for _, r := range reqs {
		return nil, fmt.Errorf("%s: the junos provider has no data source %q", r.Addr, r.Type)
	}
	return nil, nil
}

// Import reads an existing object by its natural key (see each type's ImportHelp).
func (p *Provider) Import(ctx context.Context, typ, id string) (providers.Object, error) {
	rt, err := lookupType(typ)
	if err != nil {
		return nil, err
	}
	if _, _, err := rt.where(id); err != nil {
		return nil, fmt.Errorf("%s: %w", typ, err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	s, err := p.session(ctx)
	if err != nil {
		return nil, p.deviceErr("connect", err)
	}
	cfg, err := p.getConfiguration(ctx, s)
	if err != nil {
		return nil, p.deviceErr("get-configuration", err)
	}
	st := indexConfig(cfg)[typ][id]
	if st == nil {
		return nil, fmt.Errorf("junos %s: no %s %q in the committed configuration", p.device, typ, id)
	}
	return readObject(typ, id, st), nil
}

// Normalize returns desired in the form refresh reads it back in (render, then parse): IPv4
// addresses before IPv6, sets sorted, empty optional values absent, flags in blocks false
// rather than null. Attributes the provider does not know (tags) are kept as they are.
func (p *Provider) Normalize(typ string, desired providers.Object) (providers.Object, error) {
	rt, err := lookupType(typ)
	if err != nil {
		return nil, err
	}
	if desired == nil {
		return nil, nil
	}
	id, err := rt.id(desired)
	if err != nil {
		return desired, nil // the engine reports missing required attributes itself
	}
	// Values that are not plain (the engine's marker for a value known only after apply,
	// nested in a block) are passed through untouched: rendering them would invent a value.
	plainIn := providers.Object{}
	for k, v := range desired {
		if isPlain(v) {
			plainIn[k] = v
		}
	}
	norm := readObject(typ, id, rt.render(plainIn))
	// Only the keys given come back: the engine leaves out attributes it does not know yet
	// and merges the result over its own, so an absent key must stay absent.
	out := providers.Object{}
	for k, v := range desired {
		if _, ok := plainIn[k]; !ok {
			out[k] = v
		} else if nv, ok := norm[k]; ok {
			out[k] = nv
		} else if _, ours := p.schema.Resources[typ].Attributes[k]; ours && k != "id" {
			continue // an empty optional value: the device has no such statement
		} else {
			out[k] = v // not ours to interpret (tags), or the id
		}
	}
	return out, nil
}

// isPlain reports whether v is made only of the plain Object forms.
func isPlain(v any) bool {
	switch t := v.(type) {
	case nil, string, bool, int, int32, int64, float32, float64, []string:
		return true
	case []any:
		for _, e := range t {
			if !isPlain(e) {
				return false
			}
		}
		return true
	case map[string]any:
		for _, e := range t {
			if !isPlain(e) {
				return false
			}
		}
		return true
	}
	return false
}

// describe lists resource addresses for a commit log, shortened.
func describe(changes []providers.Change) string {
	var addrs []string
	for i, c := range changes {
		if i == 5 {
			addrs = append(addrs, fmt.Sprintf("and %d more", len(changes)-5))
			break
		}
		addrs = append(addrs, c.Addr)
	}
	return strings.Join(addrs, ", ")
}
