package state

import (
	"encoding/json"
	"regexp"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func res(addr string, attrs map[string]any, deps ...string) *Resource {
	a, err := ParseAddr(addr)
	if err != nil {
		panic(err)
	}
	return &Resource{Addr: addr, Mode: a.Mode, Type: a.Type, Provider: "vsphere", Attributes: attrs, Dependencies: deps}
}

func addrs(s *State) []string {
	var out []string
	for _, r := range s.Resources {
		out = append(out, r.Addr)
	}
	return out
}

func TestNew(t *testing.T) {
	a, b := New("phx1-hci"), New("phx1-hci")
	assert.Equal(t, FormatVersion, a.FormatVersion)
	assert.Equal(t, "phx1-hci", a.Enclave)
	assert.Zero(t, a.Serial)
	assert.Len(t, a.Lineage, 36)
	assert.NotEqual(t, a.Lineage, b.Lineage, "every new state gets its own lineage")
}

func TestSetKeepsOrder(t *testing.T) {
	tests := []struct {
		name   string
		insert []string
		want   []string
	}{
		{"numeric keys compare as numbers", []string{"vsphere_host.h[10]", "vsphere_host.h[2]", "vsphere_host.h[1]"},
			[]string{"vsphere_host.h[1]", "vsphere_host.h[2]", "vsphere_host.h[10]"}},
		{"modules and data sources", []string{"module.esx.vsphere_host.h[0]", "data.vsphere_datacenter.dc", "vsphere_folder.f"},
			[]string{"data.vsphere_datacenter.dc", "module.esx.vsphere_host.h[0]", "vsphere_folder.f"}},
		{"replace keeps one", []string{"junos_vlan.a", "junos_vlan.b", "junos_vlan.a"},
			[]string{"junos_vlan.a", "junos_vlan.b"}},
		{"string keys", []string{`junos_interface.i["ge-0/0/10"]`, `junos_interface.i["ge-0/0/2"]`},
			[]string{`junos_interface.i["ge-0/0/2"]`, `junos_interface.i["ge-0/0/10"]`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New("e")
			for i, a := range tt.insert {
				s.Set(res(a, map[string]any{"n": i}))
			}
			assert.Equal(t, tt.want, addrs(s))
			for _, a := range tt.want {
				require.NotNil(t, s.Resource(a), a)
				assert.Equal(t, a, s.Resource(a).Addr)
			}
			assert.Nil(t, s.Resource("junos_vlan.nope"))
		})
	}
	s := New("e")
	s.Set(res("junos_vlan.a", map[string]any{"n": 1}))
	s.Set(res("junos_vlan.a", map[string]any{"n": 2}))
	assert.Equal(t, 2, s.Resource("junos_vlan.a").Attributes["n"], "Set replaces")
}

func TestRemove(t *testing.T) {
	s := New("e")
	s.Set(res("junos_vlan.a", nil))
	s.Set(res("junos_vlan.b", nil))
	assert.True(t, s.Remove("junos_vlan.a"))
	assert.False(t, s.Remove("junos_vlan.a"))
	assert.Equal(t, []string{"junos_vlan.b"}, addrs(s))
}

func TestMove(t *testing.T) {
	base := func() *State {
		s := New("e")
		s.Set(res("vsphere_host.h[0]", nil))
		s.Set(res("vsphere_host.h[1]", nil))
		s.Set(res("vsphere_folder.f", nil))
		s.Set(res("vsphere_folder.g", nil))
		s.Set(res("vsphere_virtual_machine.vm", nil, "vsphere_folder.f", "vsphere_host.h[1]", "vsphere_host.h"))
		return s
	}
	tests := []struct {
		name, from, to string
		want           []string
		wantDeps       []string // of vsphere_virtual_machine.vm (or its new address)
		err            string
	}{
		{name: "exact instance", from: "vsphere_folder.f", to: "module.m.vsphere_folder.f",
			want:     []string{"module.m.vsphere_folder.f", "vsphere_folder.g", "vsphere_host.h[0]", "vsphere_host.h[1]", "vsphere_virtual_machine.vm"},
			wantDeps: []string{"module.m.vsphere_folder.f", "vsphere_host.h[1]", "vsphere_host.h"}},
		{name: "every instance of a resource", from: "vsphere_host.h", to: "module.esx.vsphere_host.host",
			want:     []string{"module.esx.vsphere_host.host[0]", "module.esx.vsphere_host.host[1]", "vsphere_folder.f", "vsphere_folder.g", "vsphere_virtual_machine.vm"},
			wantDeps: []string{"vsphere_folder.f", "module.esx.vsphere_host.host[1]", "module.esx.vsphere_host.host"}},
		{name: "one instance to a plain address", from: "vsphere_host.h[1]", to: "vsphere_host.h1",
			want:     []string{"vsphere_folder.f", "vsphere_folder.g", "vsphere_host.h1", "vsphere_host.h[0]", "vsphere_virtual_machine.vm"},
			wantDeps: []string{"vsphere_folder.f", "vsphere_host.h1", "vsphere_host.h"}},
		{name: "target taken", from: "vsphere_folder.f", to: "vsphere_folder.g", err: "vsphere_folder.g is already in state"},
		{name: "type change", from: "vsphere_folder.f", to: "junos_vlan.f", err: "keeps its mode and type"},
		{name: "missing", from: "vsphere_folder.nope", to: "vsphere_folder.x", err: "no resource instance vsphere_folder.nope"},
		{name: "all instances into one", from: "vsphere_host.h", to: "vsphere_host.x[0]", err: "single instance"},
		{name: "bad address", from: "vsphere_host", to: "vsphere_host.x", err: "invalid resource address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := base()
			before := s.DeepCopy()
			err := s.Move(tt.from, tt.to)
			if tt.err != "" {
				require.ErrorContains(t, err, tt.err)
				assert.True(t, s.Equal(before), "nothing moves on error")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, addrs(s))
			assert.Equal(t, tt.wantDeps, s.Resource("vsphere_virtual_machine.vm").Dependencies)
		})
	}
}

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in   string
		want Addr
		err  bool
	}{
		{in: "vsphere_host.h", want: Addr{Mode: ModeManaged, Type: "vsphere_host", Name: "h"}},
		{in: "vsphere_host.h[3]", want: Addr{Mode: ModeManaged, Type: "vsphere_host", Name: "h", Key: "[3]"}},
		{in: `module.a.module.b["x"].junos_vlan.v["a.b]"]`, want: Addr{Module: `module.a.module.b["x"]`, Mode: ModeManaged, Type: "junos_vlan", Name: "v", Key: `["a.b]"]`}},
		{in: "data.ontap_svm.svm", want: Addr{Mode: ModeData, Type: "ontap_svm", Name: "svm"}},
		{in: "vsphere_host", err: true},
		{in: "vsphere_host.h[0", err: true},
		{in: "module.x", err: true},
		{in: "a.b.c", err: true},
		{in: "a.b[0]x", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseAddr(tt.in)
			if tt.err {
				assert.Error(t, err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.in, got.String())
		})
	}
}

