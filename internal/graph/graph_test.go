package graph

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func build(edges [][2]string, vs ...string) *Graph {
	g := New()
	for _, v := range vs {
		g.Add(v)
	}
	for _, e := range edges {
		g.Connect(e[0], e[1])
	}
	return g
}

func TestCycles(t *testing.T) {
	cases := []struct {
		name  string
		edges [][2]string
		want  [][]string
	}{
		{"none", [][2]string{{"a", "b"}, {"b", "c"}}, nil},
		{"two", [][2]string{{"a", "b"}, {"b", "a"}}, [][]string{{"a", "b"}}},
		{"three named", [][2]string{{"vm", "pg"}, {"pg", "dvs"}, {"dvs", "vm"}, {"x", "vm"}}, [][]string{{"dvs", "pg", "vm"}}},
		{"self", [][2]string{{"a", "a"}}, [][]string{{"a"}}},
		{"two separate", [][2]string{{"a", "b"}, {"b", "a"}, {"c", "d"}, {"d", "c"}}, [][]string{{"a", "b"}, {"c", "d"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			g := build(c.edges)
			assert.Equal(t, c.want, g.Cycles())
			_, err := g.TopoOrder()
			if c.want == nil {
				assert.NoError(t, err)
			} else {
				var ce *CycleError
				require.ErrorAs(t, err, &ce)
				for _, m := range c.want[0] {
					assert.Contains(t, err.Error(), m)
				}
			}
		})
	}
}

func TestTopoOrder(t *testing.T) {
	g := build([][2]string{{"vm", "pool"}, {"vm", "ds"}, {"pool", "cluster"}, {"ds", "host"}, {"host", "cluster"}, {"cluster", "dc"}})
	order, err := g.TopoOrder()
	require.NoError(t, err)
	pos := map[string]int{}
	for i, v := range order {
		pos[v] = i
	}
	for _, v := range g.Vertices() {
		for _, d := range g.DependenciesOf(v) {
			assert.Less(t, pos[d], pos[v], "%s before %s", d, v)
		}
	}
	rev, err := g.Reverse().TopoOrder()
	require.NoError(t, err)
	assert.Equal(t, "vm", rev[0])
	assert.Equal(t, "dc", rev[len(rev)-1])
}

func TestWalkSkipsDependentsOfFailure(t *testing.T) {
	g := build([][2]string{{"b", "a"}, {"c", "b"}, {"d", "a"}, {"e", "x"}}, "x")
	var mu sync.Mutex
	var ran []string
	res, err := g.Walk(context.Background(), 3, func(_ context.Context, v string) error {
		mu.Lock()
		ran = append(ran, v)
		mu.Unlock()
		if v == "b" {
			return errors.New("boom")
		}
		return nil
	})
	require.NoError(t, err)
	assert.EqualError(t, res["b"].Err, "boom")
	assert.True(t, res["c"].Skipped)
	assert.Equal(t, "b", res["c"].Cause)
	for _, v := range []string{"a", "d", "x", "e"} {
		assert.NoError(t, res[v].Err, v)
		assert.False(t, res[v].Skipped, v)
	}
	assert.NotContains(t, ran, "c")
	assert.Len(t, res, 6)
}

func TestWalkBoundsParallelism(t *testing.T) {
	g := New()
	for i := 0; i < 50; i++ {
		g.Add(fmt.Sprint(i))
	}
	var cur, peak int32
	_, err := g.Walk(context.Background(), 4, func(context.Context, string) error {
		n := atomic.AddInt32(&cur, 1)
		for {
			p := atomic.LoadInt32(&peak)
			if n <= p || atomic.CompareAndSwapInt32(&peak, p, n) {
				break
			}
		}
		for i := 0; i < 1000; i++ {
			_ = i
		}
		atomic.AddInt32(&cur, -1)
		return nil
	})
	require.NoError(t, err)
	assert.LessOrEqual(t, peak, int32(4))
}

func TestWalkOrder(t *testing.T) {
	g := build([][2]string{{"b", "a"}, {"c", "b"}})
	var order []string
	var mu sync.Mutex
	_, err := g.Walk(context.Background(), 10, func(_ context.Context, v string) error {
		mu.Lock()
		order = append(order, v)
		mu.Unlock()
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"a", "b", "c"}, order)
}

func TestWalkRefusesCycle(t *testing.T) {
	g := build([][2]string{{"a", "b"}, {"b", "a"}})
	_, err := g.Walk(context.Background(), 1, func(context.Context, string) error { return nil })
	var ce *CycleError
	require.ErrorAs(t, err, &ce)
}

func chain(n int) *Graph {
	g := New()
	for i := 0; i < n; i++ {
		g.Add(fmt.Sprint(i))
		if i > 0 {
			g.Connect(fmt.Sprint(i), fmt.Sprint(i-1))
		}
		if i > 10 {
			g.Connect(fmt.Sprint(i), fmt.Sprint(i-10))
		}
	}
	return g
}

func TestDOT(t *testing.T) {
	g := build([][2]string{{"b", "a"}})
	assert.Equal(t, "digraph \"x\" {\n  rankdir = \"RL\";\n  \"a\";\n  \"b\";\n  \"b\" -> \"a\";\n}\n", g.DOT("x"))
}

// BenchmarkBuildAndOrder shows graph work is linear: ns/op per vertex stays flat from 1k to
// 100k vertices.
func BenchmarkBuildAndOrder(b *testing.B) {
	for _, n := range []int{1000, 10000, 100000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				g := chain(n)
				if _, err := g.TopoOrder(); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/vertex")
		})
	}
}

func TestWalkFailureSkipsLastVertices(t *testing.T) {
	// The failure of the last-running vertex completes the walk through its skipped dependents.
	g := build([][2]string{{"b", "a"}, {"c", "b"}, {"d", "c"}})
	res, err := g.Walk(context.Background(), 2, func(_ context.Context, v string) error {
		if v == "a" {
			return errors.New("x")
		}
		return nil
	})
	require.NoError(t, err)
	assert.True(t, res["d"].Skipped)
	assert.Equal(t, "a", res["d"].Cause)
}
