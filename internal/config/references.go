package config

import (
	"fmt"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
)

// RefKind says what a reference points at.
type RefKind string

// Reference kinds.
const (
	RefVar      RefKind = "var"      // var.NAME
	RefLocal    RefKind = "local"    // local.NAME
	RefResource RefKind = "resource" // TYPE.NAME
	RefData     RefKind = "data"     // data.TYPE.NAME
	RefModule   RefKind = "module"   // module.NAME
	RefCount    RefKind = "count"    // count.index
	RefEach     RefKind = "each"     // each.key, each.value
	RefSelf     RefKind = "self"     // self
	// RefType is a bare TYPE: the map of every instance of that type. Whether the name is a
	// resource type is for the engine to decide.
	RefType RefKind = "type"
)

// Reference is one reference found in an expression.
type Reference struct {
	Kind RefKind
	// Subject names what is referred to: "var.x", "local.y", "vsphere_host.h", "data.T.N",
	// "module.m", "count.index", "each.key", "each.value", "self", or a bare TYPE.
	Subject   string
	Traversal hcl.Traversal // the whole traversal as written
	Remaining hcl.Traversal // the steps after the subject: .id, [0].name
	Range     hcl.Range     // of the whole traversal
}

// ParseRef interprets one absolute traversal.
func ParseRef(tr hcl.Traversal) (*Reference, hcl.Diagnostics) {
	root := tr.RootName()
	ref := &Reference{Traversal: tr, Range: tr.SourceRange()}
	attr := func(i int) (string, bool) {
		if len(tr) <= i {
			return "", false
		}
		a, ok := tr[i].(hcl.TraverseAttr)
		return a.Name, ok
	}
	invalid := func(detail string) (*Reference, hcl.Diagnostics) {
		return nil, hcl.Diagnostics{{
			Severity: hcl.DiagError,
			Summary:  "Invalid reference",
			Detail:   detail,
			Subject:  ref.Range.Ptr(),
		}}
	}
	switch root {
	case "var", "local", "module":
		name, ok := attr(1)
		if !ok {
			return invalid(fmt.Sprintf("A reference to %s needs a name: %s.NAME.", root, root))
		}
		ref.Kind, ref.Subject, ref.Remaining = RefKind(root), root+"."+name, tr[2:]
	case "data":
		typ, ok1 := attr(1)
		name, ok2 := attr(2)
		if !ok1 || !ok2 {
			return invalid("A data source reference is data.TYPE.NAME.")
		}
		ref.Kind, ref.Subject, ref.Remaining = RefData, "data."+typ+"."+name, tr[3:]
	case "count":
		if name, ok := attr(1); !ok || name != "index" {
			return invalid("The only attribute of count is count.index.")
		}
		ref.Kind, ref.Subject, ref.Remaining = RefCount, "count.index", tr[2:]
	case "each":
		name, ok := attr(1)
		if !ok || (name != "key" && name != "value") {
			return invalid("The attributes of each are each.key and each.value.")
		}
		ref.Kind, ref.Subject, ref.Remaining = RefEach, "each."+name, tr[2:]
	case "self":
		ref.Kind, ref.Subject, ref.Remaining = RefSelf, "self", tr[1:]
	default:
		if name, ok := attr(1); ok {
			ref.Kind, ref.Subject, ref.Remaining = RefResource, root+"."+name, tr[2:]
		} else {
			ref.Kind, ref.Subject, ref.Remaining = RefType, root, tr[1:]
		}
	}
	return ref, nil
}

// References interprets traversals, reporting the malformed ones.
func References(traversals []hcl.Traversal) ([]Reference, hcl.Diagnostics) {
	var diags hcl.Diagnostics
	out := make([]Reference, 0, len(traversals))
	for _, tr := range traversals {
		ref, d := ParseRef(tr)
		diags = append(diags, d...)
		if ref != nil {
			out = append(out, *ref)
		}
	}
	return out, diags
}

// ReferencesIn returns the well-formed references of expr (nil expr: none). Names bound by for
// expressions inside it are not references.
func ReferencesIn(expr hcl.Expression) []Reference {
	if expr == nil {
		return nil
	}
	refs, _ := References(expr.Variables())
	return refs
}

// ReferencesInBody returns the well-formed references of every argument of body and of its
// nested blocks, dynamic blocks included (their iterator is not a reference).
func ReferencesInBody(body hcl.Body) []Reference {
	refs, _ := References(TraversalsInBody(body))
	return refs
}

// TraversalsInBody returns every variable traversal of body and its nested blocks, in source
// order, without the iterator variables of dynamic blocks.
func TraversalsInBody(body hcl.Body) []hcl.Traversal {
	sb, ok := body.(*hclsyntax.Body)
	if !ok {
		attrs, _ := body.JustAttributes()
		var out []hcl.Traversal
		for _, a := range sortedAttributes(attrs) {
			out = append(out, a.Expr.Variables()...)
		}
		return out
	}
	var out []hcl.Traversal
	walkBody(sb, nil, &out)
	return out
}

func walkBody(b *hclsyntax.Body, iterators []string, out *[]hcl.Traversal) {
	attrs := make(hcl.Attributes, len(b.Attributes))
	for n, a := range b.Attributes {
		attrs[n] = a.AsHCLAttribute()
	}
	for _, a := range sortedAttributes(attrs) {
		addTraversals(a.Expr, iterators, out)
	}
	for _, blk := range b.Blocks {
		if blk.Type != "dynamic" || len(blk.Labels) != 1 {
			walkBody(blk.Body, iterators, out)
			continue
		}
		// dynamic "NAME" { for_each = ..., iterator = IT, labels = [...], content { ... } }
		it := blk.Labels[0]
		if a, ok := blk.Body.Attributes["iterator"]; ok {
			if kw := hcl.ExprAsKeyword(a.Expr); kw != "" {
				it = kw
			}
		}
		if a, ok := blk.Body.Attributes["for_each"]; ok {
			addTraversals(a.Expr, iterators, out)
		}
		inner := append(append([]string(nil), iterators...), it)
		if a, ok := blk.Body.Attributes["labels"]; ok {
			addTraversals(a.Expr, inner, out)
		}
		for _, c := range blk.Body.Blocks {
			if c.Type == "content" {
				walkBody(c.Body, inner, out)
			}
		}
	}
}

func addTraversals(expr hcl.Expression, iterators []string, out *[]hcl.Traversal) {
	for _, tr := range expr.Variables() {
		skip := false
		for _, it := range iterators {
			if tr.RootName() == it {
				skip = true
				break
			}
		}
		if !skip {
			*out = append(*out, tr)
		}
	}
}
