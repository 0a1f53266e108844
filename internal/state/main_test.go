package state

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// Subprocess helpers: the test binary re-executes itself with helperEnv set to one of these
// roles, so crashes and lock contention happen in a real second process.
const (
	helperEnv = "ENCLAVE_STATE_TEST_HELPER"
	helperDir = "ENCLAVE_STATE_TEST_DIR"
	helperArg = "ENCLAVE_STATE_TEST_ARG"
)

func TestMain(m *testing.M) {
	if role := os.Getenv(helperEnv); role != "" {
		os.Exit(runHelper(role, os.Getenv(helperDir), os.Getenv(helperArg)))
	}
	os.Exit(m.Run())
}

func runHelper(role, dir, arg string) int {
	l := NewLocal(dir)
	switch role {
	case "crash-write":
		// Write a changed state but die after the temp file is complete and before rename.
		st, _, err := l.Read()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		st.Set(&Resource{Addr: "junos_vlan.crashed", Mode: ModeManaged, Type: "junos_vlan", Provider: "junos.ex", Attributes: map[string]any{"vlan_id": 99}})
		afterTempWrite = func(tmp string) {
			if filepath.Dir(tmp) == dir { // the state file itself, not its backup
				os.Exit(3)
			}
		}
		if _, err := l.Write(st); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "hold-lock":
		// Take the lock, say so, hold it until stdin closes, then release it.
		u, err := l.Lock(context.Background(), NewLockInfo("apply"), 0)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println("locked")
		bufio.NewReader(os.Stdin).ReadString('\n')
		if err := u.Unlock(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return 0
	case "audit-append":
		n, _ := strconv.Atoi(arg)
		for i := 0; i < n; i++ {
			if err := l.Audit().Append(KindPlan, map[string]any{"pid": os.Getpid(), "i": i}); err != nil {
				fmt.Fprintln(os.Stderr, err)
				return 1
			}
		}
		return 0
	case "exit":
		return 0
	}
	fmt.Fprintln(os.Stderr, "unknown helper role", role)
	return 2
}

// helper returns the command that runs role against dir.
func helper(t *testing.T, role, dir, arg string) *exec.Cmd {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	t.Cleanup(cancel)
	cmd := exec.CommandContext(ctx, os.Args[0])
	cmd.Env = append(os.Environ(), helperEnv+"="+role, helperDir+"="+dir, helperArg+"="+arg)
	return cmd
}
