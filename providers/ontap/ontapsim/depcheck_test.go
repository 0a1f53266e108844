package ontapsim

import (
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestDepcheck keeps the simulator independent of the rest of enclave: it
// simulates the device, and must not share code with the client it tests.
func TestDepcheck(t *testing.T) {
	files, err := filepath.Glob("*.go")
	require.NoError(t, err)
	allowed := map[string]bool{"github.com/google/uuid": true, "github.com/stretchr/testify/require": true}
	fset := token.NewFileSet()
	for _, f := range files {
		src, err := os.ReadFile(f)
		require.NoError(t, err)
		af, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		require.NoError(t, err)
		for _, imp := range af.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "github.com/enclave-dev/enclave/providers/ontap/ontapsim" {
				continue // the external example test imports the package itself
			}
			require.False(t, strings.HasPrefix(p, "github.com/enclave-dev/enclave"), "%s imports %s", f, p)
			if strings.Contains(strings.SplitN(p, "/", 2)[0], ".") {
				require.True(t, allowed[p], "%s imports %s, outside the allowed set", f, p)
			}
		}
	}
}
