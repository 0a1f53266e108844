package junos

import (
	"fmt"
	"reflect"
	"sort"
	"strings"

	"github.com/enclave-dev/enclave/providers"
)

// loadPlan is every change for one device turned into one <configuration> for
// load-configuration action="replace": a delete="delete" stanza per deleted object (and per
// object whose key changed), then a replace="replace" stanza per created or updated object.
type loadPlan struct {
	doc     *element         // <configuration>
	targets []target         // one per change, in order
	written map[tid]*element // what each written stanza should read back as
	gone    map[tid]bool     // stanzas deleted and not written again
}

// tid identifies one stanza.
type tid struct{ typ, id string }

type target struct {
	typ    string
	id     string // the stanza the change leaves behind ("" for a delete)
	delete bool
}

// buildLoad renders changes. Errors name the resource address; nothing is sent.
func buildLoad(changes []providers.Change) (*loadPlan, error) {
	lp := &loadPlan{doc: el("configuration"), written: map[tid]*element{}, gone: map[tid]bool{}}
	type write struct {
		steps  []step
		stanza *element
	}
	var deletes, writes []write
	owner := map[tid]string{}
	for _, c := range changes {
		rt, err := lookupType(c.Type)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", c.Addr, err)
		}
		priorID := providers.String(c.Prior, "id")
		if priorID == "" && c.Prior != nil {
			priorID, _ = rt.id(c.Prior)
		}
		t := target{typ: c.Type}
		switch c.Action {
		case providers.Delete:
			if priorID == "" {
				return nil, fmt.Errorf("%s: delete without the object's id", c.Addr)
			}
			t.delete = true
		case providers.Create, providers.Update, providers.Replace:
			if c.Planned == nil {
				return nil, fmt.Errorf("%s: %s without planned attributes", c.Addr, c.Action)
			}
			id, err := rt.id(c.Planned)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Addr, err)
			}
			t.id = id
			k := tid{c.Type, id}
			if other, dup := owner[k]; dup {
				return nil, fmt.Errorf("%s: %s %q is also written by %s", c.Addr, c.Type, id, other)
			}
			owner[k] = c.Addr
			steps, _, err := rt.where(id)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Addr, err)
			}
			stanza := rt.render(c.Planned)
			lp.written[k] = stanza.cloneBare()
			stanza.attr("replace", "replace")
			writes = append(writes, write{steps, stanza})
		default:
			return nil, fmt.Errorf("%s: unsupported action %q", c.Addr, c.Action)
		}
		if priorID != "" && priorID != t.id {
			steps, stanza, err := rt.where(priorID)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", c.Addr, err)
			}
			stanza.attr("delete", "delete")
			deletes = append(deletes, write{steps, stanza})
			lp.gone[tid{c.Type, priorID}] = true
		}
		lp.targets = append(lp.targets, t)
	}
	for k := range lp.written {
		delete(lp.gone, k)
	}
	for _, w := range append(deletes, writes...) {
		place(lp.doc, w.steps, w.stanza)
	}
	return lp, nil
}

// place appends stanza under the hierarchy steps, sharing containers already in the document.
// A container carrying an operation attribute is never shared.
func place(doc *element, steps []step, stanza *element) {
	cur := doc
	for _, st := range steps {
		var next *element
		for i := len(cur.Children) - 1; i >= 0; i-- {
			c := cur.Children[i]
			if c.Name == st.name && len(c.Attrs) == 0 && keysMatch(c, st.keys) {
				next = c
				break
			}
		}
		if next == nil {
			next = el(st.name)
			for _, k := range st.keys {
				next.add(leafEl(k[0], k[1]))
			}
			cur.add(next)
		}
		cur = next
	}
	cur.add(stanza)
}

func keysMatch(e *element, keys [][2]string) bool {
	for _, k := range keys {
		if e.childText(k[0]) != k[1] {
			return false
		}
	}
	return true
}

// loadRPC is the load-configuration request for the plan.
func (lp *loadPlan) loadRPC() string {
	var b strings.Builder
	b.WriteString(`<load-configuration action="replace" format="xml">`)
	lp.doc.write(&b)
	b.WriteString(`</load-configuration>`)
	return b.String()
}

// verify compares the committed configuration read back with what was loaded: every written
// stanza must read as it was rendered (compared as parsed objects, so the device's canonical
// order of statements does not matter but the order of ordered lists does), and every deleted
// one must be gone.
func (lp *loadPlan) verify(cfg *element) error {
	idx := indexConfig(cfg)
	var problems []string
	for _, k := range sortedTids(lp.written) {
		want := lp.written[k]
		got := idx[k.typ][k.id]
		if got == nil {
			problems = append(problems, fmt.Sprintf("%s %q is missing", k.typ, k.id))
			continue
		}
		rt := types[k.typ]
		if !reflect.DeepEqual(rt.parse(want), rt.parse(got)) {
			problems = append(problems, fmt.Sprintf("%s %q differs from what was loaded", k.typ, k.id))
		}
	}
	for _, k := range sortedTids(lp.gone) {
		if idx[k.typ][k.id] != nil {
			problems = append(problems, fmt.Sprintf("%s %q is still there after its delete", k.typ, k.id))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("the committed configuration does not match what was loaded: %s", strings.Join(problems, "; "))
	}
	return nil
}

func sortedTids[V any](m map[tid]V) []tid {
	out := make([]tid, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].typ != out[j].typ {
			return out[i].typ < out[j].typ
		}
		return out[i].id < out[j].id
	})
	return out
}
