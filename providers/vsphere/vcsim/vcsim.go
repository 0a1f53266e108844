package vcsim

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25"
	"github.com/vmware/govmomi/vim25/mo"
	"github.com/vmware/govmomi/vim25/types"
)

// Options configure a simulated vCenter.
type Options struct {
	// Dir is the lab directory. NFS exports live under Dir/nfs/<remote_host>/<remote_path>
	// and NAS datastores are mounted as Dir/mnt/<datastore name>. Empty: a temporary
	// directory removed by Close.
	Dir string
	// TLS is the server's TLS configuration (its certificate). Nil: httptest's own
	// self-signed certificate.
	TLS *tls.Config
	// Username and Password are the only credentials accepted. Empty: any non-empty
	// username and password are accepted, as govmomi's simulator does by default.
	Username, Password string
	// Addr is the listen address ("127.0.0.1:0" when empty).
	Addr string
	// Standard selects govmomi's standard VPX inventory (DC0 with cluster DC0_C0 of three
	// hosts, a standalone host, a DVS with a port group, a local datastore and VMs), for
	// tests. Otherwise the lab inventory is one empty datacenter DC0 plus Hosts standalone
	// hosts and Clusters clusters of three hosts each, so an enclave creates its own.
	Standard bool
	// Hosts and Clusters size the inventory (see Standard). With Standard they override the
	// VPX model's counts when non-zero.
	Hosts, Clusters int
	// Machines is the number of VMs per resource pool in the standard inventory (0: VPX's 2).
	Machines int
}

// Sim is a running simulated vCenter.
type Sim struct {
	// URL is the SDK endpoint (https://127.0.0.1:PORT/sdk), without credentials.
	URL *url.URL
	// Client is a logged-in client for tests and lab setup; its requests are counted too.
	Client *vim25.Client

	model   *simulator.Model
	server  *simulator.Server
	dir     string
	tempDir bool
	counter *requestCounter
	// soapCalls counts the SOAP calls that went through serializeSOAP.
	soapCalls *atomic.Int64
	soapMu    sync.Mutex // held while a SOAP call is served (see serializeSOAP)
	ext       *extensions
	gc        *govmomi.Client
}

// Start creates the model and serves it.
func Start(opts Options) (*Sim, error) {
	m := simulator.VPX()
	if opts.Standard {
		if opts.Hosts > 0 {
			m.Host = opts.Hosts
		}
		if opts.Clusters > 0 {
			m.Cluster = opts.Clusters
		}
		if opts.Machines > 0 {
			m.Machine = opts.Machines
		}
	} else {
		m.Host = opts.Hosts
		m.Cluster = opts.Clusters
		m.ClusterHost = 3
		m.Machine = 0
		m.Portgroup = 0
		if opts.Hosts+opts.Clusters == 0 {
			m.Datastore = 0
		}
	}
	if err := m.Create(); err != nil {
		return nil, fmt.Errorf("vcsim: create model: %w", err)
	}

	s := &Sim{model: m, counter: newRequestCounter(), dir: opts.Dir}
	if s.dir == "" {
		d, err := os.MkdirTemp("", "vcsim-lab-")
		if err != nil {
			m.Remove()
			return nil, err
		}
		s.dir, s.tempDir = d, true
	}

	m.Service.TLS = opts.TLS
	if m.Service.TLS == nil {
		m.Service.TLS = new(tls.Config)
	}
	listen := &url.URL{Host: opts.Addr}
	if listen.Host == "" {
		listen.Host = "127.0.0.1:0"
	}
	if opts.Username != "" || opts.Password != "" {
		listen.User = url.UserPassword(opts.Username, opts.Password)
	}
	m.Service.Listen = listen

	reg := m.Map()
	ext := newExtensions(s.dir)
	reg.AddHandler(ext)
	reg.Handler = func(ctx *simulator.Context, method *simulator.Method) (mo.Reference, types.BaseMethodFault) {
		s.counter.add(method.Name)
		ext.before(ctx, method)
		return nil, nil
	}

	s.soapCalls = serializeSOAP(m.Service, ext, &s.soapMu)
	s.ext = ext
	s.server = m.Service.NewServer()
	u := *s.server.URL
	login := u // carries the accepted credentials (simulator.DefaultLogin when any are)
	u.User = nil
	s.URL = &u

	gc, err := govmomi.NewClient(context.Background(), &login, true)
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("vcsim: log in to %s: %w", s.URL, err)
	}
	s.gc = gc
	s.Client = gc.Client
	return s, nil
}

