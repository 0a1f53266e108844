package config

import (
	"errors"
	"fmt"
	"math/big"
	"net/netip"
	"os"
	"path"
	"path/filepath"
	"strings"
	"unicode/utf8"

	"github.com/hashicorp/hcl/v2/ext/tryfunc"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/convert"
	"github.com/zclconf/go-cty/cty/function"
	"github.com/zclconf/go-cty/cty/function/stdlib"
)

// Functions is the function table for expressions of the module in baseDir (a slash dir
// relative to the enclave dir, Config.Dir): go-cty's standard library under the names
// Terraform users know, hcl's try and can, and the functions the language adds (file, env,
// cidrhost, cidrsubnet, cidrnetmask, and a few Terraform has that go-cty lacks). file() reads
// through the Source, relative to baseDir, and records what it read in Files; env() records
// in Env. The table is safe for concurrent use.
func (l *Loader) Functions(baseDir string) map[string]function.Function {
	baseDir = cleanPath(baseDir)
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := l.funcs[baseDir]; ok {
		return f
	}
	f := map[string]function.Function{
		// collections
		"alltrue":         allTrueFunc,
		"anytrue":         anyTrueFunc,
		"chunklist":       stdlib.ChunklistFunc,
		"coalesce":        stdlib.CoalesceFunc,
		"coalescelist":    stdlib.CoalesceListFunc,
		"compact":         stdlib.CompactFunc,
		"concat":          stdlib.ConcatFunc,
		"contains":        stdlib.ContainsFunc,
		"distinct":        stdlib.DistinctFunc,
		"element":         stdlib.ElementFunc,
		"flatten":         stdlib.FlattenFunc,
		"index":           indexFunc,
		"keys":            stdlib.KeysFunc,
		"length":          lengthFunc,
		"lookup":          stdlib.LookupFunc,
		"merge":           stdlib.MergeFunc,
		"one":             oneFunc,
		"range":           stdlib.RangeFunc,
		"reverse":         stdlib.ReverseListFunc,
		"setintersection": stdlib.SetIntersectionFunc,
		"setproduct":      stdlib.SetProductFunc,
		"setsubtract":     stdlib.SetSubtractFunc,
		"setunion":        stdlib.SetUnionFunc,
		"slice":           stdlib.SliceFunc,
		"sort":            stdlib.SortFunc,
		"sum":             sumFunc,
		"values":          stdlib.ValuesFunc,
		"zipmap":          stdlib.ZipmapFunc,
		// numbers
		"abs":      stdlib.AbsoluteFunc,
		"ceil":     stdlib.CeilFunc,
		"floor":    stdlib.FloorFunc,
		"log":      stdlib.LogFunc,
		"max":      stdlib.MaxFunc,
		"min":      stdlib.MinFunc,
		"parseint": stdlib.ParseIntFunc,
		"pow":      stdlib.PowFunc,
		"signum":   stdlib.SignumFunc,
		// strings
		"chomp":      stdlib.ChompFunc,
		"endswith":   endsWithFunc,
		"format":     stdlib.FormatFunc,
		"formatlist": stdlib.FormatListFunc,
		"indent":     stdlib.IndentFunc,
		"join":       stdlib.JoinFunc,
		"lower":      stdlib.LowerFunc,
		"regex":      stdlib.RegexFunc,
		"regexall":   stdlib.RegexAllFunc,
		"replace":    replaceFunc,
		"split":      stdlib.SplitFunc,
		"startswith": startsWithFunc,
		"strrev":     stdlib.ReverseFunc,
		"substr":     stdlib.SubstrFunc,
		"title":      stdlib.TitleFunc,
		"trim":       stdlib.TrimFunc,
		"trimprefix": stdlib.TrimPrefixFunc,
		"trimspace":  stdlib.TrimSpaceFunc,
		"trimsuffix": stdlib.TrimSuffixFunc,
		"upper":      stdlib.UpperFunc,
		// encoding and time
		"csvdecode":  stdlib.CSVDecodeFunc,
		"formatdate": stdlib.FormatDateFunc,
		"jsondecode": stdlib.JSONDecodeFunc,
		"jsonencode": stdlib.JSONEncodeFunc,
		"timeadd":    stdlib.TimeAddFunc,
		// types
		"can":      tryfunc.CanFunc,
		"tobool":   stdlib.MakeToFunc(cty.Bool),
		"tolist":   stdlib.MakeToFunc(cty.List(cty.DynamicPseudoType)),
		"tomap":    stdlib.MakeToFunc(cty.Map(cty.DynamicPseudoType)),
		"tonumber": stdlib.MakeToFunc(cty.Number),
		"toset":    stdlib.MakeToFunc(cty.Set(cty.DynamicPseudoType)),
		"tostring": stdlib.MakeToFunc(cty.String),
		"try":      tryfunc.TryFunc,
		// the enclave's own
		"cidrhost":    cidrHostFunc,
		"cidrnetmask": cidrNetmaskFunc,
		"cidrsubnet":  cidrSubnetFunc,
		"env":         l.envFunc(),
		"file":        l.fileFunc(baseDir),
	}
	if l.funcs == nil {
		l.funcs = map[string]map[string]function.Function{}
	}
	l.funcs[baseDir] = f
	return f
}

