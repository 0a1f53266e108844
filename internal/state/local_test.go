package state

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newLocal(t *testing.T) (*Local, string) {
	dir := filepath.Join(t.TempDir(), ".enclave")
	return NewLocal(dir), dir
}

// writeGenerations writes n changed generations and returns the state after the last.
func writeGenerations(t *testing.T, l *Local, st *State, n int) *State {
	t.Helper()
	for i := 0; i < n; i++ {
		st.Set(&Resource{Addr: "junos_vlan.v", Mode: ModeManaged, Type: "junos_vlan", Provider: "junos.ex",
			Attributes: map[string]any{"vlan_id": int64(100 + int(st.Serial))}})
		wrote, err := l.Write(st)
		require.NoError(t, err)
		require.True(t, wrote)
	}
	return st
}

func TestLocalRoundTrip(t *testing.T) {
	l, dir := newLocal(t)
	st, found, err := l.Read()
	require.NoError(t, err)
	assert.False(t, found)
	assert.Zero(t, st.Serial)
	assert.NotEmpty(t, st.Lineage)

	want := sample()
	wrote, err := l.Write(want)
	require.NoError(t, err)
	assert.True(t, wrote)
	assert.Equal(t, uint64(1), want.Serial, "Write sets the new serial")

	got, found, err := l.Read()
	require.NoError(t, err)
	assert.True(t, found)
	assert.True(t, want.Equal(got))
	assert.Equal(t, uint64(1), got.Serial)

	info, err := os.Stat(filepath.Join(dir, "state.json"))
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "state is readable by its owner only")
	backups, err := l.Backups()
	require.NoError(t, err)
	assert.Empty(t, backups, "the first generation has nothing to back up")
}

func TestWriteUnchangedKeepsSerial(t *testing.T) {
	l, dir := newLocal(t)
	st := sample()
	_, err := l.Write(st)
	require.NoError(t, err)
	before, err := os.ReadFile(filepath.Join(dir, "state.json"))
	require.NoError(t, err)

	read, _, err := l.Read()
	require.NoError(t, err)
	for _, s := range []*State{st, read, read.DeepCopy()} {
		wrote, err := l.Write(s)
		require.NoError(t, err)
		assert.False(t, wrote)
		assert.Equal(t, uint64(1), s.Serial)
	}
	after, err := os.ReadFile(filepath.Join(dir, "state.json"))
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")
	backups, _ := l.Backups()
	assert.Empty(t, backups)

	st.Resources[0].Status = StatusUncertain
	wrote, err := l.Write(st)
	require.NoError(t, err)
	assert.True(t, wrote)
	assert.Equal(t, uint64(2), st.Serial, "a change bumps the serial by one")
}

