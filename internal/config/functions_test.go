package config

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/zclconf/go-cty/cty"
)

func eval(t *testing.T, l *Loader, baseDir, src string) (cty.Value, hcl.Diagnostics) {
	t.Helper()
	expr, diags := hclsyntax.ParseExpression([]byte(src), "test.hcl", hcl.InitialPos)
	require.Empty(t, diags, src)
	return expr.Value(&hcl.EvalContext{
		Functions: l.Functions(baseDir),
		Variables: map[string]cty.Value{
			"unknown":   cty.UnknownVal(cty.Number),
			"sensitive": cty.ObjectVal(map[string]cty.Value{"a": cty.StringVal("x")}).Mark("sensitive"),
		},
	})
}

// TestFunctions evaluates the function table: the cidr functions, the Terraform functions
// go-cty lacks, and a sample of go-cty's own under the names users know.
func TestFunctions(t *testing.T) {
	for _, tc := range []struct {
		expr string
		want cty.Value
		err  string
	}{
		{expr: `cidrhost("10.12.112.0/20", 16)`, want: cty.StringVal("10.12.112.16")},
		{expr: `cidrhost("10.12.112.0/20", 268)`, want: cty.StringVal("10.12.113.12")},
		{expr: `cidrhost("10.12.112.0/20", -1)`, want: cty.StringVal("10.12.127.255")},
		{expr: `cidrhost("10.12.112.9/20", 1)`, want: cty.StringVal("10.12.112.1")},
		{expr: `cidrhost("fd00:fd12:3456:7890:00a2::/72", 34)`, want: cty.StringVal("fd00:fd12:3456:7890::22")},
		{expr: `cidrhost("10.0.0.0/30", 4)`, err: "prefix 10.0.0.0/30 has 4 host numbers; 4 is out of range"},
		{expr: `cidrhost("10.0.0.0/30", -5)`, err: "out of range"},
		{expr: `cidrhost("10.0.0.0/33", 1)`, err: `invalid CIDR prefix "10.0.0.0/33"`},
		{expr: `cidrhost("10.0.0.0", 1)`, err: "invalid CIDR prefix"},
		{expr: `cidrhost("10.0.0.0/24", 1.5)`, err: "1.5 is not a whole number"},
		{expr: `cidrhost("10.0.0.0/24", unknown)`, want: cty.UnknownVal(cty.String)},
		{expr: `cidrsubnet("172.16.0.0/12", 4, 2)`, want: cty.StringVal("172.18.0.0/16")},
		{expr: `cidrsubnet("10.1.2.0/24", 4, 15)`, want: cty.StringVal("10.1.2.240/28")},
		{expr: `cidrsubnet("10.1.2.0/24", 0, 0)`, want: cty.StringVal("10.1.2.0/24")},
		{expr: `cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)`, want: cty.StringVal("fd00:fd12:3456:7800:a200::/72")},
		{expr: `cidrsubnet("10.0.0.0/24", 9, 0)`, err: "cannot extend the 24-bit prefix 10.0.0.0/24 by 9 bits"},
		{expr: `cidrsubnet("10.0.0.0/24", -1, 0)`, err: "cannot extend"},
		{expr: `cidrsubnet("10.0.0.0/24", 2, 4)`, err: "netnum 4 is out of range"},
		{expr: `cidrsubnet("10.0.0.0/24", 2, -1)`, err: "out of range"},
		{expr: `cidrnetmask("172.16.0.0/12")`, want: cty.StringVal("255.240.0.0")},
		{expr: `cidrnetmask("10.0.0.0/24")`, want: cty.StringVal("255.255.255.0")},
		{expr: `cidrnetmask("0.0.0.0/0")`, want: cty.StringVal("0.0.0.0")},
		{expr: `cidrnetmask("10.0.0.1/32")`, want: cty.StringVal("255.255.255.255")},
		{expr: `cidrnetmask("fd00::/64")`, err: "not an IPv4 prefix"},

		{expr: `length("héllo")`, want: cty.NumberIntVal(5)},
		{expr: `length([1, 2])`, want: cty.NumberIntVal(2)},
		{expr: `length({a = 1})`, want: cty.NumberIntVal(1)},
		{expr: `length(1)`, err: "collection must be a list, a map or a tuple"},
		{expr: `index(["a", "b"], "b")`, want: cty.NumberIntVal(1)},
		{expr: `index(["a", "b"], "c")`, err: "item not found"},
		{expr: `index("ab", "a")`, err: "must be a list or tuple"},
		{expr: `sum([1, 2, 3.5])`, want: cty.NumberFloatVal(6.5)},
		{expr: `sum(toset([1, 2]))`, want: cty.NumberIntVal(3)},
		{expr: `sum([])`, err: "cannot sum an empty list"},
		{expr: `sum(["a"])`, err: "sum takes a list or set of numbers"},
		{expr: `sum([1, unknown])`, want: cty.UnknownVal(cty.Number)},
		{expr: `one([])`, want: cty.NullVal(cty.DynamicPseudoType)},
		{expr: `one(["x"])`, want: cty.StringVal("x")},
		{expr: `one(tolist(["x"]))`, want: cty.StringVal("x")},
		{expr: `one([1, 2])`, err: "must have no more than one element"},
		{expr: `one(tolist([1, 2]))`, err: "must have no more than one element, has 2"},
		{expr: `alltrue([true, true])`, want: cty.True},
		{expr: `alltrue([true, false])`, want: cty.False},
		{expr: `alltrue([])`, want: cty.True},
		{expr: `anytrue([false, true])`, want: cty.True},
		{expr: `anytrue([])`, want: cty.False},
		{expr: `startswith("ge-0/0/0", "ge-")`, want: cty.True},
		{expr: `endswith("ge-0/0/0", "/1")`, want: cty.False},
		{expr: `replace("a-b-c", "-", "_")`, want: cty.StringVal("a_b_c")},
		{expr: `replace("ge-0/0/1", "/[0-9]+$/", "9")`, want: cty.StringVal("ge-0/0/9")},
		{expr: `try(tonumber("x"), 5)`, want: cty.NumberIntVal(5)},
		{expr: `try(local.missing, "fallback")`, want: cty.StringVal("fallback")},
		{expr: `can(tonumber("x"))`, want: cty.False},
		{expr: `can(tonumber("1"))`, want: cty.True},
		{expr: `tostring(5)`, want: cty.StringVal("5")},
		{expr: `tobool("true")`, want: cty.True},
		{expr: `tolist(["a", "b"])`, want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{expr: `toset(["a", "a"])`, want: cty.SetVal([]cty.Value{cty.StringVal("a")})},
		{expr: `tomap({a = "x"})`, want: cty.MapVal(map[string]cty.Value{"a": cty.StringVal("x")})},
		{expr: `jsonencode({a = 1})`, want: cty.StringVal(`{"a":1}`)},
		{expr: `jsondecode("[1]")`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(1)})},
		{expr: `format("%s-%02d", "esx", 3)`, want: cty.StringVal("esx-03")},
		{expr: `formatlist("esx%d", [1, 2])`, want: cty.ListVal([]cty.Value{cty.StringVal("esx1"), cty.StringVal("esx2")})},
		{expr: `join(",", split("/", "a/b"))`, want: cty.StringVal("a,b")},
		{expr: `upper(lower("AbC"))`, want: cty.StringVal("ABC")},
		{expr: `regex("ge-(\\d+)", "ge-7")`, want: cty.TupleVal([]cty.Value{cty.StringVal("7")})},
		{expr: `length(regexall("\\d", "a1b2"))`, want: cty.NumberIntVal(2)},
		{expr: `substr("reth0", 0, 4)`, want: cty.StringVal("reth")},
		{expr: `trimspace("  x ")`, want: cty.StringVal("x")},
		{expr: `trimprefix(trimsuffix("[x]", "]"), "[")`, want: cty.StringVal("x")},
		{expr: `trim("--x--", "-")`, want: cty.StringVal("x")},
		{expr: `coalesce(null, "b")`, want: cty.StringVal("b")},
		{expr: `length(sensitive)`, want: cty.NumberIntVal(1).Mark("sensitive")},
		{expr: `length("x${unknown}")`, want: cty.UnknownVal(cty.Number)},
		{expr: `coalescelist([], ["b"])`, want: cty.TupleVal([]cty.Value{cty.StringVal("b")})},
		{expr: `compact(["a", "", "b"])`, want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{expr: `keys({b = 1, a = 2})`, want: cty.TupleVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{expr: `values({b = 1, a = 2})`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(2), cty.NumberIntVal(1)})},
		{expr: `lookup({a = "x"}, "b", "d")`, want: cty.StringVal("d")},
		{expr: `merge({a = 1}, {b = 2})`, want: cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1), "b": cty.NumberIntVal(2)})},
		{expr: `concat([1], [2])`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2)})},
		{expr: `flatten([[1], [2, [3]]])`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(1), cty.NumberIntVal(2), cty.NumberIntVal(3)})},
		{expr: `distinct(["a", "a"])`, want: cty.ListVal([]cty.Value{cty.StringVal("a")})},
		{expr: `range(3)`, want: cty.ListVal([]cty.Value{cty.NumberIntVal(0), cty.NumberIntVal(1), cty.NumberIntVal(2)})},
		{expr: `reverse([1, 2])`, want: cty.TupleVal([]cty.Value{cty.NumberIntVal(2), cty.NumberIntVal(1)})},
		{expr: `slice(["a", "b", "c"], 1, 2)`, want: cty.TupleVal([]cty.Value{cty.StringVal("b")})},
		{expr: `sort(["b", "a"])`, want: cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{expr: `min(3, 1) + max(2, 4) + abs(-1) + ceil(1.2) + floor(1.8)`, want: cty.NumberIntVal(9)},
		{expr: `contains(["a"], "a")`, want: cty.True},
		{expr: `element(["a", "b"], 3)`, want: cty.StringVal("b")},
		{expr: `chunklist(["a", "b", "c"], 2)`, want: cty.ListVal([]cty.Value{cty.ListVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")}), cty.ListVal([]cty.Value{cty.StringVal("c")})})},
		{expr: `setunion(["a"], ["b"])`, want: cty.SetVal([]cty.Value{cty.StringVal("a"), cty.StringVal("b")})},
		{expr: `setintersection(["a", "b"], ["b"])`, want: cty.SetVal([]cty.Value{cty.StringVal("b")})},
		{expr: `length(setproduct(["a", "b"], [1, 2]))`, want: cty.NumberIntVal(4)},
		{expr: `zipmap(["a"], [1])`, want: cty.ObjectVal(map[string]cty.Value{"a": cty.NumberIntVal(1)})},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, diags := eval(t, NewLoader(SnapshotSource(nil)), ".", tc.expr)
			if tc.err != "" {
				require.True(t, diags.HasErrors(), "got %#v", got)
				assert.Contains(t, diags.Error(), tc.err)
				return
			}
			require.Empty(t, diags)
			if !tc.want.IsKnown() {
				// refinements vary by function; unknown of the right type is what matters
				assert.False(t, got.IsKnown(), "got %#v", got)
				assert.Equal(t, tc.want.Type(), got.Type())
				return
			}
			assert.True(t, tc.want.RawEquals(got), "want %#v\n got %#v", tc.want, got)
		})
	}
}

