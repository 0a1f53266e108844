package plans

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

func TestRenderJSONGolden(t *testing.T) {
	ps := fixtures(t)
	for _, name := range []string{"mixed", "sensitive", "drift", "create", "firewall"} {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := RenderJSON(&buf, ps[name]); err != nil {
				t.Fatal(err)
			}
			golden(t, "json/"+name+".json", buf.Bytes())
			if strings.Contains(buf.String(), "hunter") {
				t.Errorf("a sensitive value is in the JSON")
			}
			var doc map[string]any
			if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
				t.Fatal(err)
			}
			for _, k := range []string{"format_version", "enclave", "digest", "digest_line", "summary", "resource_changes", "drift", "reachability", "policies", "approval", "outputs"} {
				if _, ok := doc[k]; !ok {
					t.Errorf("key %q missing", k)
				}
			}
			if doc["format_version"] != "1.0" || doc["kind"] != "plan" {
				t.Errorf("format_version %v kind %v", doc["format_version"], doc["kind"])
			}
		})
	}
}

func TestRenderJSONFacts(t *testing.T) {
	ps := fixtures(t)
	var buf bytes.Buffer
	RenderJSON(&buf, ps["mixed"])
	var doc struct {
		Summary         map[string]int `json:"summary"`
		ResourceChanges []struct {
			Address     string   `json:"address"`
			Action      string   `json:"action"`
			Actions     []string `json:"actions"`
			Destructive bool     `json:"destructive"`
			Index       any      `json:"index"`
		} `json:"resource_changes"`
		Approval struct {
			RulesSource string `json:"rules_source"`
			Needed      []struct {
				Rule   string `json:"rule"`
				Needed int    `json:"needed"`
			} `json:"needed"`
			Approvals []struct {
				Approver string `json:"approver"`
				Valid    bool   `json:"valid"`
			} `json:"approvals"`
			RulesChange *struct {
				Required int `json:"required"`
			} `json:"rules_change"`
		} `json:"approval"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Summary["add"] != 1 || doc.Summary["change"] != 1 || doc.Summary["replace"] != 1 || doc.Summary["destroy"] != 2 {
		t.Errorf("summary %v", doc.Summary)
	}
	first := doc.ResourceChanges[0]
	if first.Address != "ontap_volume.old_mail" || !first.Destructive || first.Action != "delete" {
		t.Errorf("destructive change not first: %+v", first)
	}
	for _, c := range doc.ResourceChanges {
		if c.Action == "replace" && strings.Join(c.Actions, ",") != "delete,create" {
			t.Errorf("replace actions %v", c.Actions)
		}
		if c.Address == "vsphere_virtual_machine.svc[0]" && c.Index != float64(0) {
			t.Errorf("index %v", c.Index)
		}
	}
	if doc.Approval.RulesSource != "state" || len(doc.Approval.Needed) != 3 || doc.Approval.Needed[1].Rule != "firewall" || doc.Approval.Needed[2].Rule != "destroys-data" || doc.Approval.Needed[2].Needed != 2 {
		t.Errorf("approval %+v", doc.Approval)
	}
	if len(doc.Approval.Approvals) != 1 || !doc.Approval.Approvals[0].Valid || doc.Approval.RulesChange == nil || doc.Approval.RulesChange.Required != 3 {
		t.Errorf("approvals %+v", doc.Approval)
	}
}

func TestRenderDriftJSON(t *testing.T) {
	ps := fixtures(t)
	p := ps["drift"]
	r := &DriftReport{Enclave: p.Enclave, CheckedAt: planTime, State: p.State, Drift: p.Drift, Changes: p.Changes}
	var buf bytes.Buffer
	if err := RenderDriftJSON(&buf, r); err != nil {
		t.Fatal(err)
	}
	golden(t, "json/drift-report.json", buf.Bytes())
	if strings.Contains(buf.String(), "hunter") {
		t.Errorf("a sensitive value is in the drift JSON")
	}
	var doc struct {
		FormatVersion string `json:"format_version"`
		Kind          string `json:"kind"`
		DriftFound    bool   `json:"drift_found"`
		Summary       struct {
			Changed int `json:"changed_outside"`
			Gone    int `json:"deleted_outside"`
			Add     int `json:"add"`
		} `json:"summary"`
	}
	json.Unmarshal(buf.Bytes(), &doc)
	if doc.FormatVersion != "1.0" || doc.Kind != "drift" || !doc.DriftFound || doc.Summary.Changed != 2 || doc.Summary.Gone != 1 || doc.Summary.Add != 1 {
		t.Errorf("drift report %+v", doc)
	}
	if (&DriftReport{}).Found() {
		t.Errorf("an empty report finds drift")
	}
}

func TestRenderJSONReachability(t *testing.T) {
	ps := fixtures(t)
	var buf bytes.Buffer
	if err := RenderJSON(&buf, ps["firewall"]); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Reachability []struct {
			Device      string `json:"device"`
			NotComputed string `json:"not_computed"`
			Opens       []struct {
				FromZone     string           `json:"from_zone"`
				ToZone       string           `json:"to_zone"`
				Sources      []string         `json:"sources"`
				Destinations []string         `json:"destinations"`
				Protocols    []map[string]int `json:"protocols"`
				Ports        []map[string]int `json:"ports"`
				Service      string           `json:"service"`
				AnyToAny     bool             `json:"any_to_any"`
				Text         string           `json:"text"`
			} `json:"opens"`
			Closes []struct {
				Text string `json:"text"`
			} `json:"closes"`
		} `json:"reachability"`
		Approval struct {
			Rules struct {
				Rules []struct {
					Name      string   `json:"name"`
					OpensInto []string `json:"opens_into"`
					OpensFrom []string `json:"opens_from"`
				} `json:"rules"`
			} `json:"rules"`
			Needed []struct {
				Rule string `json:"rule"`
			} `json:"needed"`
		} `json:"approval"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Reachability) != 2 || doc.Reachability[0].Device != "junos.srx" || doc.Reachability[0].NotComputed != "" || !strings.HasPrefix(doc.Reachability[1].NotComputed, "after: policy") {
		t.Fatalf("reachability %+v", doc.Reachability)
	}
	srx := doc.Reachability[0]
	if len(srx.Opens) != 3 || len(srx.Closes) != 1 || srx.Closes[0].Text != "core -> hci: 10.64.0.0/12 -> 10.20.120.0/24 tcp/110" {
		t.Fatalf("srx %+v", srx)
	}
	o := srx.Opens[2]
	if o.FromZone != "mgmt" || o.ToZone != "hci" || o.Sources[0] != "10.20.10.0/24" || o.Destinations[0] != "10.20.120.0/24" ||
		o.Protocols[0]["first"] != 17 || o.Ports[0]["first"] != 161 || o.Ports[0]["last"] != 161 || o.Service != "udp/161" || o.AnyToAny {
		t.Errorf("flow %+v", o)
	}
	if !srx.Opens[0].AnyToAny {
		t.Errorf("any to any not marked: %+v", srx.Opens[0])
	}
	rules := doc.Approval.Rules.Rules
	if last := rules[len(rules)-1]; last.Name != "opens-into-hci" || len(last.OpensInto) != 1 || last.OpensInto[0] != "hci" || last.OpensFrom == nil {
		t.Errorf("rules %+v", rules)
	}
	if n := doc.Approval.Needed; len(n) != 3 || n[2].Rule != "opens-into-hci" {
		t.Errorf("needed %+v", n)
	}
	// A plan that opens nothing has an empty list, not a missing key.
	buf.Reset()
	RenderJSON(&buf, ps["mixed"])
	if !strings.Contains(buf.String(), `"reachability": [],`) {
		t.Errorf("no empty reachability list")
	}
}