func TestCompareAddr(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"x.y[2]", "x.y[10]", -1},
		{"x.y[10]", "x.y[2]", 1},
		{"x.y[02]", "x.y[2]", -1}, // same number: byte order keeps it total
		{"x.y", "x.y[0]", -1},
		{"x.a", "x.b", -1},
		{"x.a", "x.a", 0},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CompareAddr(tt.a, tt.b), "%s vs %s", tt.a, tt.b)
		assert.Equal(t, -tt.want, CompareAddr(tt.b, tt.a), "%s vs %s", tt.b, tt.a)
	}
}

func TestDeepCopySharesNothing(t *testing.T) {
	s := New("e")
	r := res("vsphere_virtual_machine.vm", map[string]any{"disk": []any{map[string]any{"size_gb": int64(10)}}}, "vsphere_folder.f")
	r.Tags = map[string]string{"role": "mail"}
	s.Set(r)
	s.Outputs = map[string]Output{"ids": {Value: []any{"a"}}}
	s.Approval = json.RawMessage(`{"required":2}`)
	c := s.DeepCopy()
	require.True(t, c.Equal(s))

	c.Resources[0].Attributes["disk"].([]any)[0].(map[string]any)["size_gb"] = int64(20)
	c.Resources[0].Dependencies[0] = "x.y"
	c.Resources[0].Tags["role"] = "ldap"
	c.Outputs["ids"].Value.([]any)[0] = "b"
	c.Approval[1] = ' '
	c.Set(res("vsphere_folder.f", nil))

	assert.Equal(t, int64(10), s.Resources[0].Attributes["disk"].([]any)[0].(map[string]any)["size_gb"])
	assert.Equal(t, "vsphere_folder.f", s.Resources[0].Dependencies[0])
	assert.Equal(t, "mail", s.Resources[0].Tags["role"])
	assert.Equal(t, "a", s.Outputs["ids"].Value.([]any)[0])
	assert.JSONEq(t, `{"required":2}`, string(s.Approval))
	assert.Len(t, s.Resources, 1)
}

func TestEqualAndDigest(t *testing.T) {
	base := func() *State {
		s := New("e")
		s.Lineage = "11111111-1111-1111-1111-111111111111"
		s.Set(res("vsphere_folder.f", map[string]any{"path": "hci", "n": int64(3)}, "b.b", "a.a"))
		return s
	}
	tests := []struct {
		name  string
		edit  func(s *State)
		equal bool
	}{
		{"serial is not content", func(s *State) { s.Serial = 7 }, true},
		{"dependency order is not content", func(s *State) { s.Resources[0].Dependencies = []string{"a.a", "b.b", "a.a"} }, true},
		{"int and float of the same number", func(s *State) { s.Resources[0].Attributes["n"] = 3.0 }, true},
		{"empty and nil outputs", func(s *State) { s.Outputs = map[string]Output{} }, true},
		{"null approval is none", func(s *State) { s.Approval = json.RawMessage("null") }, true},
		{"attribute", func(s *State) { s.Resources[0].Attributes["path"] = "hci2" }, false},
		{"lineage", func(s *State) { s.Lineage = "22222222-1111-1111-1111-111111111111" }, false},
		{"status", func(s *State) { s.Resources[0].Status = StatusUncertain }, false},
		{"tags", func(s *State) { s.Resources[0].Tags = map[string]string{"a": "b"} }, false},
		{"output", func(s *State) { s.Outputs = map[string]Output{"x": {Value: 1}} }, false},
		{"approval rules", func(s *State) { s.Approval = json.RawMessage(`{"required":2}`) }, false},
		{"removed resource", func(s *State) { s.Remove("vsphere_folder.f") }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := base(), base()
			tt.edit(b)
			assert.Equal(t, tt.equal, a.Equal(b))
			assert.Equal(t, tt.equal, a.Digest() == b.Digest())
			assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, a.Digest())
		})
	}
	assert.True(t, slices.Equal([]string{"b.b", "a.a"}, base().Resources[0].Dependencies), "the digest does not reorder the caller's slice")
}

func mustRegexp(re string) *regexp.Regexp { return regexp.MustCompile(re) }
