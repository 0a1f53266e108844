package graph

import (
	"fmt"
	"sort"
	"strings"
)

// Graph is a directed graph where an edge from A to B means "A depends on B": B runs first.
type Graph struct {
	index map[string]int
	names []string
	deps  [][]int // deps[i]: what i depends on
	rdeps [][]int // rdeps[i]: what depends on i
	edges map[[2]int]struct{}
}

// New returns an empty graph.
func New() *Graph {
	return &Graph{index: map[string]int{}, edges: map[[2]int]struct{}{}}
}

// Add adds a vertex (idempotent).
func (g *Graph) Add(v string) {
	if _, ok := g.index[v]; ok {
		return
	}
	g.index[v] = len(g.names)
	g.names = append(g.names, v)
	g.deps = append(g.deps, nil)
	g.rdeps = append(g.rdeps, nil)
}

// Has reports whether v is a vertex.
func (g *Graph) Has(v string) bool { _, ok := g.index[v]; return ok }

// Len is the number of vertices.
func (g *Graph) Len() int { return len(g.names) }

// Connect records that from depends on to. Both are added if missing; duplicate edges are
// ignored; self edges are kept (they are cycles).
func (g *Graph) Connect(from, to string) {
	g.Add(from)
	g.Add(to)
	a, b := g.index[from], g.index[to]
	if _, dup := g.edges[[2]int{a, b}]; dup {
		return
	}
	g.edges[[2]int{a, b}] = struct{}{}
	g.deps[a] = append(g.deps[a], b)
	g.rdeps[b] = append(g.rdeps[b], a)
}

// Vertices returns every vertex, sorted.
func (g *Graph) Vertices() []string {
	out := append([]string(nil), g.names...)
	sort.Strings(out)
	return out
}

// DependenciesOf returns what v depends on directly, sorted.
func (g *Graph) DependenciesOf(v string) []string {
	i, ok := g.index[v]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(g.deps[i]))
	for _, d := range g.deps[i] {
		out = append(out, g.names[d])
	}
	sort.Strings(out)
	return out
}

// DependentsOf returns what depends on v directly, sorted.
func (g *Graph) DependentsOf(v string) []string {
	i, ok := g.index[v]
	if !ok {
		return nil
	}
	out := make([]string, 0, len(g.rdeps[i]))
	for _, d := range g.rdeps[i] {
		out = append(out, g.names[d])
	}
	sort.Strings(out)
	return out
}

// Cycles returns every cycle as the sorted list of its members (strongly connected
// components with more than one vertex, or a vertex depending on itself). Tarjan's
// algorithm, iterative so deep graphs do not exhaust the stack.
func (g *Graph) Cycles() [][]string {
	n := len(g.names)
	index := make([]int, n)
	low := make([]int, n)
	onStack := make([]bool, n)
	for i := range index {
		index[i] = -1
	}
	var stack []int
	var out [][]string
	next := 0
	type frame struct{ v, child int }
	for root := 0; root < n; root++ {
		if index[root] >= 0 {
			continue
		}
		call := []frame{{root, 0}}
		index[root], low[root] = next, next
		next++
		stack = append(stack, root)
		onStack[root] = true
		for len(call) > 0 {
			f := &call[len(call)-1]
			v := f.v
			if f.child < len(g.deps[v]) {
				w := g.deps[v][f.child]
				f.child++
				if index[w] < 0 {
					index[w], low[w] = next, next
					next++
					stack = append(stack, w)
					onStack[w] = true
					call = append(call, frame{w, 0})
				} else if onStack[w] && index[w] < low[v] {
					low[v] = index[w]
				}
				continue
			}
			if low[v] == index[v] {
				var comp []string
				self := false
				for {
					w := stack[len(stack)-1]
					stack = stack[:len(stack)-1]
					onStack[w] = false
					comp = append(comp, g.names[w])
					if w == v {
						break
					}
				}
				if len(comp) == 1 {
					_, self = g.edges[[2]int{v, v}]
				}
				if len(comp) > 1 || self {
					sort.Strings(comp)
					out = append(out, comp)
				}
			}
			call = call[:len(call)-1]
			if len(call) > 0 {
				p := call[len(call)-1].v
				if low[v] < low[p] {
					low[p] = low[v]
				}
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i][0] < out[j][0] })
	return out
}

// CycleError names every member of every cycle.
type CycleError struct{ Cycles [][]string }

func (e *CycleError) Error() string {
	parts := make([]string, len(e.Cycles))
	for i, c := range e.Cycles {
		parts[i] = strings.Join(c, ", ")
	}
	return "dependency cycle: " + strings.Join(parts, "; ")
}

// TopoOrder returns the vertices with every dependency before its dependents (Kahn's
// algorithm; ties broken by name so the order is stable), or a *CycleError.
func (g *Graph) TopoOrder() ([]string, error) {
	if c := g.Cycles(); len(c) > 0 {
		return nil, &CycleError{Cycles: c}
	}
	n := len(g.names)
	remaining := make([]int, n)
	var ready []int
	for i := 0; i < n; i++ {
		remaining[i] = len(g.deps[i])
		if remaining[i] == 0 {
			ready = append(ready, i)
		}
	}
	sort.Slice(ready, func(a, b int) bool { return g.names[ready[a]] < g.names[ready[b]] })
	out := make([]string, 0, n)
	for len(ready) > 0 {
		v := ready[0]
		ready = ready[1:]
		out = append(out, g.names[v])
		var freed []int
		for _, d := range g.rdeps[v] {
			remaining[d]--
			if remaining[d] == 0 {
				freed = append(freed, d)
			}
		}
		sort.Slice(freed, func(a, b int) bool { return g.names[freed[a]] < g.names[freed[b]] })
		ready = append(ready, freed...)
	}
	return out, nil
}

// Reverse returns a graph with every edge turned around (for deletes: dependents go first).
func (g *Graph) Reverse() *Graph {
	r := New()
	for _, v := range g.names {
		r.Add(v)
	}
	for i, ds := range g.deps {
		for _, d := range ds {
			r.Connect(g.names[d], g.names[i])
		}
	}
	return r
}

// DOT renders the graph for `enclave graph`.
func (g *Graph) DOT(name string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "digraph %q {\n  rankdir = \"RL\";\n", name)
	for _, v := range g.Vertices() {
		fmt.Fprintf(&b, "  %q;\n", v)
	}
	for _, v := range g.Vertices() {
		for _, d := range g.DependenciesOf(v) {
			fmt.Fprintf(&b, "  %q -> %q;\n", v, d)
		}
	}
	b.WriteString("}\n")
	return b.String()
}
