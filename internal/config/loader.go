package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"sync"

	"github.com/agext/levenshtein"
	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
	"github.com/zclconf/go-cty/cty/function"
)

// Loader reads a configuration through its Source and records what it read.
//
// Files and Env are written while loading and while the engine evaluates file() and env()
// calls; read them after evaluation is over, or take copies with Snapshot.
type Loader struct {
	Source Source
	// Files is every file read (the .hcl files of the root and its modules, and every file()
	// read), by slash path relative to the enclave dir: the snapshot a saved plan keeps.
	Files map[string]string
	// Parser holds the parsed .hcl files; WriteDiagnostics takes its snippets from it.
	Parser *hclparse.Parser
	// Env is every env() value read, by name. Values preset here (from a saved plan at apply)
	// are used instead of the process environment.
	Env map[string]string
	// ProviderSchemas, when set, checks each provider block's arguments at load time and
	// rejects provider types it does not list. The engine fills it from the provider registry.
	ProviderSchemas map[string]*hcl.BodySchema

	// Secret holds the files read by file() while evaluating a provider block (credentials),
	// by the same paths as Files; they are not in Files unless something else read them too.
	// A saved plan keeps only salted hashes of them.
	Secret map[string]string
	// Pinned, when set (apply of a saved plan), makes env() and the files missing from the
	// snapshot come from the live environment and the enclave directory, and only when they
	// match what the plan recorded.
	Pinned *Pins

	mu          sync.Mutex
	secretDepth int
	funcs       map[string]map[string]function.Function // by base dir
}

// NewLoader makes a Loader reading from src.
func NewLoader(src Source) *Loader {
	return &Loader{Source: src, Files: map[string]string{}, Parser: hclparse.NewParser(), Env: map[string]string{}}
}

// SecretFiles returns a copy of Secret.
func (l *Loader) SecretFiles() map[string]string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make(map[string]string, len(l.Secret))
	for k, v := range l.Secret {
		out[k] = v
	}
	return out
}

// Snapshot returns copies of Files and Env.
func (l *Loader) Snapshot() (files, env map[string]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	files = make(map[string]string, len(l.Files))
	for k, v := range l.Files {
		files[k] = v
	}
	env = make(map[string]string, len(l.Env))
	for k, v := range l.Env {
		env[k] = v
	}
	return files, env
}

// Pins are what a saved plan recorded of env() values and provider-block files: salted hashes
// by name and path. Match checks a value against a hash (plans.MatchesSensitiveValue); Dir is
// the enclave directory on disk, where pinned files are read from again.
type Pins struct {
	Env   map[string]string
	Files map[string]string
	Dir   string
	Match func(hash string, value any) bool
	// Placeholder, when set, stands in for every pinned value instead of reading it: a
	// reviewer re-deriving a plan has neither the environment nor the credential files.
	Placeholder func() cty.Value
}

// BeginSecret and EndSecret bracket the evaluation of a provider block: files read in between
// go to Secret rather than Files.
func (l *Loader) BeginSecret() {
	l.mu.Lock()
	l.secretDepth++
	l.mu.Unlock()
}

// EndSecret ends what BeginSecret began.
func (l *Loader) EndSecret() {
	l.mu.Lock()
	l.secretDepth--
	l.mu.Unlock()
}

