package junos

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports: the provider depends on the provider contract and x/crypto only — never the
// engine, the CLI, another provider or its own simulator (DESIGN.md, "arrows run one way").
func TestImports(t *testing.T) {
	files, _ := filepath.Glob("*.go")
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		pf, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range pf.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if !strings.Contains(strings.Split(path, "/")[0], ".") {
				continue // standard library
			}
			// internal/faultpoint is the tests' kill switch (it imports nothing of the project).
			allowed := path == "github.com/enclave-dev/enclave/providers" || path == "github.com/enclave-dev/enclave/internal/faultpoint" ||
				strings.HasPrefix(path, "golang.org/x/crypto/") || strings.HasPrefix(path, "github.com/zclconf/go-cty/")
			if !allowed {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
