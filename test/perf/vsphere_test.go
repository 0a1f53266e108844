package perf

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"fmt"
	"github.com/enclave-dev/enclave/plans"
	"golang.org/x/crypto/ssh"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/vsphere"
)

// vmEnclave is a cluster, a host, an NFS datastore, a port group and n VMs.
func vmEnclave(n int) string {
	return fmt.Sprintf(`
enclave "perf" {}
variable "vsphere_url" { type = string }
variable "vsphere_user" { type = string }
variable "vsphere_password" {
  type      = string
  sensitive = true
}
variable "ca_file" { type = string }
provider "vsphere" {
  url      = var.vsphere_url
  username = var.vsphere_user
  password = var.vsphere_password
  ca_file  = var.ca_file
}
data "vsphere_datacenter" "dc" { name = "DC0" }
resource "vsphere_compute_cluster" "c" {
  name          = "c"
  datacenter_id = data.vsphere_datacenter.dc.id
}
resource "vsphere_host" "h" {
  hostname   = "esx1.perf"
  cluster_id = vsphere_compute_cluster.c.id
  username   = "root"
  password   = var.vsphere_password
}
resource "vsphere_nas_datastore" "ds" {
  name         = "ds"
  host_ids     = [vsphere_host.h.id]
  remote_hosts = ["filer.perf"]
  remote_path  = "/vols/ds"
}
resource "vsphere_distributed_switch" "dvs" {
  name          = "dvs"
  datacenter_id = data.vsphere_datacenter.dc.id
  host_ids      = [vsphere_host.h.id]
}
resource "vsphere_distributed_port_group" "pg" {
  name      = "pg"
  switch_id = vsphere_distributed_switch.dvs.id
  vlan_id   = 100
}
resource "vsphere_virtual_machine" "vm" {
  count            = %d
  name             = "vm${count.index}"
  resource_pool_id = vsphere_compute_cluster.c.resource_pool_id
  datastore_id     = vsphere_nas_datastore.ds.id
  num_cpus         = 1
  memory_mb        = 512
  guest_id         = "otherLinux64Guest"
  disk {
    label   = "disk0"
    size_gb = 1
  }
  network_interface { network_id = vsphere_distributed_port_group.pg.id }
}
`, n)
}

type bench struct {
	lab     *lab.Lab
	dir     string
	e       *engine.Engine
	backend *state.Local
	vars    engine.VarInputs
}

func newBench(tb testing.TB, hcl string) *bench {
	tb.Helper()
	l, err := lab.Start(lab.Options{Dir: filepath.Join(tb.TempDir(), "lab")})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(l.Close)
	dir := filepath.Join(tb.TempDir(), "enclave")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(hcl), 0o644); err != nil {
		tb.Fatal(err)
	}
	return &bench{
		lab: l, dir: dir,
		e:       &engine.Engine{Registry: providers.Registry{vsphere.Name: vsphere.New}},
		backend: state.NewLocal(filepath.Join(dir, ".enclave")),
		vars:    engine.VarInputs{Files: []string{filepath.Join(l.Dir, "lab.vars")}, Environ: []string{}},
	}
}

func (b *bench) plan(tb testing.TB, refresh bool) *engine.Run {
	run, err := b.e.Plan(context.Background(), b.backend, engine.PlanOptions{Dir: b.dir, Vars: b.vars, Refresh: refresh, Author: "perf"})
	if err != nil {
		tb.Fatal(err)
	}
	if run.Diags.HasErrors() {
		tb.Fatal(run.Diags.Error())
	}
	return run
}