func (l *Loader) readFile(p string) ([]byte, error) {
	p = cleanPath(p)
	b, err := l.Source.ReadFile(p)
	if err != nil {
		if pins := l.Pinned; pins != nil {
			if hash, ok := pins.Files[p]; ok {
				if pins.Placeholder != nil {
					return nil, &PlaceholderError{Path: p}
				}
				b, err := readPinned(pins, p, hash)
				if err == nil {
					l.mu.Lock()
					if l.Secret == nil {
						l.Secret = map[string]string{}
					}
					l.Secret[p] = string(b)
					l.mu.Unlock()
				}
				return b, err
			}
		}
		return nil, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.secretDepth > 0 {
		if _, shared := l.Files[p]; !shared {
			if l.Secret == nil {
				l.Secret = map[string]string{}
			}
			l.Secret[p] = string(b)
			return b, nil
		}
	}
	if l.Files == nil {
		l.Files = map[string]string{}
	}
	l.Files[p] = string(b)
	delete(l.Secret, p) // read outside a provider block too: it is configuration, not a secret
	return b, nil
}

// PlaceholderError is a pinned file read while re-deriving a plan without credentials;
// file() turns it into the placeholder value.
type PlaceholderError struct{ Path string }

func (e *PlaceholderError) Error() string {
	return e.Path + " is a credential the plan kept only as a hash"
}

// readPinned reads a file the plan kept only as a hash, from the enclave directory, and
// returns it only when it is what the plan was made with.
func readPinned(pins *Pins, p, hash string) ([]byte, error) {
	b, err := os.ReadFile(filepath.Join(pins.Dir, filepath.FromSlash(p)))
	if err != nil {
		return nil, fmt.Errorf("the plan read %s in a provider block and kept only its hash; it must be there again at apply: %w", p, err)
	}
	if !pins.Match(hash, string(b)) {
		return nil, fmt.Errorf("%s is not what it was when the plan was made", p)
	}
	return b, nil
}

// Load reads the enclave directory (".") and every module it calls, recursively.
func (l *Loader) Load() (*Config, hcl.Diagnostics) {
	if l.Parser == nil {
		l.Parser = hclparse.NewParser()
	}
	root, diags := l.loadModule(".", nil, nil, []string{"."})
	if diags.HasErrors() && root.Enclave == nil && len(root.Files) == 0 {
		return root, diags
	}
	if root.Enclave == nil && !hasParseErrors(diags) {
		subject := hcl.Range{Filename: "."}
		if len(root.Files) > 0 {
			subject = hcl.Range{Filename: root.Files[0], Start: hcl.InitialPos, End: hcl.InitialPos}
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing enclave block",
			Detail:   "An enclave directory declares itself once: enclave \"NAME\" { ... }.",
			Subject:  &subject,
		})
	}
	diags = append(diags, checkProviderRefs(root)...)
	return root, diags
}

// parseErrorMarker tags diagnostics from the parser so Load does not pile structural
// complaints onto a file it could not read.
type parseErrorMarker struct{}

func hasParseErrors(diags hcl.Diagnostics) bool {
	for _, d := range diags {
		if _, ok := d.Extra.(parseErrorMarker); ok {
			return true
		}
	}
	return false
}

// loadModule parses and decodes the module in dir, then the modules it calls. stack holds the
// dirs being loaded above it, to find cycles.
func (l *Loader) loadModule(dir string, modPath []string, parent *Config, stack []string) (*Config, hcl.Diagnostics) {
	cfg := newConfig(dir, modPath, parent)
	var diags hcl.Diagnostics
	names, err := l.Source.ReadDir(dir)
	if err != nil {
		return cfg, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Cannot read configuration directory",
			Detail:   fmt.Sprintf("Reading %s: %s.", dir, err),
		})
	}
	if len(names) == 0 && parent == nil {
		return cfg, append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "No configuration files",
			Detail:   fmt.Sprintf("The enclave directory %s holds no .hcl files.", dir),
		})
	}
	files, d := l.parseFiles(dir, names, modPath, parent)
	diags = append(diags, d...)
	for _, f := range files {
		if f != nil {
			cfg.Files = append(cfg.Files, f.name)
		}
	}
	if d.HasErrors() {
		return cfg, diags
	}
	m := &moduleDecoder{l: l, cfg: cfg, root: parent == nil}
	for _, f := range files {
		diags = append(diags, f.diags...)
		diags = append(diags, m.merge(f.decoded)...)
	}

	for _, name := range sortedKeys(cfg.Modules) {
		mc := cfg.Modules[name]
		if !mc.sourceOK {
			continue // already reported: missing or not a literal string
		}
		childDir, d := l.resolveModuleSource(cfg, mc, stack)
		diags = append(diags, d...)
		if d.HasErrors() {
			continue
		}
		child, d := l.loadModule(childDir, append(append([]string(nil), modPath...), name), cfg, append(stack, childDir))
		diags = append(diags, d...)
		cfg.Children[name] = child
		if !hasParseErrors(d) {
			diags = append(diags, checkModuleInputs(mc, child)...)
		}
	}
	// after the children, so that references to their outputs can be checked too
	diags = append(diags, checkReferences(cfg)...)
	return cfg, diags
}