// Dir is the lab directory (NFS exports and datastore mounts).
func (s *Sim) Dir() string { return s.dir }

// Service is the simulator's service, for fault injection (AddFaultRule).
func (s *Sim) Service() *simulator.Service { return s.model.Service }

// Map is the simulator's inventory registry, for tests that change the world out of band.
func (s *Sim) Map() *simulator.Registry { return s.model.Map() }

// Certificate is the server's leaf certificate.
func (s *Sim) Certificate() []byte { return s.server.Certificate().Raw }

// Requests returns the SOAP requests served since Start or the last ResetRequests.
func (s *Sim) Requests() RequestCounts { return s.counter.snapshot() }

// ResetRequests zeroes the request counters.
func (s *Sim) ResetRequests() { s.counter.reset() }

// Close stops the server and removes the model's files (and Dir when it was temporary).
// Quiesce returns once no SOAP call is being served and no simulator task is running: a
// client that died in the middle of a call (a test killing it) leaves the simulator finishing
// that call on its own, and a test must not build another simulator meanwhile (see the test
// package's simMu).
func (s *Sim) Quiesce() {
	s.soapMu.Lock()
	defer s.soapMu.Unlock()
	if s.ext != nil {
		s.ext.waitTasks()
	}
}

func (s *Sim) Close() {
	if s.gc != nil {
		_ = s.gc.Logout(context.Background())
	}
	if s.server != nil {
		s.server.Close()
	}
	s.model.Remove()
	if s.tempDir {
		_ = os.RemoveAll(s.dir)
	}
}

// RequestCounts are SOAP requests served: the total and per method name.
type RequestCounts struct {
	Total    int
	ByMethod map[string]int
}

// String lists the methods in order, for test failure messages.
func (r RequestCounts) String() string {
	names := make([]string, 0, len(r.ByMethod))
	for n := range r.ByMethod {
		names = append(names, n)
	}
	sort.Strings(names)
	out := fmt.Sprintf("%d requests:", r.Total)
	for _, n := range names {
		out += fmt.Sprintf(" %s=%d", n, r.ByMethod[n])
	}
	return out
}

type requestCounter struct {
	mu       sync.Mutex
	total    int
	byMethod map[string]int
}

func newRequestCounter() *requestCounter { return &requestCounter{byMethod: map[string]int{}} }

func (c *requestCounter) add(method string) {
	c.mu.Lock()
	c.total++
	c.byMethod[method]++
	c.mu.Unlock()
}

func (c *requestCounter) snapshot() RequestCounts {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := make(map[string]int, len(c.byMethod))
	for k, v := range c.byMethod {
		m[k] = v
	}
	return RequestCounts{Total: c.total, ByMethod: m}
}

func (c *requestCounter) reset() {
	c.mu.Lock()
	c.total = 0
	c.byMethod = map[string]int{}
	c.mu.Unlock()
}

// serializeSOAP makes the simulator answer one SOAP call at a time. govmomi's simulator is not
// safe for some concurrent calls a parallel apply makes: CreateContainerView walks folders
// without the locks that CreateFolder takes to add a child (a data race -race reports). A
// real vCenter has no such limit; the lab trades a little speed for correctness. The long
// poll of the property collector (WaitForUpdates, which task waits use) is left concurrent so
// one waiting client never holds up the rest. The simulator runs tasks in goroutines that race
// each other too (two CreateVM_Task resolving and updating one datastore), so a call that
// starts a task holds the line until its task is done; clients still watch it progress. The pattern "POST /sdk" is more specific than
// the simulator's own "/sdk", so it takes every SOAP call.
func serializeSOAP(svc *simulator.Service, ext *extensions, mu *sync.Mutex) *atomic.Int64 {
	calls := new(atomic.Int64)
	if svc.ServeMux == nil {
		svc.ServeMux = http.NewServeMux()
	}
	svc.ServeMux.HandleFunc("POST /sdk", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		calls.Add(1)
		if bytes.Contains(body, []byte("WaitForUpdates")) {
			svc.ServeSDK(w, r)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		svc.ServeSDK(w, r)
		ext.waitTasks()
	})
	return calls
}