// fileFunc reads a file relative to the module's dir, through the Source, so a saved plan's
// snapshot serves the same bytes at apply.
func (l *Loader) fileFunc(baseDir string) function.Function {
	return function.New(&function.Spec{
		Description: "Reads a file, relative to the module's directory, as UTF-8 text.",
		Params:      []function.Parameter{{Name: "path", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			p := args[0].AsString()
			if !path.IsAbs(p) && !filepath.IsAbs(p) {
				p = path.Join(baseDir, filepath.ToSlash(p))
			}
			b, err := l.readFile(p)
			var ph *PlaceholderError
			if errors.As(err, &ph) {
				return l.Pinned.Placeholder(), nil
			}
			if err != nil {
				return cty.NilVal, function.NewArgErrorf(0, "cannot read %s: %s", p, err)
			}
			if !utf8.Valid(b) {
				return cty.NilVal, function.NewArgErrorf(0, "%s is not valid UTF-8 text", p)
			}
			return cty.StringVal(string(b)), nil
		},
	})
}

// envFunc reads an environment variable. A value already in Env (a saved plan's, at apply)
// wins over the process environment, so apply evaluates what plan evaluated. An unset
// variable is an error: an empty URL or password fails later and further from the cause;
// try(env("X"), "default") makes one optional.
func (l *Loader) envFunc() function.Function {
	return function.New(&function.Spec{
		Description: "Returns the value of an environment variable; an error when it is not set.",
		Params:      []function.Parameter{{Name: "name", Type: cty.String}},
		Type:        function.StaticReturnType(cty.String),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			name := args[0].AsString()
			l.mu.Lock()
			defer l.mu.Unlock()
			if v, ok := l.Env[name]; ok {
				return cty.StringVal(v), nil
			}
			var hash string
			if l.Pinned != nil {
				// Apply of a saved plan: only what the plan read, and only as it was. The error
				// never shows the value: env() is where credentials come from.
				h, recorded := l.Pinned.Env[name]
				if !recorded {
					return cty.NilVal, function.NewArgErrorf(0, "env(%q) was not read when the plan was made, so the plan cannot use it", name)
				}
				if l.Pinned.Placeholder != nil {
					return l.Pinned.Placeholder(), nil
				}
				hash = h
			}
			v, ok := os.LookupEnv(name)
			if !ok {
				return cty.NilVal, function.NewArgErrorf(0, "environment variable %s is not set", name)
			}
			if l.Pinned != nil && !l.Pinned.Match(hash, v) {
				return cty.NilVal, function.NewArgErrorf(0, "environment variable %s is not what it was when the plan was made", name)
			}
			if l.Env == nil {
				l.Env = map[string]string{}
			}
			l.Env[name] = v
			return cty.StringVal(v), nil
		},
	})
}

// The cidr functions are Terraform's; go-cty's stdlib has no network functions, so they are
// written here on net/netip, with math/big for IPv6 arithmetic.

var cidrHostFunc = function.New(&function.Spec{
	Description: "Returns the address of host number hostnum in prefix; a negative hostnum counts back from the end.",
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String},
		{Name: "hostnum", Type: cty.Number},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parsePrefix(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		num, err := wholeNumber(args[1])
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		hostBits := p.Addr().BitLen() - p.Bits()
		size := new(big.Int).Lsh(big.NewInt(1), uint(hostBits))
		if num.Sign() < 0 {
			num.Add(num, size)
		}
		if num.Sign() < 0 || num.Cmp(size) >= 0 {
			return cty.NilVal, function.NewArgErrorf(1, "prefix %s has %s host numbers; %s is out of range", p, size, args[1].AsBigFloat().Text('f', -1))
		}
		return cty.StringVal(addFromInt(p.Addr(), num).String()), nil
	},
})

