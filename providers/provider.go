package providers

import (
	"context"
	"fmt"
	"sort"
)

// Object is a resource's attributes in plain Go form, as the provider reads and writes them:
// string, int64, float64, bool, []any, map[string]any (a nested single block or a map
// attribute) and nil. A nested list block is []any of map[string]any. Every managed resource
// object carries its provider-assigned identity under the key "id".
type Object = map[string]any

// Action is what apply does to one resource.
type Action string

const (
	Create  Action = "create"
	Update  Action = "update"
	Replace Action = "replace"
	Delete  Action = "delete"
)

// Change is one resource change handed to Provider.Apply.
//
//	action   Prior                 Planned
//	create   nil                   desired attributes (no "id")
//	update   last read, with "id"  desired attributes, with the same "id"
//	replace  last read, with "id"  desired attributes (no "id")   (transactional providers only;
//	                                                               others get delete then create)
//	delete   last read, with "id"  nil
type Change struct {
	Addr    string // resource instance address, for messages: vsphere_virtual_machine.svc[0]
	Type    string
	Action  Action
	Prior   Object
	Planned Object
}

// ChangeResult reports one Change. New is the object as it now is on the device (nil after a
// delete). Err names what failed in the device's own words. Uncertain means the outcome is
// not known (a connection lost after a confirmed commit): the engine keeps the resource and
// the next refresh reads the truth.
type ChangeResult struct {
	Addr      string
	New       Object
	Err       error
	Uncertain bool
}

// RefreshRequest asks for the current state of one managed object known to state. With no
// ID, the provider finds the object by its identity (name, and where it lives) in Prior,
// which then holds planned values: an object an interrupted apply set out to create, or one
// a planned create would collide with. Found or not, it costs no round trip of its own: it
// is looked up in what the batched reads of its type bring anyway.
type RefreshRequest struct {
	Addr  string
	Type  string
	ID    string
	Prior Object // as last applied (sensitive attributes hashed; return them unchanged)
}

// LookupsOnly reports whether every request looks its object up by identity (no ID): such a
// refresh may search what the same run's previous refresh read instead of reading again.
func LookupsOnly(reqs []RefreshRequest) bool {
	for _, r := range reqs {
		if r.ID != "" {
			return false
		}
	}
	return len(reqs) > 0
}

// RefreshResult is the current state of one object; Current is nil when it no longer exists.
type RefreshResult struct {
	Addr    string
	Current Object
}

// DataRequest is one data source lookup, with its arguments.
type DataRequest struct {
	Addr string
	Type string
	Args Object
}

// DataResult answers a DataRequest. Err is set when the object is not found.
type DataResult struct {
	Addr   string
	Result Object
	Err    error
}

// Progress lets a provider report long work ("waiting for task PowerOnVM_Task 40%").
type Progress func(addr, message string)

// Provider is one configured connection to gear (one vCenter, one Junos device, one ONTAP
// cluster). The engine calls Configure once, then Refresh/ReadData, then Apply; all calls for
// one instance come from one goroutine at a time, except Apply for non-transactional
// providers, which may be called concurrently (up to --parallelism) for independent changes.
type Provider interface {
	Schema() *ProviderSchema
	// Configure validates the provider block and connects. Errors name the endpoint.
	Configure(ctx context.Context, config Object) error
	// Refresh reads every requested object in a fixed number of round trips per object type
	// (never one per resource). An error fails the whole refresh (connection, auth).
	Refresh(ctx context.Context, reqs []RefreshRequest) ([]RefreshResult, error)
	// ReadData answers data source lookups, batched the same way.
	ReadData(ctx context.Context, reqs []DataRequest) ([]DataResult, error)
	// Apply makes changes. Non-transactional providers get exactly one change per call;
	// transactional ones get all of the instance's changes in one call and apply them
	// atomically. One result per change, in order.
	Apply(ctx context.Context, changes []Change, progress Progress) []ChangeResult
	// Import reads an existing object by a type-specific ID (vSphere: inventory path).
	Import(ctx context.Context, typ, id string) (Object, error)
	// Close ends the session.
	Close() error
}

// Normalizer is optionally implemented by providers whose configured values have several
// spellings (sizes "500GiB" vs bytes): Normalize returns the canonical form the device
// reports, so plan compares like with like. Called on desired objects before diffing.
type Normalizer interface {
	Normalize(typ string, desired Object) (Object, error)
}

// ReplaceDecider is optionally implemented by providers for changes a schema cannot express
// as ForceNew (a disk may grow in place but not shrink): it returns the attribute paths that
// force a replacement when prior becomes planned, or nil. Called at plan on would-be updates.
type ReplaceDecider interface {
	RequiresReplace(typ string, prior, planned Object) []string
}

// Factory makes an unconfigured provider. Options carry run-wide settings.
type Factory func(opts Options) Provider

// Options are settings every provider gets from the run.
type Options struct {
	// Warnf reports a warning to the user (e.g. insecure = true).
	Warnf func(format string, args ...any)
	// BaseDir resolves relative paths in provider blocks (ca_file, known_hosts_file).
	BaseDir string
}

// Registry maps provider type names ("vsphere") to factories.
type Registry map[string]Factory

// Names returns the registered provider type names in order.
func (r Registry) Names() []string {
	out := make([]string, 0, len(r))
	for n := range r {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// ResourceSchema finds a resource type's schema and its provider type name.
func (r Registry) ResourceSchema(typ string) (*ResourceSchema, string, bool) {
	for _, n := range r.Names() {
		s := r[n](Options{}).Schema()
		if rs, ok := s.Resources[typ]; ok {
			return rs, n, true
		}
	}
	return nil, "", false
}

// Schemas builds every provider's schema once.
func (r Registry) Schemas() map[string]*ProviderSchema {
	out := map[string]*ProviderSchema{}
	for _, n := range r.Names() {
		out[n] = r[n](Options{}).Schema()
	}
	return out
}

// Error is a provider failure tied to a resource and the device call that failed.
type Error struct {
	Addr   string // resource address, if any
	Device string // "vcenter 127.0.0.1:8989", "srx-a", "ontap phx1"
	Call   string // the RPC, SOAP method or REST request: "ReconfigVM_Task", "POST /api/storage/volumes"
	Err    error
}

func (e *Error) Error() string {
	s := ""
	if e.Device != "" {
		s = e.Device + ": "
	}
	if e.Call != "" {
		s += e.Call + ": "
	}
	return s + e.Err.Error()
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error.
func Errorf(device, call, format string, args ...any) *Error {
	return &Error{Device: device, Call: call, Err: fmt.Errorf(format, args...)}
}
