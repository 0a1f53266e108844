package state

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func auditWith(t *testing.T, n int) (*AuditLog, string) {
	path := filepath.Join(t.TempDir(), ".enclave", "audit.log")
	a := OpenAuditLog(path)
	kinds := []string{KindPlan, KindApprove, KindApplyStart, KindApplyEnd, KindStateMv, KindImport}
	for i := 0; i < n; i++ {
		require.NoError(t, a.Append(kinds[i%len(kinds)], map[string]any{"i": i, "digest": "sha256:abc", "ratio": 0.25}))
	}
	return a, path
}

func TestAuditChain(t *testing.T) {
	a, path := auditWith(t, 5)
	n, err := a.Verify()
	require.NoError(t, err)
	assert.Equal(t, 5, n)

	entries, err := a.Entries()
	require.NoError(t, err)
	require.Len(t, entries, 5)
	data, _ := os.ReadFile(path)
	lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
	for i, e := range entries {
		assert.Equal(t, i+1, e.Seq)
		assert.Equal(t, int64(i), e.Details["i"], "numbers come back plain")
		assert.Equal(t, currentUser(), e.User)
		assert.Equal(t, hostname(), e.Host)
		assert.False(t, e.Time.IsZero())
		if i == 0 {
			assert.Empty(t, e.Prev)
		} else {
			assert.Equal(t, lineHash(lines[i-1]), e.Prev, "prev is the sha256 of the previous line")
		}
	}
	assert.Equal(t, KindApprove, entries[1].Kind)
	info, _ := os.Stat(path)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

	empty := OpenAuditLog(filepath.Join(t.TempDir(), "audit.log"))
	n, err = empty.Verify()
	assert.NoError(t, err)
	assert.Zero(t, n)
}

// TestAuditTampering edits the log the ways someone covering tracks would, and checks Verify
// names the first broken entry.
func TestAuditTampering(t *testing.T) {
	tests := []struct {
		name     string
		tamper   func(lines [][]byte) [][]byte
		line     int
		seq      int
		reason   string
		verified int
	}{
		{name: "edit a middle line", line: 3, seq: 3, verified: 2, reason: "edited",
			tamper: func(l [][]byte) [][]byte {
				l[2] = bytes.Replace(l[2], []byte(`"i":2`), []byte(`"i":7`), 1)
				return l
			}},
		{name: "edit a line and recompute its own hash", line: 4, seq: 4, verified: 3, reason: "previous line was changed",
			tamper: func(l [][]byte) [][]byte {
				var e AuditEntry
				require.NoError(t, json.Unmarshal(l[2], &e))
				e.User = "mallory"
				e.Hash, _ = entryHash(e)
				l[2], _ = canonical(e)
				return l
			}},
		{name: "delete a middle line", line: 3, seq: 4, verified: 2, reason: "entry 3 is missing",
			tamper: func(l [][]byte) [][]byte { return append(l[:2:2], l[3:]...) }},
		{name: "delete two lines", line: 2, seq: 4, verified: 1, reason: "entries 2 to 3 are missing",
			tamper: func(l [][]byte) [][]byte { return append(l[:1:1], l[3:]...) }},
		{name: "delete the first line", line: 1, seq: 2, verified: 0, reason: "entry 1 is missing",
			tamper: func(l [][]byte) [][]byte { return l[1:] }},
		{name: "swap two lines", line: 2, seq: 3, verified: 1, reason: "out of order: entry 2 is at line 3",
			tamper: func(l [][]byte) [][]byte {
				l[1], l[2] = l[2], l[1]
				return l
			}},
		{name: "move a line back", line: 2, seq: 3, verified: 1, reason: "out of order: entry 2 is at line 4",
			tamper: func(l [][]byte) [][]byte {
				moved := l[1]
				l = append(l[:1:1], l[2:]...)
				return append(l[:3:3], append([][]byte{moved}, l[3:]...)...)
			}},
		{name: "duplicate a line", line: 3, seq: 2, verified: 2, reason: "out of order: entry 2 where 3 belongs",
			tamper: func(l [][]byte) [][]byte { return append(l[:2:2], append([][]byte{l[1]}, l[2:]...)...) }},
		{name: "torn last line", line: 5, seq: 5, verified: 4, reason: "incomplete",
			tamper: func(l [][]byte) [][]byte {
				l[4] = l[4][:20]
				return l
			}},
		{name: "blank line", line: 3, seq: 3, verified: 2, reason: "empty line",
			tamper: func(l [][]byte) [][]byte { return append(l[:2:2], append([][]byte{{}}, l[2:]...)...) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, path := auditWith(t, 5)
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			lines := bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
			lines = tt.tamper(lines)
			out := bytes.Join(lines, []byte("\n"))
			if tt.reason != "incomplete" {
				out = append(out, '\n')
			}
			require.NoError(t, os.WriteFile(path, out, 0o600))

			n, err := a.Verify()
			var be *AuditBrokenError
			require.ErrorAs(t, err, &be)
			assert.Equal(t, tt.line, be.Line, "line")
			assert.Equal(t, tt.seq, be.Seq, "seq")
			assert.Contains(t, be.Reason, tt.reason)
			assert.Equal(t, tt.verified, n)
			assert.Contains(t, err.Error(), path)
		})
	}
}

func TestAuditAppendRefusesDamagedTail(t *testing.T) {
	a, path := auditWith(t, 2)
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteString(`{"seq":3,"ti`)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	err = a.Append(KindPlan, nil)
	require.ErrorContains(t, err, "damaged last line")
	require.ErrorContains(t, a.Append("", nil), "without a kind")
}

// TestAuditConcurrentAppends: appends from several processes and several open files in this
// one interleave without breaking the chain or reusing a sequence number.
func TestAuditConcurrentAppends(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), ".enclave")
	const procs, goroutines, each = 3, 4, 15
	var wg sync.WaitGroup
	errs := make(chan error, procs+goroutines)
	for p := 0; p < procs; p++ {
		cmd := helper(t, "audit-append", dir, itoa(each))
		wg.Go(func() {
			if out, err := cmd.CombinedOutput(); err != nil {
				errs <- &AuditBrokenError{Reason: string(out)}
			}
		})
	}
	for g := 0; g < goroutines; g++ {
		wg.Go(func() {
			a := OpenAuditLog(filepath.Join(dir, "audit.log")) // own open file each time
			for i := 0; i < each; i++ {
				if err := a.Append(KindApprove, map[string]any{"g": g}); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	n, err := NewLocal(dir).Audit().Verify()
	require.NoError(t, err)
	assert.Equal(t, (procs+goroutines)*each, n)
}