var cidrSubnetFunc = function.New(&function.Spec{
	Description: "Returns subnet number netnum of prefix, newbits longer than it.",
	Params: []function.Parameter{
		{Name: "prefix", Type: cty.String},
		{Name: "newbits", Type: cty.Number},
		{Name: "netnum", Type: cty.Number},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parsePrefix(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		newBits, err := wholeNumber(args[1])
		if err != nil {
			return cty.NilVal, function.NewArgError(1, err)
		}
		bitLen := p.Addr().BitLen()
		if newBits.Sign() < 0 || !newBits.IsInt64() || int64(p.Bits())+newBits.Int64() > int64(bitLen) {
			return cty.NilVal, function.NewArgErrorf(1, "cannot extend the %d-bit prefix %s by %s bits: an address has %d", p.Bits(), p, newBits, bitLen)
		}
		newLen := p.Bits() + int(newBits.Int64())
		num, err := wholeNumber(args[2])
		if err != nil {
			return cty.NilVal, function.NewArgError(2, err)
		}
		count := new(big.Int).Lsh(big.NewInt(1), uint(newBits.Int64()))
		if num.Sign() < 0 || num.Cmp(count) >= 0 {
			return cty.NilVal, function.NewArgErrorf(2, "%s bits give %s subnets of %s; netnum %s is out of range", newBits, count, p, num)
		}
		offset := new(big.Int).Lsh(num, uint(bitLen-newLen))
		return cty.StringVal(netip.PrefixFrom(addFromInt(p.Addr(), offset), newLen).String()), nil
	},
})

var cidrNetmaskFunc = function.New(&function.Spec{
	Description: "Returns the dotted-quad netmask of an IPv4 prefix.",
	Params:      []function.Parameter{{Name: "prefix", Type: cty.String}},
	Type:        function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		p, err := parsePrefix(args[0].AsString())
		if err != nil {
			return cty.NilVal, function.NewArgError(0, err)
		}
		if !p.Addr().Is4() {
			return cty.NilVal, function.NewArgErrorf(0, "%s is not an IPv4 prefix: IPv6 has no netmask notation", p)
		}
		mask := uint32(0xffffffff) << (32 - p.Bits()) // a shift by 32 gives 0 for /0
		return cty.StringVal(netip.AddrFrom4([4]byte{byte(mask >> 24), byte(mask >> 16), byte(mask >> 8), byte(mask)}).String()), nil
	},
})

// parsePrefix parses CIDR notation and drops host bits, as Terraform does with "10.1.2.3/16".
func parsePrefix(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR prefix %q: %s", s, strings.TrimPrefix(err.Error(), "netip.ParsePrefix("+fmt.Sprintf("%q", s)+"): "))
	}
	return p.Masked(), nil
}

func wholeNumber(v cty.Value) (*big.Int, error) {
	f := v.AsBigFloat()
	if !f.IsInt() {
		return nil, fmt.Errorf("%s is not a whole number", f.Text('f', -1))
	}
	n, _ := f.Int(nil)
	return n, nil
}

// addFromInt returns base plus n, in base's address family.
func addFromInt(base netip.Addr, n *big.Int) netip.Addr {
	sum := new(big.Int).SetBytes(base.AsSlice())
	sum.Add(sum, n)
	buf := make([]byte, base.BitLen()/8)
	sum.FillBytes(buf)
	a, _ := netip.AddrFromSlice(buf)
	return a
}

// The functions below are Terraform's, missing from go-cty's stdlib.

// lengthFunc extends go-cty's length, which takes collections only, to strings and objects,
// as Terraform users expect length("abc") and length({a = 1}) to work.
var lengthFunc = function.New(&function.Spec{
	Description: "Returns the number of elements of a collection or characters of a string.",
	Params: []function.Parameter{{
		Name: "value", Type: cty.DynamicPseudoType, AllowDynamicType: true, AllowUnknown: true, AllowMarked: true,
	}},
	Type: func(args []cty.Value) (cty.Type, error) {
		if ty := args[0].Type(); ty == cty.String || ty.IsObjectType() {
			return cty.Number, nil
		}
		return stdlib.LengthFunc.ReturnTypeForValues(args)
	},
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		switch ty := args[0].Type(); {
		case ty == cty.String:
			return stdlib.StrlenFunc.Call(args)
		case ty.IsObjectType():
			// an object's length is in its type, known even when its value is not
			return cty.NumberIntVal(int64(len(ty.AttributeTypes()))).WithMarks(args[0].Marks()), nil
		}
		return stdlib.LengthFunc.Call(args)
	},
})

// indexFunc is Terraform's index(list, value): the position of value in list.
var indexFunc = function.New(&function.Spec{
	Description: "Returns the index of the first element of list equal to value.",
	Params: []function.Parameter{
		{Name: "list", Type: cty.DynamicPseudoType},
		{Name: "value", Type: cty.DynamicPseudoType},
	},
	Type: function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list := args[0]
		if !list.Type().IsListType() && !list.Type().IsTupleType() {
			return cty.NilVal, function.NewArgErrorf(0, "argument must be a list or tuple")
		}
		if !list.IsKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		for it := list.ElementIterator(); it.Next(); {
			i, v := it.Element()
			eq, err := stdlib.Equal(v, args[1])
			if err != nil {
				return cty.NilVal, err
			}
			if !eq.IsKnown() {
				return cty.UnknownVal(cty.Number), nil
			}
			if eq.True() {
				return i, nil
			}
		}
		return cty.NilVal, function.NewArgErrorf(1, "item not found")
	},
})

