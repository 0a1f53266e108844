package vsphere

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/vmware/govmomi/property"
	"github.com/vmware/govmomi/session"
	"github.com/vmware/govmomi/session/keepalive"
	"github.com/vmware/govmomi/task"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/soap"

	"github.com/enclave-dev/enclave/providers"
)

// Provider is one configured connection to a vCenter.
type Provider struct {
	opts providers.Options

	client *vim25.Client
	sm     *session.Manager
	device string // "vcenter https://host/sdk", for messages

	// inv caches per-type inventory within the run so repeated lookups cost nothing; any
	// Apply drops it because the world changed.
	mu  sync.Mutex
	inv *inventory
}

var _ providers.Provider = (*Provider)(nil)

// New makes an unconfigured vSphere provider.
func New(opts providers.Options) providers.Provider {
	if opts.Warnf == nil {
		opts.Warnf = func(string, ...any) {}
	}
	return &Provider{opts: opts}
}

// Schema declares the provider block, resource types and data sources.
func (p *Provider) Schema() *providers.ProviderSchema {
	return &providers.ProviderSchema{
		Provider:    providerSchema(),
		Resources:   resourceSchemas(),
		DataSources: dataSchemas(),
	}
}

// Configure verifies vCenter's certificate and logs in once for the run.
func (p *Provider) Configure(ctx context.Context, config providers.Object) error {
	raw := providers.String(config, "url")
	if raw == "" {
		return errors.New("vcenter: url is required")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("vcenter %s: not a URL (want https://host/sdk)", redactURL(raw))
	}
	u.User = nil
	if u.Path == "" || u.Path == "/" {
		u.Path = vim25.Path
	}
	p.device = "vcenter " + u.String()

	trust, err := newTrust(p.opts.BaseDir, u.Hostname(), config)
	if err != nil {
		return fmt.Errorf("%s: %w", p.device, err)
	}
	if u.Scheme != "https" && !trust.insecure {
		return fmt.Errorf("%s: %s would send the password in the clear; use https", p.device, u.Scheme)
	}
	if trust.insecure {
		p.opts.Warnf("INSECURE: provider %q: insecure = true, the certificate of %s is NOT verified; anyone on the path can read the vCenter password and change the enclave. Set ca_file or thumbprint.", Name, u.String())
	}

	sc := soap.NewClient(u, trust.insecure)
	tc := sc.DefaultTransport().TLSClientConfig
	tc.InsecureSkipVerify = true // verification is ours: trust.verify below, with clear errors
	tc.VerifyConnection = trust.verify
	tc.ServerName = u.Hostname()

	c, err := vim25.NewClient(ctx, sc)
	if err != nil {
		return fmt.Errorf("%s: %w", p.device, connectError(err))
	}
	// One session for the run: keep it from idling out during long applies (vCenter drops
	// idle sessions after 30 minutes); logout stops the keepalive.
	c.RoundTripper = keepalive.NewHandlerSOAP(c.RoundTripper, 10*time.Minute, nil)
	sm := session.NewManager(c)
	if err := sm.Login(ctx, url.UserPassword(providers.String(config, "username"), providers.String(config, "password"))); err != nil {
		return fmt.Errorf("%s: login failed: %w", p.device, faultError(err))
	}
	p.client, p.sm = c, sm
	return nil
}

// Close logs out.
func (p *Provider) Close() error {
	if p.sm == nil {
		return nil
	}
	err := p.sm.Logout(context.Background())
	p.sm, p.client = nil, nil
	if err != nil {
		return fmt.Errorf("%s: logout: %w", p.device, faultError(err))
	}
	return nil
}

func (p *Provider) connected() error {
	if p.client == nil {
		return errors.New("vsphere provider used before Configure")
	}
	return nil
}

// connectError strips net/http's "Post URL:" wrapping: the device is already named.
func connectError(err error) error {
	var ce *certError
	if errors.As(err, &ce) {
		return ce
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		return fmt.Errorf("unreachable: %w", ue.Err)
	}
	return err
}

// faultError turns a SOAP fault into vCenter's own message.
func faultError(err error) error {
	if err == nil {
		return nil
	}
	var te task.Error
	if errors.As(err, &te) && te.LocalizedMethodFault != nil {
		msg := te.LocalizedMessage
		if msg == "" || strings.HasPrefix(msg, "*types.") {
			// govmomi's simulator leaves the message as the Go type name.
			msg = strings.TrimPrefix(fmt.Sprintf("%T", te.Fault()), "*types.")
		}
		return &vimError{msg, err}
	}
	if soap.IsSoapFault(err) {
		f := soap.ToSoapFault(err)
		msg := strings.TrimSpace(f.String)
		if msg == "" {
			msg = fmt.Sprintf("%T", f.VimFault())
		}
		return &vimError{msg, err}
	}
	return err
}

// vimError is vCenter's message for a fault, keeping the fault for errors.As.
type vimError struct {
	msg string
	err error
}

func (e *vimError) Error() string { return e.msg }
func (e *vimError) Unwrap() error { return e.err }

// callError is a provider failure naming the resource, the vCenter and the SOAP method.
func (p *Provider) callError(addr, call string, err error) error {
	return &providers.Error{Addr: addr, Device: p.device, Call: call, Err: fmt.Errorf("%s: %w", addr, faultError(err))}
}

func (p *Provider) collector() *property.Collector { return property.DefaultCollector(p.client) }

// redactURL drops credentials from a URL that failed to parse as one.
func redactURL(raw string) string {
	if i := strings.LastIndex(raw, "@"); i >= 0 {
		if j := strings.Index(raw, "://"); j >= 0 && j < i {
			return raw[:j+3] + "REDACTED" + raw[i:]
		}
		return "REDACTED" + raw[i:]
	}
	return raw
}
