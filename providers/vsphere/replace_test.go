package vsphere

import (
	"testing"

	"github.com/enclave-dev/enclave/providers"
	"github.com/stretchr/testify/assert"
)

func TestRequiresReplace(t *testing.T) {
	disk := func(size int64, thin bool) any { return map[string]any{"label": "d", "size_gb": size, "thin": thin} }
	vm := func(disks ...any) providers.Object { return providers.Object{"disk": disks} }
	p := &Provider{}
	cases := []struct {
		name           string
		prior, planned providers.Object
		want           []string
	}{
		{"grow in place", vm(disk(20, true)), vm(disk(40, true)), nil},
		{"shrink replaces", vm(disk(40, true)), vm(disk(20, true)), []string{"disk[0].size_gb"}},
		{"thin change replaces", vm(disk(20, true), disk(10, true)), vm(disk(20, true), disk(10, false)), []string{"disk[1].thin"}},
		{"added disk in place", vm(disk(20, true)), vm(disk(20, true), disk(5, true)), nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			assert.Equal(t, c.want, p.RequiresReplace("vsphere_virtual_machine", c.prior, c.planned))
		})
	}
	assert.Nil(t, p.RequiresReplace("vsphere_host", vm(disk(40, true)), vm(disk(20, true))))
}
