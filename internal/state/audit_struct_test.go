package state

import (
	"path/filepath"
	"testing"
	"time"
)

// Details holding structs (apply results) must verify after being read back.
func TestAuditDetailsWithStructsVerify(t *testing.T) {
	type result struct {
		Zeta     string        `json:"zeta"`
		Alpha    int           `json:"alpha"`
		Duration time.Duration `json:"duration_ns"`
	}
	a := OpenAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	if err := a.Append(KindApplyEnd, map[string]any{"results": []result{{"z", 1, 1500 * time.Millisecond}}, "n": 3}); err != nil {
		t.Fatal(err)
	}
	if err := a.Append(KindPlan, nil); err != nil {
		t.Fatal(err)
	}
	if n, err := a.Verify(); err != nil || n != 2 {
		t.Fatalf("verify: %d %v", n, err)
	}
}