// parsedFile is one file of a module, parsed and decoded on its own.
type parsedFile struct {
	name    string
	decoded *Config         // this file's declarations only; merged into the module's
	diags   hcl.Diagnostics // from decoding
}

// parseFiles reads, parses and decodes the named files of dir, in parallel since this is most
// of the cost of loading a large enclave; declarations across files are merged afterwards, in
// name order. Files are registered with the Parser in name order. The result has nil for each
// file that could not be read or parsed; any such failure is reported as an error.
func (l *Loader) parseFiles(dir string, names []string, modPath []string, parent *Config) ([]*parsedFile, hcl.Diagnostics) {
	type result struct {
		file  *hcl.File
		diags hcl.Diagnostics // reading and parsing
		out   *parsedFile
	}
	results := make([]result, len(names))
	paths := make([]string, len(names))
	known := l.Parser.Files()
	sem := make(chan struct{}, runtime.GOMAXPROCS(0))
	var wg sync.WaitGroup
	for i, n := range names {
		p := cleanPath(path.Join(dir, n))
		paths[i] = p
		cached := known[p] // a module called twice is parsed once
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			r := &results[i]
			r.file = cached
			if r.file == nil {
				src, err := l.readFile(p)
				if err != nil {
					r.diags = hcl.Diagnostics{{Severity: hcl.DiagError, Summary: "Cannot read configuration file", Detail: fmt.Sprintf("Reading %s: %s.", p, err), Extra: parseErrorMarker{}}}
					return
				}
				r.file, r.diags = hclsyntax.ParseConfig(src, p, hcl.InitialPos)
				for _, diag := range r.diags {
					diag.Extra = parseErrorMarker{}
				}
				if r.diags.HasErrors() {
					return
				}
			}
			frag := newConfig(dir, modPath, parent)
			d := (&moduleDecoder{l: l, cfg: frag, root: parent == nil}).decodeFile(r.file.Body)
			r.out = &parsedFile{name: p, decoded: frag, diags: d}
		}()
	}
	wg.Wait()
	var diags hcl.Diagnostics
	out := make([]*parsedFile, len(names))
	for i, r := range results {
		diags = append(diags, r.diags...)
		if r.file != nil {
			l.Parser.AddFile(paths[i], r.file) // for the snippets of WriteDiagnostics
		}
		out[i] = r.out
	}
	return out, diags
}

func (l *Loader) resolveModuleSource(cfg *Config, mc *ModuleCall, stack []string) (string, hcl.Diagnostics) {
	bad := func(summary, detail string) (string, hcl.Diagnostics) {
		return "", hcl.Diagnostics{{Severity: hcl.DiagError, Summary: summary, Detail: detail, Subject: mc.SourceRange.Ptr()}}
	}
	if !strings.HasPrefix(mc.Source, "./") && !strings.HasPrefix(mc.Source, "../") {
		return bad("Invalid module source", fmt.Sprintf("Module sources are local paths starting with \"./\" or \"../\"; %q is not. The enclave is isolated: it never fetches modules.", mc.Source))
	}
	childDir := cleanPath(path.Join(cfg.Dir, mc.Source))
	for i, d := range stack {
		if d == childDir {
			chain := append(append([]string(nil), stack[i:]...), childDir)
			return bad("Module source cycle", fmt.Sprintf("Module %q calls %s, which is already being loaded: %s.", mc.Name, childDir, strings.Join(chain, " -> ")))
		}
	}
	names, err := l.Source.ReadDir(childDir)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return bad("Module source not found", fmt.Sprintf("Module %q: the directory %s does not exist.", mc.Name, childDir))
		}
		return bad("Module source not readable", fmt.Sprintf("Module %q: reading %s: %s.", mc.Name, childDir, err))
	}
	if len(names) == 0 {
		return bad("Module source holds no configuration", fmt.Sprintf("Module %q: the directory %s holds no .hcl files.", mc.Name, childDir))
	}
	return childDir, nil
}

