package config

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var update = flag.Bool("update", false, "rewrite golden files")

// testProviderSchemas stands in for the provider registry's schemas.
var testProviderSchemas = map[string]*hcl.BodySchema{
	"vsphere": {Attributes: []hcl.AttributeSchema{
		{Name: "url", Required: true}, {Name: "username"}, {Name: "password"},
		{Name: "ca_file"}, {Name: "thumbprint"}, {Name: "insecure"},
	}},
	"junos": {Attributes: []hcl.AttributeSchema{
		{Name: "host", Required: true}, {Name: "port"}, {Name: "username"},
		{Name: "private_key_file"}, {Name: "known_hosts_file"},
	}},
	"ontap": {Attributes: []hcl.AttributeSchema{
		{Name: "url", Required: true}, {Name: "username"}, {Name: "password"}, {Name: "ca_file"},
	}},
}

var errorMarker = regexp.MustCompile(`#\s*ERROR:\s*(.+?)\s*$`)

type marker struct {
	file string // relative to the enclave dir
	line int
	text string
}

// findMarkers reads the "# ERROR: text" markers of every file of a case.
func findMarkers(t *testing.T, files map[string]string) []marker {
	var out []marker
	for name, content := range files {
		for i, line := range strings.Split(content, "\n") {
			if m := errorMarker.FindStringSubmatch(line); m != nil {
				out = append(out, marker{file: name, line: i + 1, text: m[1]})
			}
		}
	}
	return out
}

// TestDiagnostics loads each testdata/diagnostics case (a single .hcl file, or a directory that
// is an enclave dir with its modules) and checks that it gives exactly one error, at the file
// and line of the "# ERROR:" marker, whose summary or detail contains the marker's text.
func TestDiagnostics(t *testing.T) {
	entries, err := os.ReadDir("testdata/diagnostics")
	require.NoError(t, err)
	require.NotEmpty(t, entries)
	for _, e := range entries {
		t.Run(strings.TrimSuffix(e.Name(), ".hcl"), func(t *testing.T) {
			full := filepath.Join("testdata/diagnostics", e.Name())
			files := map[string]string{}
			var src Source
			if e.IsDir() {
				require.NoError(t, filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
					if err != nil || d.IsDir() {
						return err
					}
					b, err := os.ReadFile(p)
					rel, _ := filepath.Rel(full, p)
					files[filepath.ToSlash(rel)] = string(b)
					return err
				}))
				src = DirSource(full)
			} else {
				b, err := os.ReadFile(full)
				require.NoError(t, err)
				files[e.Name()] = string(b)
				src = SnapshotSource(files)
			}
			markers := findMarkers(t, files)
			require.Len(t, markers, 1, "each case marks exactly one line with # ERROR:")
			want := markers[0]

			l := NewLoader(src)
			l.ProviderSchemas = testProviderSchemas
			_, diags := l.Load()
			var errs hcl.Diagnostics
			for _, d := range diags {
				if d.Severity == hcl.DiagError {
					errs = append(errs, d)
				}
			}
			var out bytes.Buffer
			require.NoError(t, l.WriteDiagnostics(&out, diags, false))
			require.Len(t, errs, 1, "diagnostics:\n%s", out.String())
			d := errs[0]
			require.NotNil(t, d.Subject, "the diagnostic has a source range:\n%s", out.String())
			assert.Equal(t, want.file, d.Subject.Filename)
			assert.Equal(t, want.line, d.Subject.Start.Line, "line of %s", out.String())
			assert.Contains(t, d.Summary+": "+d.Detail, want.text)
		})
	}
}

// TestWriteDiagnostics renders a few diagnostics, with and without colour, against golden files.
func TestWriteDiagnostics(t *testing.T) {
	files := map[string]string{
		"main.hcl": `enclave "t" {}

resource "vsphere_host" "h" {
  count    = 2
  for_each = {}
}

variable "mtu" {
  type    = number
  default = "jumbo"
}
`,
		"approval.hcl": `approval {
  required = 2
  max_age  = "a while"
  approver "alice" { key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIA alice" }
}
`,
	}
	for _, color := range []bool{false, true} {
		name := "diagnostics.txt"
		if color {
			name = "diagnostics.color.txt"
		}
		t.Run(name, func(t *testing.T) {
			l := NewLoader(SnapshotSource(files))
			_, diags := l.Load()
			require.Len(t, diags, 4)
			diags = append(diags, &hcl.Diagnostic{Severity: hcl.DiagWarning, Summary: "Without a place", Detail: "A diagnostic with no source range has no snippet."})
			var out bytes.Buffer
			require.NoError(t, l.WriteDiagnostics(&out, diags, color))
			golden(t, filepath.Join("testdata/golden", name), out.Bytes())
			if !color {
				assert.NotContains(t, out.String(), "\x1b[")
				for _, line := range []string{
					"approval.hcl:2:14: error: Approval quorum above the number of approvers\n",
					"approval.hcl:3:14: error: Invalid max_age\n",
					"main.hcl:5:3: error: Invalid combination of \"count\" and \"for_each\"\n",
					"main.hcl:10:13: error: Invalid default value for variable\n",
					"warning: Without a place\n",
				} {
					assert.Contains(t, out.String(), line)
				}
			} else {
				assert.Contains(t, out.String(), "\x1b[31merror\x1b[0m")
			}
		})
	}
}

func golden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test -update to create it")
	assert.Equal(t, string(want), string(got))
}
