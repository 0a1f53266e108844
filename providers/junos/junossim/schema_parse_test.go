package junossim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseSchema(t *testing.T) {
	root, err := parseSchema("configuration c\n  vlans c\n    vlan l\n      vlan-id v\n")
	require.NoError(t, err)
	require.Len(t, root.children, 1)
	assert.Equal(t, []string{"name"}, root.children[0].children[0].keys)

	cases := map[string]string{
		"":                             "empty",
		"configuration":                "schema line 0",
		"configuration x":              `kind "x"`,
		"configuration c bogus=1":      `option "bogus=1"`,
		"configuration c\nsecond c\n":  `second root "second"`,
		"configuration c\n  vlans q\n": `kind "q"`,
	}
	for text, want := range cases {
		_, err := parseSchema(text)
		require.Error(t, err, text)
		assert.Contains(t, err.Error(), want, text)
	}
	assert.NotNil(t, schemaRoot, "the built-in table parses")
}
