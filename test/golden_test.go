package test

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// update rewrites the golden files under testdata/golden with what the binary prints now:
// go test ./test -run NAME -update, then review the diff.
var update = flag.Bool("update", false, "rewrite testdata/golden from the current output")

// volatile is what differs between runs: times, digests, lineages, loopback ports, scratch
// directories. normalize replaces each with a fixed word so the rest can be compared.
var volatile = []struct {
	re   *regexp.Regexp
	with string
}{
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z`), "TIME"},
	{regexp.MustCompile(`sha256:[0-9a-f]{64}`), "sha256:DIGEST"},
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), "UUID"},
	{regexp.MustCompile(`127\.0\.0\.1:\d+`), "127.0.0.1:PORT"},
	// A serial counts state writes, which group commits batch as completions happen to land.
	{regexp.MustCompile(`state serial \d+`), "state serial SERIAL"},
}

func normalize(s string, paths ...string) string {
	for _, p := range paths {
		s = strings.ReplaceAll(s, p, "SCRATCH")
	}
	for _, v := range volatile {
		s = v.re.ReplaceAllString(s, v.with)
	}
	return s
}

// golden compares got with testdata/golden/NAME, or writes it there with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "no golden file; run go test ./test -run %s -update", t.Name())
	require.Equal(t, string(want), got, "output differs from %s; if the change is intended, run with -update and review the diff", path)
}
