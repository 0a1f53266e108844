package config

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeLargeEnclave writes an enclave of n resources over files of 100 each, referring to one
// another, with a module call, into dir.
func writeLargeEnclave(tb testing.TB, dir string, n int) {
	tb.Helper()
	write := func(name, content string) {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			tb.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			tb.Fatal(err)
		}
	}
	write("main.hcl", `enclave "big" {}
variable "mtu" {
  type    = number
  default = 9000
}
locals { site = "phx1" }
provider "junos" {
  alias = "srx"
  host  = "srx-a"
}
module "esx" {
  source = "./modules/esx"
  hosts  = ["esx1", "esx2"]
}
`)
	write("modules/esx/main.hcl", `variable "hosts" { type = list(string) }
resource "vsphere_host" "h" {
  count    = length(var.hosts)
  hostname = var.hosts[count.index]
}
`)
	const perFile = 100
	for f := 0; f*perFile < n; f++ {
		var b strings.Builder
		for i := f * perFile; i < (f+1)*perFile && i < n; i++ {
			fmt.Fprintf(&b, `resource "junos_interface" "if%d" {
  provider    = junos.srx
  name        = "ge-0/0/%d"
  description = "${local.site} port %d"
  mtu         = var.mtu
  tags        = { role = "access", index = %d }
  depends_on  = [module.esx]
  unit {
    id      = 0
    vlan_id = %d
  }
  lifecycle { ignore_changes = [description] }
}

`, i, i, i, i, i%4000+1)
		}
		write(fmt.Sprintf("interfaces%03d.hcl", f), b.String())
	}
}

func BenchmarkLoad10000(b *testing.B) {
	dir := b.TempDir()
	writeLargeEnclave(b, dir, 10000)
	b.ResetTimer()
	cpu0 := cpuTime()
	for i := 0; i < b.N; i++ {
		cfg, diags := NewLoader(DirSource(dir)).Load()
		if diags.HasErrors() {
			b.Fatal(diags.Error())
		}
		if len(cfg.Resources) != 10000 {
			b.Fatalf("%d resources", len(cfg.Resources))
		}
	}
	// CPU time, unlike wall time, does not grow when other work shares the machine.
	b.ReportMetric(float64((cpuTime()-cpu0).Milliseconds())/float64(b.N), "cpu-ms/op")
}

func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
