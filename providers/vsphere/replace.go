package vsphere

import (
	"fmt"

	"github.com/enclave-dev/enclave/providers"
)

var _ providers.ReplaceDecider = (*Provider)(nil)

// RequiresReplace says which VM disk changes vSphere cannot make in place, so that plan shows
// a (destructive) replacement instead of apply refusing: a disk that shrinks, or whose thin
// provisioning changes. Disks are matched in unit order, as apply does.
func (p *Provider) RequiresReplace(typ string, prior, planned providers.Object) []string {
	if typ != "vsphere_virtual_machine" {
		return nil
	}
	have := providers.Blocks(prior, "disk")
	var out []string
	for i, d := range providers.Blocks(planned, "disk") {
		if i >= len(have) {
			break
		}
		if providers.Int(d, "size_gb") < providers.Int(have[i], "size_gb") {
			out = append(out, fmt.Sprintf("disk[%d].size_gb", i))
		}
		if providers.Has(d, "thin") && providers.Has(have[i], "thin") && providers.Bool(d, "thin") != providers.Bool(have[i], "thin") {
			out = append(out, fmt.Sprintf("disk[%d].thin", i))
		}
	}
	return out
}
