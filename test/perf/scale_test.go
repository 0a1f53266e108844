package perf

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/enclave-dev/enclave/internal/engine"
	"github.com/enclave-dev/enclave/internal/lab"
	"github.com/enclave-dev/enclave/internal/state"
	"github.com/enclave-dev/enclave/providers"
	"github.com/enclave-dev/enclave/providers/junos"
	"github.com/enclave-dev/enclave/providers/ontap"
	"github.com/enclave-dev/enclave/providers/vsphere"
)

func allProviders() providers.Registry {
	return providers.Registry{vsphere.Name: vsphere.New, junos.Name: junos.New, ontap.Name: ontap.New}
}

// referenceLab is the lab of the reference enclaves.
func referenceLab(tb testing.TB) *lab.Lab {
	l, err := lab.Start(lab.Options{
		Dir:   filepath.Join(tb.TempDir(), "lab"),
		Junos: []lab.Device{{Name: "srx-phx1", Personality: "srx"}, {Name: "ex-phx1", Personality: "ex"}},
		Ontap: []string{"phx1", "scl3"},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(l.Close)
	return l
}

// copyDir copies the repository's enclaves/ and modules/ so runs never write into it.
func copyDir(tb testing.TB, src, dst string) {
	err := filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		if d.IsDir() {
			if d.Name() == ".enclave" {
				return filepath.SkipDir
			}
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), b, 0o644)
	})
	if err != nil {
		tb.Fatal(err)
	}
}

func repoRoot(tb testing.TB) string {
	wd, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	return filepath.Dir(filepath.Dir(wd)) // test/perf → repository root
}

// BenchmarkPlanReference plans phx1-hci in the lab, with refresh, after it was applied.
func BenchmarkPlanReference(b *testing.B) {
	l := referenceLab(b)
	work := b.TempDir()
	root := repoRoot(b)
	copyDir(b, filepath.Join(root, "enclaves", "phx1-hci"), filepath.Join(work, "enclaves", "phx1-hci"))
	copyDir(b, filepath.Join(root, "modules"), filepath.Join(work, "modules"))
	bb := &bench{lab: l, dir: filepath.Join(work, "enclaves", "phx1-hci"), e: &engine.Engine{Registry: allProviders()},
		vars: engine.VarInputs{Files: []string{filepath.Join(l.Dir, "lab.vars")}, Environ: []string{}}}
	bb.backend = state.NewLocal(filepath.Join(bb.dir, ".enclave"))
	bb.apply(b, bb.plan(b, true), 10)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if bb.plan(b, true).Plan.HasChanges() {
			b.Fatal("re-plan has changes")
		}
	}
}

// scaleEnclave is the synthetic scale enclave: 1,000 VMs, 2,000 firewall policies (20 zone
// pairs of 100) and 500 volumes across two SVMs.
func scaleEnclave() string {
	var sb strings.Builder
	sb.WriteString(strings.Replace(vmEnclave(1000), `enclave "perf" {}`, `enclave "scale" {}`, 1))
	sb.WriteString(`
variable "junos_user" { type = string }
variable "junos_private_key_file" { type = string }
variable "junos_known_hosts_file" { type = string }
variable "junos_srx_phx1_host" { type = string }
variable "junos_srx_phx1_port" { type = number }
variable "ontap_phx1_url" { type = string }
variable "ontap_phx1_user" { type = string }
variable "ontap_phx1_password" {
  type      = string
  sensitive = true
}
provider "junos" {
  host             = var.junos_srx_phx1_host
  port             = var.junos_srx_phx1_port
  username         = var.junos_user
  private_key_file = var.junos_private_key_file
  known_hosts_file = var.junos_known_hosts_file
}
provider "ontap" {
  url      = var.ontap_phx1_url
  username = var.ontap_phx1_user
  password = var.ontap_phx1_password
  ca_file  = var.ca_file
}
locals {
  zones = [for i in range(21) : "z${i}"]
}
resource "junos_security_zone" "z" {
  for_each = toset(local.zones)
  name     = each.key
}
resource "junos_security_policies" "p" {
  count     = 20
  from_zone = junos_security_zone.z["z0"].name
  to_zone   = junos_security_zone.z["z${count.index + 1}"].name
  dynamic "policy" {
    for_each = range(100)
    content {
      name                = "p${policy.value}"
      source_address      = ["any"]
      destination_address = ["any"]
      application         = ["any"]
      action              = policy.value == 99 ? "deny" : "permit"
    }
  }
}
resource "ontap_svm" "s" {
  count      = 2
  name       = "svm${count.index}"
  aggregates = ["aggr1", "aggr2"]
  protocols  = ["nfs"]
}
resource "ontap_volume" "v" {
  count     = 500
  name      = "vol${count.index}"
  svm       = ontap_svm.s[count.index % 2].name
  aggregate = count.index % 2 == 0 ? "aggr1" : "aggr2"
  size      = "1GiB"
}
`)
	return sb.String()
}