func checkModuleInputs(mc *ModuleCall, child *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	vars := sortedKeys(child.Variables)
	for _, a := range sortedAttributes(mc.Inputs) {
		if _, ok := child.Variables[a.Name]; ok {
			continue
		}
		var candidates []string
		for _, v := range vars {
			if _, given := mc.Inputs[v]; !given {
				candidates = append(candidates, v)
			}
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Unsupported argument",
			Detail:   fmt.Sprintf("Module %q (%s) has no variable named %q.%s", mc.Name, child.Dir, a.Name, didYouMean(a.Name, candidates)),
			Subject:  a.NameRange.Ptr(),
		})
	}
	for _, n := range vars {
		v := child.Variables[n]
		if _, given := mc.Inputs[n]; given || !v.Required() {
			continue
		}
		diags = append(diags, &hcl.Diagnostic{
			Severity: hcl.DiagError,
			Summary:  "Missing required argument",
			Detail:   fmt.Sprintf("Module %q needs an input %q: its variable, declared at %s, has no default.", mc.Name, n, rangeString(v.DeclRange)),
			Subject:  mc.DeclRange.Ptr(),
		})
	}
	return diags
}

// checkProviderRefs checks every `provider = TYPE.ALIAS` in the tree against the root's
// provider blocks: modules have none of their own.
func checkProviderRefs(root *Config) hcl.Diagnostics {
	var diags hcl.Diagnostics
	keys := sortedKeys(root.Providers)
	root.Walk(func(c *Config) {
		for _, index := range []map[string]*Resource{c.Resources, c.Data} {
			for _, addr := range sortedKeys(index) {
				r := index[addr]
				ref := r.ProviderRef
				if ref == nil || ref.Alias == "" {
					continue // the unaliased provider; the engine configures it
				}
				key := providerKey(ref.Type, ref.Alias)
				if _, ok := root.Providers[key]; ok {
					continue
				}
				var same []string
				for _, k := range keys {
					if strings.HasPrefix(k, ref.Type+".") {
						same = append(same, k)
					}
				}
				detail := fmt.Sprintf("%s uses provider %s, but the enclave declares no provider %q with alias = %q.", r.Addr(), key, ref.Type, ref.Alias)
				if len(same) > 0 {
					detail += fmt.Sprintf(" The %s providers are: %s.", ref.Type, strings.Join(same, ", ")) + didYouMean(key, same)
				}
				diags = append(diags, &hcl.Diagnostic{
					Severity: hcl.DiagError,
					Summary:  "Reference to undeclared provider",
					Detail:   detail,
					Subject:  ref.Range.Ptr(),
				})
			}
		}
	})
	return diags
}

// didYouMean suggests the closest of candidates to given, in hcl's own words and threshold.
func didYouMean(given string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		if d := levenshtein.Distance(given, c, nil); d < bestDist {
			best, bestDist = c, d
		}
	}
	if best == "" {
		return ""
	}
	return fmt.Sprintf(" Did you mean %q?", best)
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func sortedAttributes(attrs map[string]*hcl.Attribute) []*hcl.Attribute {
	out := make([]*hcl.Attribute, 0, len(attrs))
	for _, a := range attrs {
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i].NameRange, out[j].NameRange
		if a.Filename != b.Filename {
			return a.Filename < b.Filename
		}
		return a.Start.Byte < b.Start.Byte
	})
	return out
}
