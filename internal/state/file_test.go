package state

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

func sample() *State {
	s := New("phx1-hci")
	s.Set(&Resource{
		Addr: "vsphere_virtual_machine.mail[0]", Mode: ModeManaged, Type: "vsphere_virtual_machine", Provider: "vsphere",
		Attributes: map[string]any{
			"name": "mail-0", "num_cpus": int64(8), "memory_mb": int64(32768), "ratio": 0.5,
			"big":  int64(9007199254740993), // beyond float64's exact integers
			"disk": []any{map[string]any{"label": "disk0", "size_gb": int64(200), "thin": true}},
			"note": "<b>&</b>", "gone": nil,
		},
		Dependencies: []string{"vsphere_resource_pool.mail"},
		Tags:         map[string]string{"role": "mail"},
	})
	s.Set(&Resource{Addr: "data.ontap_svm.svm", Mode: ModeData, Type: "ontap_svm", Provider: "ontap", Attributes: map[string]any{"name": "svm1"}})
	s.Set(&Resource{Addr: `module.srx.junos_vlan.v["mail"]`, Mode: ModeManaged, Type: "junos_vlan", Provider: "junos.srx", Attributes: map[string]any{"vlan_id": int64(120)}, Status: StatusUncertain})
	s.Outputs = map[string]Output{"ids": {Value: []any{"vm-1", "vm-2"}}, "n": {Value: int64(2)}}
	s.Approval = json.RawMessage(`{"required": 2}`)
	return s
}

func TestEncodeDecodeRoundTrip(t *testing.T) {
	s := sample()
	s.Serial = 4
	data, err := Encode(s)
	require.NoError(t, err)
	got, err := Decode(data)
	require.NoError(t, err)
	assert.True(t, s.Equal(got), "content survives")
	assert.Equal(t, uint64(4), got.Serial)
	vm := got.Resource("vsphere_virtual_machine.mail[0]")
	require.NotNil(t, vm)
	assert.Equal(t, int64(9007199254740993), vm.Attributes["big"], "big integers keep every digit")
	assert.Equal(t, int64(8), vm.Attributes["num_cpus"], "integers come back as int64, as providers.FromCty makes them")
	assert.Equal(t, 0.5, vm.Attributes["ratio"])
	assert.Equal(t, int64(200), vm.Attributes["disk"].([]any)[0].(map[string]any)["size_gb"])
	assert.Equal(t, int64(2), got.Outputs["n"].Value)
	again, err := Encode(got)
	require.NoError(t, err)
	assert.Equal(t, string(data), string(again), "encoding is stable")
	assert.Contains(t, string(data), `"checksum": "sha256:`)
	assert.Contains(t, string(data), "<b>&</b>", "no HTML escaping in a file people read")
}

func TestDecodeRefuses(t *testing.T) {
	good, err := Encode(sample())
	require.NoError(t, err)
	tests := []struct {
		name    string
		data    []byte
		corrupt string // reason substring; "" when it is not damage
		version int    // for UnsupportedVersionError
	}{
		{name: "empty", data: nil, corrupt: "empty"},
		{name: "truncated", data: good[:len(good)/2], corrupt: "not valid JSON (truncated?)"},
		{name: "edited value", data: bytes.Replace(good, []byte(`"mail-0"`), []byte(`"mail-9"`), 1), corrupt: "checksum mismatch"},
		{name: "edited serial", data: bytes.Replace(good, []byte(`"serial": 0`), []byte(`"serial": 5`), 1), corrupt: "checksum mismatch"},
		{name: "no checksum", data: regexpReplace(good, `"checksum": "[^"]*"`, `"checksum": ""`), corrupt: "no checksum"},
		{name: "no version", data: []byte(`{"lineage": "x"}`), corrupt: "no format_version"},
		{name: "version zero", data: []byte(`{"format_version": 0}`), corrupt: "not a version"},
		{name: "trailing text", data: append(append([]byte{}, good...), []byte("{}")...), corrupt: "not valid JSON"},
		{name: "newer version", data: []byte(`{"format_version": 3, "lineage": "x", "whatever": true}`), version: 3},
		{name: "newer version, v1 spelling", data: []byte(`{"version": 7}`), version: 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.data)
			require.Error(t, err)
			if tt.version != 0 {
				var v *UnsupportedVersionError
				require.ErrorAs(t, err, &v)
				assert.Equal(t, tt.version, v.Version)
				assert.Contains(t, err.Error(), "newer than this enclave understands (2)")
				return
			}
			var c *errCorrupt
			require.ErrorAs(t, err, &c)
			assert.Contains(t, c.reason, tt.corrupt)
		})
	}
}

func regexpReplace(b []byte, re, with string) []byte {
	return mustRegexp(re).ReplaceAll(b, []byte(with))
}