var sumFunc = function.New(&function.Spec{
	Description: "Returns the total of a list or set of numbers.",
	Params:      []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type:        function.StaticReturnType(cty.Number),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		list, err := convert.Convert(args[0], cty.List(cty.Number))
		if err != nil {
			return cty.NilVal, function.NewArgErrorf(0, "sum takes a list or set of numbers: %s", err)
		}
		if !list.IsWhollyKnown() {
			return cty.UnknownVal(cty.Number), nil
		}
		if list.LengthInt() == 0 {
			return cty.NilVal, function.NewArgErrorf(0, "cannot sum an empty list")
		}
		total := cty.Zero
		for it := list.ElementIterator(); it.Next(); {
			_, v := it.Element()
			if v.IsNull() {
				return cty.NilVal, function.NewArgErrorf(0, "cannot sum a null element")
			}
			total = total.Add(v)
		}
		return total, nil
	},
})

// oneFunc returns the only element of a collection of zero or one elements, or null.
var oneFunc = function.New(&function.Spec{
	Description: "Returns the only element of a list, set or tuple with at most one element; null when empty.",
	Params:      []function.Parameter{{Name: "list", Type: cty.DynamicPseudoType}},
	Type: func(args []cty.Value) (cty.Type, error) {
		ty := args[0].Type()
		switch {
		case ty.IsListType() || ty.IsSetType():
			return ty.ElementType(), nil
		case ty.IsTupleType():
			switch len(ty.TupleElementTypes()) {
			case 0:
				return cty.DynamicPseudoType, nil
			case 1:
				return ty.TupleElementTypes()[0], nil
			}
			return cty.NilType, function.NewArgErrorf(0, "must have no more than one element")
		}
		return cty.NilType, function.NewArgErrorf(0, "must be a list, set or tuple")
	},
	Impl: func(args []cty.Value, ret cty.Type) (cty.Value, error) {
		v := args[0]
		if !v.IsKnown() {
			return cty.UnknownVal(ret), nil
		}
		switch v.LengthInt() {
		case 0:
			return cty.NullVal(ret), nil
		case 1:
			it := v.ElementIterator()
			it.Next()
			_, e := it.Element()
			return e, nil
		}
		return cty.NilVal, function.NewArgErrorf(0, "must have no more than one element, has %d", v.LengthInt())
	},
})

func boolReduce(desc string, all bool) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params:      []function.Parameter{{Name: "list", Type: cty.List(cty.Bool)}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			if !args[0].IsWhollyKnown() {
				return cty.UnknownVal(cty.Bool), nil
			}
			for it := args[0].ElementIterator(); it.Next(); {
				_, v := it.Element()
				t := !v.IsNull() && v.True()
				if all && !t {
					return cty.False, nil
				}
				if !all && t {
					return cty.True, nil
				}
			}
			return cty.BoolVal(all), nil
		},
	})
}

var (
	allTrueFunc = boolReduce("True when every element is true (and for an empty list).", true)
	anyTrueFunc = boolReduce("True when at least one element is true.", false)
)

func affixFunc(desc string, test func(s, affix string) bool) function.Function {
	return function.New(&function.Spec{
		Description: desc,
		Params:      []function.Parameter{{Name: "str", Type: cty.String}, {Name: "affix", Type: cty.String}},
		Type:        function.StaticReturnType(cty.Bool),
		Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
			return cty.BoolVal(test(args[0].AsString(), args[1].AsString())), nil
		},
	})
}

var (
	startsWithFunc = affixFunc("True when str starts with the prefix.", strings.HasPrefix)
	endsWithFunc   = affixFunc("True when str ends with the suffix.", strings.HasSuffix)
)

// replaceFunc is Terraform's replace: a substring wrapped in slashes is a regular expression.
var replaceFunc = function.New(&function.Spec{
	Description: "Replaces every occurrence of substr in str; a substr written /like this/ is a regular expression.",
	Params: []function.Parameter{
		{Name: "str", Type: cty.String}, {Name: "substr", Type: cty.String}, {Name: "replace", Type: cty.String},
	},
	Type: function.StaticReturnType(cty.String),
	Impl: func(args []cty.Value, _ cty.Type) (cty.Value, error) {
		sub := args[1].AsString()
		if len(sub) > 1 && strings.HasPrefix(sub, "/") && strings.HasSuffix(sub, "/") {
			return stdlib.RegexReplace(args[0], cty.StringVal(sub[1:len(sub)-1]), args[2])
		}
		return stdlib.Replace(args[0], args[1], args[2])
	},
})
