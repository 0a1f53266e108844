package ontapsim

import (
	"fmt"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestConcurrentPeers hammers two clusters that replicate to each other, so
// that each one's requests read the other's volumes while the other serves:
// no deadlock, and -race stays quiet.
func TestConcurrentPeers(t *testing.T) {
	a := New(Options{ClusterName: "a", SVMs: []string{"sa"}, JobDuration: time.Millisecond})
	b := New(Options{ClusterName: "b", SVMs: []string{"sb"}, JobDuration: time.Millisecond})
	a.Peer(b)
	require.NoError(t, a.PeerSVM("sa", b, "sb"))
	sa, sb := httptest.NewServer(a), httptest.NewServer(b)
	defer sa.Close()
	defer sb.Close()
	ca := &client{t: t, srv: sa, sim: a}
	cb := &client{t: t, srv: sb, sim: b}
	a.AddVolume(Volume{Name: "src", SVM: "sa"})
	b.AddVolume(Volume{Name: "src", SVM: "sb"})
	a.AddVolume(Volume{Name: "dst", SVM: "sa", Type: "dp"})
	b.AddVolume(Volume{Name: "dst", SVM: "sb", Type: "dp"})
	ca.must(201, "POST", "/api/snapmirror/relationships?return_timeout=5", map[string]any{"source.path": "sb:src", "destination.path": "sa:dst"})
	cb.must(201, "POST", "/api/snapmirror/relationships?return_timeout=5", map[string]any{"source.path": "sa:src", "destination.path": "sb:dst"})

	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		for _, c := range []*client{ca, cb} {
			wg.Add(1)
			go func(c *client, i int) {
				defer wg.Done()
				svm := c.sim.SVMs()[0].Name
				for j := 0; j < 10; j++ {
					c.do("GET", "/api/snapmirror/relationships?fields=*", nil)
					c.do("POST", "/api/storage/volumes", map[string]any{"name": fmt.Sprintf("v%d_%d", i, j), "svm.name": svm,
						"aggregates": []any{map[string]any{"name": "aggr1"}}})
					c.do("GET", "/api/storage/volumes?fields=**", nil)
					c.sim.Volumes()
				}
			}(c, i)
		}
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("deadlock")
	}
	require.Len(t, a.Volumes(), 2+40)
	require.Len(t, b.Relationships(), 1)
}
