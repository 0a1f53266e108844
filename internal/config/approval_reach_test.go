package config

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A rule may name the zones whose newly opened traffic raises the quorum.
func TestApprovalRuleZones(t *testing.T) {
	l := NewLoader(SnapshotSource(map[string]string{"main.hcl": `enclave "t" {}
approval {
  required = 1
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
  rule "opens-into-hci" {
    opens_into = ["hci"]
    required   = 1
  }
  rule "core-to-hci" {
    opens_from     = ["core", "vpn"]
    opens_into     = ["hci"]
    resource_types = ["junos_security_policies"]
    required       = 1
  }
}
`}))
	cfg, diags := l.Load()
	require.False(t, diags.HasErrors(), "%s", diags.Error())
	rules := cfg.Approval.Rules
	require.Len(t, rules, 2)
	assert.Equal(t, []string{"hci"}, rules[0].OpensInto)
	assert.Nil(t, rules[0].OpensFrom)
	assert.Equal(t, []string{"core", "vpn"}, rules[1].OpensFrom)
	assert.Equal(t, []string{"hci"}, rules[1].OpensInto)
	assert.Equal(t, []string{"junos_security_policies"}, rules[1].ResourceTypes)
}