// TestFunctionNames: every function the language promises is in the table.
func TestFunctionNames(t *testing.T) {
	funcs := NewLoader(SnapshotSource(nil)).Functions(".")
	for _, n := range []string{
		"length", "keys", "values", "lookup", "concat", "contains", "distinct", "element",
		"flatten", "merge", "range", "reverse", "slice", "sort", "sum", "min", "max", "abs",
		"ceil", "floor", "format", "formatlist", "join", "split", "lower", "upper", "replace",
		"regex", "regexall", "substr", "trim", "trimspace", "trimprefix", "trimsuffix",
		"startswith", "endswith", "coalesce", "coalescelist", "compact", "chunklist",
		"setunion", "setintersection", "setproduct", "zipmap", "jsonencode", "jsondecode",
		"tostring", "tonumber", "tobool", "tolist", "toset", "tomap", "try", "can", "index",
		"one", "alltrue", "anytrue", "file", "env", "cidrhost", "cidrsubnet", "cidrnetmask",
	} {
		assert.Contains(t, funcs, n)
	}
}

func TestFileFunction(t *testing.T) {
	src := SnapshotSource(map[string]string{
		"keys/a.pub":             "ssh-ed25519 AAAA a\n",
		"modules/m/motd.txt":     "welcome",
		"modules/shared/x.txt":   "shared",
		"modules/m/bin/blob.bin": "\xff\xfe",
	})
	l := NewLoader(src)
	for _, tc := range []struct {
		dir, expr, want, err, recorded string
	}{
		{dir: ".", expr: `file("keys/a.pub")`, want: "ssh-ed25519 AAAA a\n", recorded: "keys/a.pub"},
		{dir: "modules/m", expr: `file("motd.txt")`, want: "welcome", recorded: "modules/m/motd.txt"},
		{dir: "modules/m", expr: `file("../shared/x.txt")`, want: "shared", recorded: "modules/shared/x.txt"},
		{dir: "modules/m", expr: `file("nope.txt")`, err: "cannot read modules/m/nope.txt"},
		{dir: "modules/m", expr: `file("bin/blob.bin")`, err: "modules/m/bin/blob.bin is not valid UTF-8 text"},
	} {
		t.Run(tc.expr, func(t *testing.T) {
			got, diags := eval(t, l, tc.dir, tc.expr)
			if tc.err != "" {
				assert.Contains(t, diags.Error(), tc.err)
				return
			}
			require.Empty(t, diags)
			assert.Equal(t, tc.want, got.AsString())
			assert.Equal(t, tc.want, l.Files[tc.recorded])
		})
	}
	assert.NotContains(t, l.Files, "modules/m/nope.txt")
}