// apply applies a plan with the engine directly (the gate is the CLI's and the plans
// package's business, measured elsewhere). The plan is signed as a real one is: the rules it
// installs in state are checked against its signatures by every later plan.
func (b *bench) apply(tb testing.TB, run *engine.Run, parallelism int) {
	tb.Helper()
	signPlan(tb, b.dir, run.Plan)
	a, diags, err := b.e.PrepareApply(context.Background(), b.backend, run.Plan, engine.ApplyOptions{Dir: b.dir, Vars: b.vars, Parallelism: parallelism})
	if err != nil || diags.HasErrors() {
		tb.Fatal(err, diags)
	}
	defer a.Close()
	if err := a.Connect(context.Background()); err != nil || len(a.Rederived) > 0 {
		tb.Fatal(err, a.Rederived)
	}
	res, err := a.Apply(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	if res.Failed > 0 || res.Skipped > 0 {
		tb.Fatalf("apply: %d failed, %d skipped: %+v", res.Failed, res.Skipped, res.Results[0])
	}
}

func (b *bench) requests() int { return b.lab.VSphere.Requests().Total }

// TestPlanRequestsIndependentOfVMCount: a plan with refresh costs the same number of SOAP
// requests at 10 VMs as at 200.
func TestPlanRequestsIndependentOfVMCount(t *testing.T) {
	counts := map[int]int{}
	for _, n := range []int{10, 200} {
		b := newBench(t, vmEnclave(n))
		b.apply(t, b.plan(t, true), 10)
		b.lab.VSphere.ResetRequests()
		run := b.plan(t, true)
		if run.Plan.HasChanges() {
			t.Fatalf("%d VMs: the re-plan has changes", n)
		}
		counts[n] = b.requests()
		t.Logf("plan with refresh of %d VMs: %d SOAP requests (%s)", n, counts[n], b.lab.VSphere.Requests())
	}
	if counts[10] != counts[200] {
		t.Fatalf("SOAP requests per plan depend on the VM count: %v", counts)
	}
}

// BenchmarkPlan200VMs is a plan with refresh of an enclave of 200 VMs (and its cluster,
// host, datastore, switch and port group), everything already applied.
func BenchmarkPlan200VMs(b *testing.B) { benchPlan(b, 200) }

// BenchmarkPlan1000VMs is the same at 1,000 VMs.
func BenchmarkPlan1000VMs(b *testing.B) { benchPlan(b, 1000) }

func benchPlan(b *testing.B, n int) {
	bb := newBench(b, vmEnclave(n))
	bb.apply(b, bb.plan(b, true), 10)
	bb.lab.VSphere.ResetRequests()
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if bb.plan(b, true).Plan.HasChanges() {
			b.Fatal("re-plan has changes")
		}
	}
	b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(bb.requests())/float64(b.N), "soap-requests/op")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-allocated/op")
	b.ReportMetric(float64(after.HeapSys)/(1<<20), "MB-heap-sys")
}

// BenchmarkCreate200VMs plans and applies 200 VMs (plus their infrastructure) from nothing,
// at the default parallelism of 10.
func BenchmarkCreate200VMs(b *testing.B) {
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		bb := newBench(b, vmEnclave(200))
		b.StartTimer()
		bb.apply(b, bb.plan(b, true), 10)
		b.StopTimer()
		b.ReportMetric(float64(bb.requests()), "soap-requests/op")
		bb.lab.Close()
		b.StartTimer()
	}
}

// BenchmarkValidate10000 validates (offline plan: parse, evaluate, check) an enclave of
// 10,000 resource blocks spread over 20 files.
func BenchmarkValidate10000(b *testing.B) {
	dir := b.TempDir()
	var head strings.Builder
	head.WriteString(`enclave "big" {}
provider "vsphere" {
  url      = "https://vcenter.invalid/sdk"
  username = "u"
  password = "p"
}
`)
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(head.String()), 0o644); err != nil {
		b.Fatal(err)
	}
	for f := 0; f < 20; f++ {
		var sb strings.Builder
		for i := 0; i < 500; i++ {
			n := f*500 + i
			fmt.Fprintf(&sb, `resource "vsphere_folder" "f%d" {
  path          = "enclave/f%d"
  type          = "vm"
  datacenter_id = "datacenter-2"
}
`, n, n)
		}
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("folders%02d.hcl", f)), []byte(sb.String()), 0o644); err != nil {
			b.Fatal(err)
		}
	}
	e := &engine.Engine{Registry: providers.Registry{vsphere.Name: vsphere.New}}
	backend := state.NewLocal(filepath.Join(dir, ".enclave"))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run, err := e.Plan(context.Background(), backend, engine.PlanOptions{Dir: dir, Offline: true, Vars: engine.VarInputs{Environ: []string{}}})
		if err != nil || run.Diags.HasErrors() {
			b.Fatal(err, run.Diags)
		}
		if len(run.Plan.Changes) != 10000 {
			b.Fatalf("%d changes", len(run.Plan.Changes))
		}
	}
}

// signPlan gives a plan its digest, an author signature (a key made here) and the approvals of
// every approver whose LAB ONLY private key sits in the enclave's approvers/ directory.
func signPlan(tb testing.TB, dir string, p *plans.Plan) {
	tb.Helper()
	if _, err := plans.Encode(p); err != nil {
		tb.Fatal(err)
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		tb.Fatal(err)
	}
	block, err := ssh.MarshalPrivateKey(priv, "perf author")
	if err != nil {
		tb.Fatal(err)
	}
	authorKey := filepath.Join(tb.TempDir(), "author")
	if err := os.WriteFile(authorKey, pem.EncodeToMemory(block), 0o600); err != nil {
		tb.Fatal(err)
	}
	sig, err := plans.SignWithKeyFile(p, authorKey, nil)
	if err != nil {
		tb.Fatal(err)
	}
	if err := plans.AttachAuthor(p, sig); err != nil {
		tb.Fatal(err)
	}
	if p.Rules == nil {
		return
	}
	for _, a := range p.Rules.Approvers {
		key := filepath.Join(dir, "approvers", a.Name)
		if _, err := os.Stat(key); err != nil {
			continue
		}
		sig, err := plans.SignWithKeyFile(p, key, nil)
		if err != nil {
			tb.Fatal(err)
		}
		if err := plans.Attach(p, a.Name, sig, "", time.Now()); err != nil {
			tb.Fatal(err)
		}
	}
}