func TestBackupsRotate(t *testing.T) {
	t.Parallel()
	l, _ := newLocal(t)
	st := writeGenerations(t, l, New("e"), 15)
	assert.Equal(t, uint64(15), st.Serial)
	backups, err := l.Backups()
	require.NoError(t, err)
	require.Len(t, backups, KeepBackups)
	for i, b := range backups {
		// Newest first: generations 14 down to 5.
		assert.Contains(t, filepath.Base(b), "state."+itoa(14-i)+".", "backup %d", i)
		data, err := os.ReadFile(b)
		require.NoError(t, err)
		old, err := Decode(data)
		require.NoError(t, err, "every backup verifies")
		assert.Equal(t, uint64(14-i), old.Serial)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestWriteRefuses(t *testing.T) {
	tests := []struct {
		name string
		edit func(st *State)
		want string
	}{
		{"another lineage", func(st *State) { st.Lineage = "00000000-0000-0000-0000-000000000000" }, "lineage"},
		{"read before someone else wrote", func(st *State) { st.Serial-- }, "moved since it was read: read at serial 1, the file is at serial 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newLocal(t)
			st := writeGenerations(t, l, New("e"), 2)
			before, _ := os.ReadFile(filepath.Join(dir, "state.json"))
			tt.edit(st)
			st.Outputs = map[string]Output{"x": {Value: "changed"}}
			_, err := l.Write(st)
			require.ErrorContains(t, err, tt.want)
			after, _ := os.ReadFile(filepath.Join(dir, "state.json"))
			assert.Equal(t, before, after)
		})
	}
}

// TestCrashBetweenWriteAndRename kills a writer (a real subprocess) after its temporary file
// is complete and before the rename: the previous generation must still be current and valid.
func TestCrashBetweenWriteAndRename(t *testing.T) {
	t.Parallel()
	l, dir := newLocal(t)
	st := writeGenerations(t, l, New("e"), 2)

	out, err := helper(t, "crash-write", dir, "").CombinedOutput()
	var exit *exec.ExitError
	require.ErrorAs(t, err, &exit, "output: %s", out)
	require.Equal(t, 3, exit.ExitCode(), "the helper died in the hook: %s", out)
	temps, _ := filepath.Glob(filepath.Join(dir, ".state.json.*.tmp"))
	require.Len(t, temps, 1, "the crash left the new generation in a temp file")

	got, found, err := l.Read()
	require.NoError(t, err)
	require.True(t, found)
	assert.Equal(t, uint64(2), got.Serial)
	assert.True(t, st.Equal(got), "the previous generation is intact")
	assert.Nil(t, got.Resource("junos_vlan.crashed"))

	// The next run takes the lock, which clears the debris, and writes normally.
	u, err := l.Lock(t.Context(), NewLockInfo("apply"), 0)
	require.NoError(t, err)
	temps, _ = filepath.Glob(filepath.Join(dir, ".state.json.*.tmp"))
	assert.Empty(t, temps)
	writeGenerations(t, l, got, 1)
	require.NoError(t, u.Unlock())
}

func TestCorruptStateRefused(t *testing.T) {
	tests := []struct {
		name   string
		damage func(t *testing.T, state []byte, backups []string) []byte
		reason string
		backup int // index into Backups() of the one to be named; -1 for none
	}{
		{name: "checksum fails", reason: "checksum mismatch", backup: 0,
			damage: func(t *testing.T, b []byte, _ []string) []byte {
				return bytes.Replace(b, []byte(`"vlan_id": 103`), []byte(`"vlan_id": 999`), 1)
			}},
		{name: "truncated", reason: "truncated", backup: 0,
			damage: func(t *testing.T, b []byte, _ []string) []byte { return b[:len(b)-40] }},
		{name: "empty", reason: "empty", backup: 0,
			damage: func(t *testing.T, b []byte, _ []string) []byte { return nil }},
		{name: "newest backup damaged too", reason: "truncated", backup: 1,
			damage: func(t *testing.T, b []byte, backups []string) []byte {
				require.NoError(t, os.WriteFile(backups[0], []byte(`{"format_version": 2,`), 0o600))
				return b[:10]
			}},
		{name: "no backup verifies", reason: "checksum", backup: -1,
			damage: func(t *testing.T, b []byte, backups []string) []byte {
				for _, p := range backups {
					require.NoError(t, os.WriteFile(p, []byte("garbage"), 0o600))
				}
				return bytes.Replace(b, []byte(`"e"`), []byte(`"f"`), 1)
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, dir := newLocal(t)
			st := writeGenerations(t, l, New("e"), 4)
			path := filepath.Join(dir, "state.json")
			data, err := os.ReadFile(path)
			require.NoError(t, err)
			backups, err := l.Backups()
			require.NoError(t, err)
			require.NoError(t, os.WriteFile(path, tt.damage(t, data, backups), 0o600))

			_, _, err = l.Read()
			var ce *CorruptError
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, path, ce.Path)
			assert.Contains(t, ce.Reason, tt.reason)
			assert.Contains(t, err.Error(), path)
			if tt.backup >= 0 {
				assert.Equal(t, backups[tt.backup], ce.LastGoodBackup)
				assert.Contains(t, err.Error(), backups[tt.backup])
			} else {
				assert.Empty(t, ce.LastGoodBackup)
				assert.Contains(t, err.Error(), "no backup verifies")
			}

			st.Outputs = map[string]Output{"x": {Value: 1}}
			_, err = l.Write(st)
			require.ErrorAs(t, err, &ce, "a damaged state is never overwritten")
		})
	}
}

func TestNewerVersionRefused(t *testing.T) {
	l, dir := newLocal(t)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	path := filepath.Join(dir, "state.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"format_version": 3, "lineage": "x", "serial": 9, "resources": {}}`), 0o600))
	_, _, err := l.Read()
	var ve *UnsupportedVersionError
	require.ErrorAs(t, err, &ve)
	assert.Equal(t, 3, ve.Version)
	assert.Equal(t, path+" has format version 3, newer than this enclave understands (2): upgrade enclave to read it",
		strings.TrimPrefix(err.Error(), "state file "))
	var ce *CorruptError
	assert.False(t, errors.As(err, &ce), "a newer file is not damage")
}

// TestV1FileUpgradedOnWrite: a version-1 file reads as current, and the first change writes
// version 2 with the version-1 file kept as a backup.
func TestV1FileUpgradedOnWrite(t *testing.T) {
	l, dir := newLocal(t)
	require.NoError(t, os.MkdirAll(dir, 0o700))
	v1, err := os.ReadFile("testdata/upgrade/basic.in.json")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "state.json"), v1, 0o600))

	st, found, err := l.Read()
	require.NoError(t, err)
	require.True(t, found)
	wrote, err := l.Write(st)
	require.NoError(t, err)
	assert.False(t, wrote, "reading is not a change")

	st.Remove("ontap_volume.mail")
	wrote, err = l.Write(st)
	require.NoError(t, err)
	require.True(t, wrote)
	assert.Equal(t, uint64(13), st.Serial)
	data, _ := os.ReadFile(filepath.Join(dir, "state.json"))
	assert.Contains(t, string(data), `"format_version": 2`)
	backups, _ := l.Backups()
	require.Len(t, backups, 1)
	assert.Contains(t, backups[0], "state.12.")
	old, _ := os.ReadFile(backups[0])
	assert.Equal(t, v1, old, "the backup is the file as it was")
}