func TestEnvFunction(t *testing.T) {
	t.Setenv("ENCLAVE_CONFIG_TEST_URL", "postgres://db/enclave")
	l := NewLoader(SnapshotSource(nil))

	got, diags := eval(t, l, ".", `env("ENCLAVE_CONFIG_TEST_URL")`)
	require.Empty(t, diags)
	assert.Equal(t, "postgres://db/enclave", got.AsString())
	assert.Equal(t, map[string]string{"ENCLAVE_CONFIG_TEST_URL": "postgres://db/enclave"}, l.Env)

	_, diags = eval(t, l, ".", `env("ENCLAVE_CONFIG_TEST_UNSET")`)
	assert.Contains(t, diags.Error(), "environment variable ENCLAVE_CONFIG_TEST_UNSET is not set")
	got, diags = eval(t, l, ".", `try(env("ENCLAVE_CONFIG_TEST_UNSET"), "default")`)
	require.Empty(t, diags)
	assert.Equal(t, "default", got.AsString())
	assert.NotContains(t, l.Env, "ENCLAVE_CONFIG_TEST_UNSET")

	// at apply, the plan's recorded values win over the process environment
	apply := NewLoader(SnapshotSource(nil))
	apply.Env = map[string]string{"ENCLAVE_CONFIG_TEST_URL": "postgres://planned/enclave", "ENCLAVE_CONFIG_TEST_UNSET": "recorded"}
	got, diags = eval(t, apply, ".", `env("ENCLAVE_CONFIG_TEST_URL")`)
	require.Empty(t, diags)
	assert.Equal(t, "postgres://planned/enclave", got.AsString())
	got, diags = eval(t, apply, ".", `env("ENCLAVE_CONFIG_TEST_UNSET")`)
	require.Empty(t, diags)
	assert.Equal(t, "recorded", got.AsString())
}

