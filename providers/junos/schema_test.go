package junos

import (
	"testing"

	"github.com/zclconf/go-cty/cty"

	"github.com/enclave-dev/enclave/providers"
)

func TestSchema(t *testing.T) {
	s := New(providers.Options{}).Schema()
	if !s.Transactional {
		t.Error("not transactional: the engine would call Apply per change")
	}
	if err := s.Provider.Validate("provider junos"); err != nil {
		t.Error(err)
	}
	if got := s.Provider.SensitivePaths(); len(got) != 1 || got[0] != "password" {
		t.Errorf("sensitive provider attributes %v", got)
	}
	if len(s.Resources) != len(types) {
		t.Errorf("%d schemas for %d types", len(s.Resources), len(types))
	}
	for name, rs := range s.Resources {
		if err := rs.Validate(name); err != nil {
			t.Error(err)
		}
		if _, ok := types[name]; !ok {
			t.Errorf("%s has a schema but no renderer", name)
		}
		if id := rs.Attributes["id"]; id == nil || !id.Computed || id.Type != cty.String {
			t.Errorf("%s: no computed id", name)
		}
		if rs.ImportHelp == "" {
			t.Errorf("%s: no import help", name)
		}
	}
	if !s.Resources[TypeSecurityPolicies].Blocks["policy"].Ordered {
		t.Error("security policies are not ordered")
	}
	for _, typ := range []string{TypeInterface, TypeSecurityZone, TypeAddressBook, TypeApplication, TypeVLAN} {
		if !s.Resources[typ].Attributes["name"].ForceNew {
			t.Errorf("%s: name is not ForceNew", typ)
		}
	}
	if len(s.DataSources) != 0 {
		t.Error("data sources declared but ReadData answers none")
	}
}
