package junossim

import (
	"net"
	"runtime"
	"testing"
	"time"

	"golang.org/x/crypto/ssh"
)

// Close must return promptly whatever the clients are doing, and leave nothing running.
func TestCloseWithClientsInEveryState(t *testing.T) {
	before := runtime.NumGoroutine()
	ts := startSim(t, Options{Clock: wallClock{}})

	idle := ts.dial(t, false) // a NETCONF session that says nothing
	locked := ts.dial(t, true)
	locked.mustOK(`<lock-configuration/>`)
	locked.mustOK(loadSetRPC("set system domain-name example.net"))
	locked.mustOK(`<commit-configuration><confirmed/></commit-configuration>`) // a wall-clock timer pending

	raw, err := net.Dial("tcp", ts.addr) // TCP only, no SSH handshake
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cl, err := ssh.Dial("tcp", ts.addr, ts.clientConfig("enclave")) // SSH without the subsystem
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if _, err := cl.NewSession(); err != nil {
		t.Fatal(err)
	}
	if _, err := ssh.Dial("tcp", ts.addr, ts.clientConfig("stranger")); err == nil {
		t.Error("unknown user authenticated")
	}

	done := make(chan struct{})
	go func() { ts.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		buf := make([]byte, 1<<20)
		t.Fatalf("Close hung:\n%s", buf[:runtime.Stack(buf, true)])
	}
	if _, err := idle.call(`<get/>`); err == nil {
		t.Error("idle session still answers")
	}
	idle.close()
	locked.close()
	raw.Close()
	cl.Close()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > before+2 {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<20)
			t.Fatalf("%d goroutines left (had %d):\n%s", runtime.NumGoroutine(), before, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}
