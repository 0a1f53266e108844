package state

import (
	"bytes"
	"encoding/json"
	"sort"
	"strings"
)

// stateFileV1 is format version 1, written by the first releases:
//
//	{"version": 1, "lineage": ..., "serial": ..., "enclave": ...,
//	 "resources": {"ADDR": {"mode", "type", "provider": "provider.junos.srx",
//	               "attrs": {...}, "depends_on": [...], "tags": {...}, "uncertain": true}},
//	 "outputs": {...}, "approval": {...}}
//
// Resources were a map keyed by address, the provider carried a "provider." prefix, an
// interrupted apply was a boolean, and there was no checksum.
type stateFileV1 struct {
	Version   int                    `json:"version"`
	Lineage   string                 `json:"lineage"`
	Serial    uint64                 `json:"serial"`
	Enclave   string                 `json:"enclave"`
	Resources map[string]*resourceV1 `json:"resources"`
	Outputs   map[string]Output      `json:"outputs"`
	Approval  json.RawMessage        `json:"approval"`
}

type resourceV1 struct {
	Mode      string            `json:"mode"`
	Type      string            `json:"type"`
	Provider  string            `json:"provider"`
	Attrs     map[string]any    `json:"attrs"`
	DependsOn []string          `json:"depends_on"`
	Tags      map[string]string `json:"tags"`
	Uncertain bool              `json:"uncertain"`
}

func decodeV1(data []byte) (*stateFileV1, error) {
	var f stateFileV1
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&f); err != nil {
		return nil, corruptf("not a valid version-1 state file: %v", err)
	}
	return &f, nil
}

func upgradeV1(old *stateFileV1) (*stateFile, error) {
	f := &stateFile{
		FormatVersion: 2,
		Lineage:       old.Lineage,
		Serial:        old.Serial,
		Enclave:       old.Enclave,
		Resources:     make([]*Resource, 0, len(old.Resources)),
		Outputs:       old.Outputs,
		Approval:      old.Approval,
	}
	addrs := make([]string, 0, len(old.Resources))
	for a := range old.Resources {
		addrs = append(addrs, a)
	}
	sort.Slice(addrs, func(i, j int) bool { return CompareAddr(addrs[i], addrs[j]) < 0 })
	for _, a := range addrs {
		r := old.Resources[a]
		if r == nil {
			return nil, corruptf("resource %s is null", a)
		}
		mode := r.Mode
		if mode == "" {
			// Version 1 left mode out for managed resources; data sources carry "data." in
			// their address.
			mode = ModeManaged
			if pa, err := ParseAddr(a); err == nil {
				mode = pa.Mode
			}
		}
		nr := &Resource{
			Addr:         a,
			Mode:         mode,
			Type:         r.Type,
			Provider:     strings.TrimPrefix(r.Provider, "provider."),
			Attributes:   r.Attrs,
			Dependencies: r.DependsOn,
			Tags:         r.Tags,
		}
		if r.Uncertain {
			nr.Status = StatusUncertain
		}
		f.Resources = append(f.Resources, nr)
	}
	return f, nil
}
