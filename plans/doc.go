// Package plans is the plan model (actions, attribute diffs, drift), the saved plan file and
// its digest, the renderers reviewers read (text, JSON, HTML), approvals (SSH signatures over
// the digest line) and the gate that checks them before apply.
//
// It must never talk to gear or write state: it only describes, encodes and checks.
package plans
