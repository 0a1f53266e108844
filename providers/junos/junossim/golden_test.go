package junossim

import (
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/ with the simulator's answers")

var messageID = regexp.MustCompile(` message-id="[^"]*"`)

// golden compares a reply as sent on the wire (its message-id left out) with
// testdata/NAME; -update rewrites the file, to be reviewed as a diff.
func golden(t *testing.T, name, reply string) {
	t.Helper()
	got := messageID.ReplaceAllString(reply, "") + "\n"
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (go test -run %s -update writes it)", err, t.Name())
	}
	if got != string(want) {
		t.Errorf("the answer differs from %s (go test -update rewrites it):\n--- got\n%s--- want\n%s", path, got, want)
	}
}
