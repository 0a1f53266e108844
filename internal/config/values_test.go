package config

import (
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

func loadVars(t *testing.T) (*Loader, *Config) {
	l := NewLoader(SnapshotSource(map[string]string{"main.hcl": `enclave "x" {}
variable "name" { type = string }
variable "free" {}
variable "hosts" { type = list(string) }
variable "site" {
  type = object({ name = string, vlan = optional(number, 100) })
}
variable "mtu" {
  type = number
  validation {
    condition     = var.mtu >= 1280
    error_message = "mtu ${var.mtu} is below the IPv6 minimum of 1280."
  }
  validation {
    condition     = var.mtu <= 9216
    error_message = "jumbo frames stop at 9216."
  }
}
`}))
	return l, loadOK(t, l)
}

func TestVariableParseValue(t *testing.T) {
	_, cfg := loadVars(t)
	for _, tc := range []struct {
		name, raw string
		want      cty.Value
		err       string
	}{
		{name: "name", raw: `["not", "parsed"]`, want: cty.StringVal(`["not", "parsed"]`)},
		{name: "free", raw: `hello`, want: cty.StringVal("hello")},
		{name: "hosts", raw: `["esx1", "esx2"]`, want: cty.ListVal([]cty.Value{cty.StringVal("esx1"), cty.StringVal("esx2")})},
		{name: "mtu", raw: `9000`, want: cty.NumberIntVal(9000)},
		{name: "site", raw: `{ name = "phx1" }`, want: cty.ObjectVal(map[string]cty.Value{"name": cty.StringVal("phx1"), "vlan": cty.NumberIntVal(100)})},
		{name: "mtu", raw: `"jumbo"`, err: `The value given for variable "mtu" (declared at main.hcl:8:1) is not a valid number`},
		{name: "hosts", raw: `["a",`, err: "--var hosts:1"},
		{name: "hosts", raw: `var.other`, err: "Variables not allowed"},
	} {
		t.Run(tc.name+"="+tc.raw, func(t *testing.T) {
			got, diags := cfg.Variables[tc.name].ParseValue(tc.raw)
			if tc.err != "" {
				require.True(t, diags.HasErrors())
				assert.Contains(t, diags.Error(), tc.err)
				return
			}
			require.Empty(t, diags)
			assert.True(t, tc.want.RawEquals(got), "got %#v", got)
		})
	}
}

func TestVariableCheckValue(t *testing.T) {
	l, cfg := loadVars(t)
	mtu := cfg.Variables["mtu"]
	funcs := l.Functions(".")
	assert.Empty(t, mtu.CheckValue(cty.NumberIntVal(1500), funcs))
	assert.Empty(t, mtu.CheckValue(cty.UnknownVal(cty.Number), funcs))

	diags := mtu.CheckValue(cty.NumberIntVal(576), funcs)
	require.Len(t, diags, 1)
	assert.Equal(t, `Invalid value for variable "mtu"`, diags[0].Summary)
	assert.Equal(t, "mtu 576 is below the IPv6 minimum of 1280.", diags[0].Detail)
	assert.Equal(t, hcl.Pos{Line: 11, Column: 21, Byte: diags[0].Subject.Start.Byte}, diags[0].Subject.Start)

	diags = mtu.CheckValue(cty.NumberIntVal(10000), funcs)
	require.Len(t, diags, 1)
	assert.Equal(t, "jumbo frames stop at 9216.", diags[0].Detail)

	// a message that quotes a sensitive value is not shown
	diags = mtu.CheckValue(cty.NumberIntVal(100).Mark("sensitive"), funcs)
	require.Len(t, diags, 1)
	assert.NotContains(t, diags[0].Detail, "100")
	assert.Contains(t, diags[0].Detail, "refers to a sensitive value")
}

func TestParseVarFile(t *testing.T) {
	l, cfg := loadVars(t)
	attrs, vals, diags := l.ParseVarFile("prod.vars.hcl", []byte("hosts = [\"esx1\"]\nmtu = \"jumbo\"\n"))
	require.Empty(t, diags)
	assert.Len(t, vals, 2)
	_, diags = cfg.Variables["mtu"].ConvertValue(vals["mtu"], attrs["mtu"].Expr.Range())
	require.Len(t, diags, 1)
	assert.Equal(t, "prod.vars.hcl", diags[0].Subject.Filename)
	assert.Equal(t, 2, diags[0].Subject.Start.Line)
	assert.Contains(t, l.Parser.Files(), "prod.vars.hcl")

	_, _, diags = l.ParseVarFile("bad.hcl", []byte("hosts = var.x\n"))
	assert.Contains(t, diags.Error(), "Variables not allowed")
	_, _, diags = l.ParseVarFile("bad2.hcl", []byte("hosts = [\n"))
	assert.True(t, diags.HasErrors())
}