// TestSensitiveNeverInClear: hashed attributes and sensitive outputs reach the file only as
// salted hashes, and an unchanged secret is not a change.
func TestSensitiveNeverInClear(t *testing.T) {
	l, dir := newLocal(t)
	st := New("e")
	attrs := map[string]any{
		"hostname": "esx1", "password": "Esx-R00t-s3cret",
		"auth": []any{map[string]any{"token": "tok-0-s3cret"}, map[string]any{"token": "tok-1-s3cret"}},
	}
	HideSensitive(attrs, []string{"password", "auth.token", "absent"})
	st.Set(&Resource{Addr: "vsphere_host.esx1", Mode: ModeManaged, Type: "vsphere_host", Provider: "vsphere", Attributes: attrs})
	st.Outputs = map[string]Output{
		"root_password": {Value: "Out-s3cret", Sensitive: true},
		"numbers":       {Value: []any{int64(1), int64(2)}, Sensitive: true},
		"hostname":      {Value: "esx1"},
	}
	wrote, err := l.Write(st)
	require.NoError(t, err)
	require.True(t, wrote)

	data, err := os.ReadFile(filepath.Join(dir, "state.json"))
	require.NoError(t, err)
	assert.NotContains(t, string(data), "s3cret")
	assert.NotContains(t, string(data), `[1,2]`)
	assert.Contains(t, string(data), `"esx1"`)

	got, _, err := l.Read()
	require.NoError(t, err)
	r := got.Resource("vsphere_host.esx1")
	assert.True(t, MatchSensitive(r.Attributes["password"].(string), "Esx-R00t-s3cret"))
	assert.True(t, MatchSensitive(r.Attributes["auth"].([]any)[1].(map[string]any)["token"].(string), "tok-1-s3cret"))
	assert.True(t, MatchSensitive(got.Outputs["root_password"].Value.(string), "Out-s3cret"))
	assert.True(t, MatchSensitive(got.Outputs["numbers"].Value.(string), []any{1, 2}))
	assert.Equal(t, "esx1", got.Outputs["hostname"].Value)

	// The engine sets the clear value again on the next run: same secret, no change.
	got.Outputs["root_password"] = Output{Value: "Out-s3cret", Sensitive: true}
	wrote, err = l.Write(got)
	require.NoError(t, err)
	assert.False(t, wrote)
	got.Outputs["root_password"] = Output{Value: "New-s3cret", Sensitive: true}
	wrote, err = l.Write(got)
	require.NoError(t, err)
	assert.True(t, wrote)
	data, _ = os.ReadFile(filepath.Join(dir, "state.json"))
	assert.NotContains(t, string(data), "s3cret")
}

// TestConcurrentWritesInOneProcess: writers racing from one read get one winner; the others
// are told the state moved, and no update is lost silently.
func TestConcurrentWritesInOneProcess(t *testing.T) {
	l, _ := newLocal(t)
	base := writeGenerations(t, l, New("e"), 1)
	const n = 8
	var wg sync.WaitGroup
	wrote := make(chan bool, n)
	for i := 0; i < n; i++ {
		st := base.DeepCopy()
		st.Outputs = map[string]Output{"writer": {Value: int64(i)}}
		wg.Go(func() {
			ok, err := l.Write(st)
			if err != nil {
				assert.ErrorContains(t, err, "moved since it was read")
			}
			wrote <- ok
		})
	}
	wg.Wait()
	close(wrote)
	wins := 0
	for ok := range wrote {
		if ok {
			wins++
		}
	}
	assert.Equal(t, 1, wins)
	got, _, err := l.Read()
	require.NoError(t, err)
	assert.Equal(t, uint64(2), got.Serial)
}

func TestMissingStateWithBackupsRefused(t *testing.T) {
	l, dir := newLocal(t)
	writeGenerations(t, l, New("e"), 3)
	backups, _ := l.Backups()
	require.NoError(t, os.Remove(filepath.Join(dir, "state.json")))
	_, _, err := l.Read()
	var ce *CorruptError
	require.ErrorAs(t, err, &ce)
	assert.Contains(t, ce.Reason, "missing")
	assert.Contains(t, ce.Reason, "serial 2")
	assert.Equal(t, backups[0], ce.LastGoodBackup)
	_, err = l.Write(New("e"))
	require.ErrorAs(t, err, &ce, "nor is an empty state written over the loss")
}