// TestFunctionsConcurrent: the engine evaluates in parallel; file() and env() record safely.
func TestFunctionsConcurrent(t *testing.T) {
	t.Setenv("ENCLAVE_CONFIG_TEST_A", "a")
	files := map[string]string{}
	for _, n := range []string{"a", "b", "c", "d"} {
		files["f/"+n] = n
	}
	l := NewLoader(SnapshotSource(files))
	var wg sync.WaitGroup
	for i := 0; i < 8; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for _, n := range []string{"a", "b", "c", "d"} {
				_, diags := eval(t, l, "f", `"${file("`+n+`")}${env("ENCLAVE_CONFIG_TEST_A")}"`)
				assert.Empty(t, diags)
				_, _ = l.Snapshot()
			}
		}()
	}
	wg.Wait()
	assert.Len(t, l.Files, 4)
	assert.Equal(t, "a", l.Env["ENCLAVE_CONFIG_TEST_A"])
}

func TestFileFunctionAbsolutePath(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "ca.pem")
	require.NoError(t, os.WriteFile(p, []byte("PEM"), 0o644))
	l := NewLoader(DirSource("testdata"))
	got, diags := eval(t, l, ".", fmt.Sprintf("file(%q)", p))
	require.Empty(t, diags)
	assert.Equal(t, "PEM", got.AsString())
	assert.Equal(t, "PEM", l.Files[filepath.ToSlash(p)])
}
