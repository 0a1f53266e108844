package plans

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// FileError is a saved plan file that cannot be used as it is: not a plan, truncated, of a
// newer format, or modified since it was made. The CLI maps it to exit code 3.
type FileError struct {
	Path   string // empty when decoding bytes
	Reason string
	Err    error // the underlying decode error, if any
}

func (e *FileError) Error() string {
	if e.Path == "" {
		return e.Reason
	}
	return e.Path + ": " + e.Reason
}

func (e *FileError) Unwrap() error { return e.Err }

// Encode sets the plan's FormatVersion and Digest and returns the file form: indented JSON,
// HTML escaping off, ending in a newline.
func Encode(p *Plan) ([]byte, error) {
	p.FormatVersion = FormatVersion
	d, err := p.ComputeDigest()
	if err != nil {
		return nil, err
	}
	p.Digest = d
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(p); err != nil {
		return nil, fmt.Errorf("encoding plan: %w", err)
	}
	return buf.Bytes(), nil
}

// Write saves the plan to path atomically (a temporary file in the same directory, synced,
// then renamed over path), mode 0644. A reader never sees half a plan.
func Write(path string, p *Plan) error {
	b, err := Encode(p)
	if err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("writing plan %s: %w", path, err)
	}
	tmpName := tmp.Name()
	fail := func(err error) error {
		tmp.Close()
		os.Remove(tmpName)
		return fmt.Errorf("writing plan %s: %w", path, err)
	}
	if _, err := tmp.Write(b); err != nil {
		return fail(err)
	}
	if err := tmp.Chmod(0o644); err != nil {
		return fail(err)
	}
	if err := tmp.Sync(); err != nil {
		return fail(err)
	}
	if err := tmp.Close(); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("writing plan %s: %w", path, err)
	}
	if err := os.Rename(tmpName, path); err != nil {
		os.Remove(tmpName)
		return fmt.Errorf("writing plan %s: %w", path, err)
	}
	// Sync the directory so the rename itself survives a crash.
	if d, err := os.Open(dir); err == nil {
		d.Sync()
		d.Close()
	}
	return nil
}

// ReadFile reads and decodes a saved plan file and verifies its digest.
func ReadFile(path string) (*Plan, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	p, err := Decode(b)
	if err != nil {
		var fe *FileError
		if errors.As(err, &fe) {
			fe.Path = path
		}
		return nil, err
	}
	return p, nil
}

// Decode parses a saved plan and verifies it: a known format version and a digest that
// matches the content. Numbers inside free-form values (attributes, observed values, variable
// values, outputs) decode as json.Number so the plan re-encodes to the bytes it was digested
// over.
func Decode(b []byte) (*Plan, error) {
	var probe struct {
		FormatVersion *int `json:"format_version"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return nil, &FileError{Reason: "plan file is truncated or not a plan: " + err.Error(), Err: err}
	}
	if probe.FormatVersion == nil || *probe.FormatVersion <= 0 {
		return nil, &FileError{Reason: "plan file is truncated or not a plan: it has no format_version"}
	}
	if v := *probe.FormatVersion; v > FormatVersion {
		return nil, &FileError{Reason: fmt.Sprintf("plan file format %d is newer than this enclave understands (%d)", v, FormatVersion)}
	} else if v < FormatVersion {
		// Format 1 plans carried their own approval rules and no author signature: nothing
		// about them can be trusted by today's gate, so they are not upgraded.
		return nil, &FileError{Reason: fmt.Sprintf("plan file format %d was written by an older enclave (this one writes %d): make a new plan", v, FormatVersion)}
	}
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		return nil, &FileError{Reason: "plan file is truncated or not a plan: " + err.Error(), Err: err}
	}
	if p.Digest == "" {
		return nil, &FileError{Reason: "plan file has no digest"}
	}
	got, err := p.ComputeDigest()
	if err != nil {
		return nil, &FileError{Reason: "plan file cannot be digested: " + err.Error(), Err: err}
	}
	if got != p.Digest {
		return nil, &FileError{Reason: fmt.Sprintf("plan file has been modified since it was made: digest %s does not match content %s", p.Digest, got)}
	}
	return &p, nil
}