// BenchmarkPlanScale plans the synthetic scale enclave with refresh, after applying it.
func BenchmarkPlanScale(b *testing.B) {
	l := referenceLab(b)
	dir := filepath.Join(b.TempDir(), "scale")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		b.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(scaleEnclave()), 0o644); err != nil {
		b.Fatal(err)
	}
	bb := &bench{lab: l, dir: dir, e: &engine.Engine{Registry: allProviders()}, backend: state.NewLocal(filepath.Join(dir, ".enclave")),
		vars: engine.VarInputs{Files: []string{filepath.Join(l.Dir, "lab.vars")}, Environ: []string{}}}
	bb.apply(b, bb.plan(b, true), 10)
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	getConfigs := l.Junos["srx-phx1"].RPCCount("get-configuration")
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		run := bb.plan(b, true)
		if run.Plan.HasChanges() {
			b.Fatal("re-plan has changes")
		}
		if n := len(run.Plan.Changes); n < 1000+20+500 {
			b.Fatalf("only %d instances", n)
		}
	}
	b.StopTimer()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N)/(1<<20), "MB-allocated/op")
	b.ReportMetric(float64(after.HeapSys)/(1<<20), "MB-heap-sys")
	b.ReportMetric(float64(l.Junos["srx-phx1"].RPCCount("get-configuration")-getConfigs)/float64(b.N), "junos-get-config/op")
}

// TestScaleEnclaveValidates keeps the generated enclave honest without building it.
func TestScaleEnclaveValidates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "scale")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "main.hcl"), []byte(scaleEnclave()), 0o644); err != nil {
		t.Fatal(err)
	}
	vars := filepath.Join(t.TempDir(), "lab.vars")
	if err := os.WriteFile(vars, []byte(`vsphere_url = "https://vc.invalid/sdk"
vsphere_user = "u"
vsphere_password = "p"
ca_file = "ca.pem"
junos_user = "u"
junos_private_key_file = "k"
junos_known_hosts_file = "kh"
junos_srx_phx1_host = "h"
junos_srx_phx1_port = 830
ontap_phx1_url = "https://o.invalid"
ontap_phx1_user = "u"
ontap_phx1_password = "p"
`), 0o644); err != nil {
		t.Fatal(err)
	}
	e := &engine.Engine{Registry: allProviders()}
	run, err := e.Plan(context.Background(), state.NewLocal(filepath.Join(dir, ".enclave")), engine.PlanOptions{Dir: dir, Offline: true, Vars: engine.VarInputs{Files: []string{vars}, Environ: []string{}}})
	if err != nil {
		t.Fatal(err)
	}
	if run.Diags.HasErrors() {
		t.Fatal(run.Diags.Error())
	}
	if n := len(run.Plan.Changes); n != 1000+21+20+2+500+5+1 { // + the datacenter lookup
		t.Fatalf("%d instances", n)
	}
}