// TestDecodeRejectsBadDocuments covers documents whose checksum is right (re-signed) but whose
// content no release writes.
func TestDecodeRejectsBadDocuments(t *testing.T) {
	tests := []struct {
		name   string
		edit   func(f *stateFile)
		reason string
	}{
		{"duplicate address", func(f *stateFile) { f.Resources = append(f.Resources, f.Resources[0]) }, "appears twice"},
		{"bad mode", func(f *stateFile) { f.Resources[0].Mode = "weird" }, "neither managed nor data"},
		{"bad status", func(f *stateFile) { f.Resources[0].Status = "tainted" }, "unknown status"},
		{"bad address", func(f *stateFile) { f.Resources[0].Addr = "nope" }, "invalid resource address"},
		{"no lineage", func(f *stateFile) { f.Lineage = "" }, "no lineage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := fileFrom(sample(), "")
			tt.edit(f)
			sum, err := checksumOf(f)
			require.NoError(t, err)
			f.Checksum = sum
			data, err := json.Marshal(f)
			require.NoError(t, err)
			_, err = Decode(data)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.reason)
		})
	}
}

// TestUpgradeGolden reads every testdata/upgrade/*.in.json (an older format version), upgrades
// it and compares the current encoding with *.out.json. Run with -update to rewrite.
func TestUpgradeGolden(t *testing.T) {
	ins, err := filepath.Glob("testdata/upgrade/*.in.json")
	require.NoError(t, err)
	require.NotEmpty(t, ins)
	for _, in := range ins {
		t.Run(filepath.Base(in), func(t *testing.T) {
			data, err := os.ReadFile(in)
			require.NoError(t, err)
			st, err := Decode(data)
			require.NoError(t, err)
			got, err := Encode(st)
			require.NoError(t, err)
			out := strings.TrimSuffix(in, ".in.json") + ".out.json"
			if *update {
				require.NoError(t, os.WriteFile(out, got, 0o644))
			}
			want, err := os.ReadFile(out)
			require.NoError(t, err, "run go test -update to create %s", out)
			assert.Equal(t, string(want), string(got))
			// The upgraded file is a valid current file with the same content.
			back, err := Decode(want)
			require.NoError(t, err)
			assert.True(t, st.Equal(back))
			assert.Equal(t, st.Serial, back.Serial, "an upgrade keeps the serial")
		})
	}
}

func TestUpgradeV1Fields(t *testing.T) {
	data, err := os.ReadFile("testdata/upgrade/basic.in.json")
	require.NoError(t, err)
	st, err := Decode(data)
	require.NoError(t, err)
	assert.Equal(t, []string{
		"data.vsphere_datacenter.phx1",
		"module.srx.junos_security_policies.trust_untrust",
		"ontap_volume.mail",
		"vsphere_host.esx[2]",
		"vsphere_host.esx[10]",
	}, addrs(st), "the map becomes a sorted list")
	assert.Equal(t, ModeData, st.Resource("data.vsphere_datacenter.phx1").Mode, "mode inferred from the address")
	assert.Equal(t, ModeManaged, st.Resource("vsphere_host.esx[2]").Mode)
	pol := st.Resource("module.srx.junos_security_policies.trust_untrust")
	assert.Equal(t, "junos.srx", pol.Provider, "provider. prefix dropped")
	assert.Equal(t, StatusUncertain, pol.Status, "uncertain flag becomes status")
	assert.Equal(t, []string{"vsphere_compute_cluster.hci"}, st.Resource("vsphere_host.esx[2]").Dependencies)
	assert.Equal(t, int64(9007199254740993), st.Resource("ontap_volume.mail").Attributes["size"])
	assert.Equal(t, uint64(12), st.Serial)
	assert.JSONEq(t, `{"required": 2, "approvers": [{"name": "alice"}]}`, string(st.Approval))
}

// TestEncodeRefusesUnreadableContent: Encode never produces a file Decode would refuse.
func TestEncodeRefusesUnreadableContent(t *testing.T) {
	tests := []struct {
		name string
		edit func(s *State)
		want string
	}{
		{"same address twice", func(s *State) { s.Resources = append(s.Resources, s.Resources[0].DeepCopy()) }, "appears twice"},
		{"bad mode", func(s *State) { s.Resources[0].Mode = "" }, "neither managed nor data"},
		{"bad status", func(s *State) { s.Resources[0].Status = "tainted" }, "unknown status"},
		{"bad address", func(s *State) { s.Resources[0].Addr = "vsphere_host" }, "invalid resource address"},
		{"no lineage", func(s *State) { s.Lineage = "" }, "no lineage"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := sample()
			tt.edit(s)
			_, err := Encode(s)
			assert.ErrorContains(t, err, tt.want)
		})
	}
}

// TestEncodeSortsResources: a caller that appended instead of calling Set still gets the
// canonical file and the same digest.
func TestEncodeSortsResources(t *testing.T) {
	s := sample()
	shuffled := s.DeepCopy()
	slices.Reverse(shuffled.Resources)
	assert.True(t, s.Equal(shuffled))
	a, err := Encode(s)
	require.NoError(t, err)
	b, err := Encode(shuffled)
	require.NoError(t, err)
	assert.Equal(t, string(a), string(b))
}
