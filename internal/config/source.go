package config

import (
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclparse"
)

// Source is where configuration files come from: the working tree, or the snapshot in a saved
// plan. Paths are slash paths relative to the enclave directory and may contain "..".
type Source interface {
	ReadFile(path string) ([]byte, error)
	// ReadDir returns the names (not paths) of the *.hcl files in dir, sorted.
	ReadDir(dir string) ([]string, error)
}

// DirSource reads files from the directory root on disk.
func DirSource(root string) Source { return dirSource{root: root} }

type dirSource struct{ root string }

func (s dirSource) abs(p string) string {
	if filepath.IsAbs(p) {
		return filepath.Clean(p)
	}
	return filepath.Join(s.root, filepath.FromSlash(p))
}

func (s dirSource) ReadFile(p string) ([]byte, error) { return os.ReadFile(s.abs(p)) }

func (s dirSource) ReadDir(dir string) ([]string, error) {
	entries, err := os.ReadDir(s.abs(dir))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, e := range entries {
		if e.Type().IsRegular() && isConfigFile(e.Name()) {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	return names, nil
}

// isConfigFile skips editor droppings (".#main.hcl", "main.hcl~") along with other extensions.
func isConfigFile(name string) bool {
	return strings.HasSuffix(name, ".hcl") && !strings.HasPrefix(name, ".")
}

// SnapshotSource serves the files recorded by a Loader (Loader.Files, kept in a saved plan).
// Keys are slash paths relative to the enclave directory.
func SnapshotSource(files map[string]string) Source {
	s := snapshotSource{files: map[string]string{}, dirs: map[string][]string{}}
	for k, v := range files {
		k = cleanPath(k)
		s.files[k] = v
		s.dirs[path.Dir(k)] = append(s.dirs[path.Dir(k)], path.Base(k))
	}
	for d := range s.dirs {
		sort.Strings(s.dirs[d])
	}
	return s
}

type snapshotSource struct {
	files map[string]string
	dirs  map[string][]string // every recorded file by directory
}

func (s snapshotSource) ReadFile(p string) ([]byte, error) {
	v, ok := s.files[cleanPath(p)]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: p, Err: fmt.Errorf("not in the plan's configuration snapshot: %w", fs.ErrNotExist)}
	}
	return []byte(v), nil
}

func (s snapshotSource) ReadDir(dir string) ([]string, error) {
	all, ok := s.dirs[cleanPath(dir)]
	if !ok {
		return nil, &fs.PathError{Op: "readdir", Path: dir, Err: fmt.Errorf("not in the plan's configuration snapshot: %w", fs.ErrNotExist)}
	}
	var names []string
	for _, n := range all {
		if isConfigFile(n) {
			names = append(names, n)
		}
	}
	return names, nil
}

// cleanPath makes the one spelling of a path used as a key in Files and in source ranges.
func cleanPath(p string) string {
	return path.Clean(filepath.ToSlash(p))
}

// EnclaveName reads the name of the enclave declared in dir (the label of its `enclave`
// block) by parsing its .hcl files, without evaluating anything. The gate uses it to know
// which enclave a plan is being applied to before that enclave has any state.
func EnclaveName(dir string) (string, error) {
	src := DirSource(dir)
	names, err := src.ReadDir(".")
	if err != nil {
		return "", fmt.Errorf("reading the enclave directory %s: %w", dir, err)
	}
	p := hclparse.NewParser()
	for _, n := range names {
		b, err := src.ReadFile(n)
		if err != nil {
			return "", err
		}
		f, diags := p.ParseHCL(b, n)
		if diags.HasErrors() || f == nil {
			continue
		}
		content, _, _ := f.Body.PartialContent(&hcl.BodySchema{Blocks: []hcl.BlockHeaderSchema{{Type: "enclave", LabelNames: []string{"name"}}}})
		for _, blk := range content.Blocks {
			return blk.Labels[0], nil
		}
	}
	return "", fmt.Errorf("%s declares no enclave block: it is not an enclave directory", dir)
}
