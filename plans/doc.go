// Package plans is the plan model (actions, attribute diffs, drift), the saved plan file and
// its digest, the renderers reviewers read (text, JSON, HTML), approvals (SSH signatures over
// the digest line) and the gate that checks them before apply.
//
// It must never talk to gear or write state: it only describes, encodes and checks. It must
// never print a sensitive value: every view masks by the model's sensitive flags as well as
// by the masked values the model already holds.
//
// # The digest
//
// A plan's digest is "sha256:" followed by the lower-case hex SHA-256 of its canonical
// encoding: the Plan struct with Digest and Approvals cleared, encoded by encoding/json with no
// indentation, HTML escaping off and no trailing newline. Struct fields come out in declaration
// order, map keys sorted, times as RFC 3339 with nanoseconds. Free-form values (attributes,
// observed values, variable values, outputs) decode as json.Number, so numbers keep the exact
// literal they were written with and "4" and "4.0" digest differently. Whitespace and the
// escaping of strings in the file are not content; every other byte is.
//
// # The digest line and what reviewers sign
//
// The digest line is
//
//	enclave-plan ENCLAVE sha256:HEX
//
// exactly as `enclave show FILE --digest` prints it, and the signed message is that line
// followed by one "\n": the bytes of `enclave show FILE --digest > digest.txt`. An approval is
// an SSHSIG signature (namespace "enclave-plan", sha512 by default, sha256 accepted) over that
// message, armored as `ssh-keygen -Y sign` writes it, so
//
//	ssh-keygen -Y sign -n enclave-plan -f ~/.ssh/id_ed25519 digest.txt
//	ssh-keygen -Y verify -f allowed_signers -I alice -n enclave-plan -s digest.txt.sig < digest.txt
//
// make and check the same signatures as Attach and SignWithKeyFile. Signatures are always
// verified against the digest recomputed from the content, never the digest field alone.
//
// # Approval rules
//
// The approval block's own `required` is the base rule, reported under the reserved name
// "required"; it applies to every plan, since every apply writes state. A named rule applies
// when at least one change (not a no-op or a read) matches it: its resource_types contain the
// change's type, or are empty, and its actions contain the change's action, or are empty; and,
// when it names zones (opens_into, opens_from), when the plan's Reachability newly permits a
// flow into one of its opens_into zones and from one of its opens_from zones (an unset list
// matching every zone), or could not be computed for a device. A
// plan whose only change is to the approval rules touches the base rule, and is judged under
// the rules in force (Plan.Rules), never the new ones. Each valid approval counts once toward
// every rule the plan touches; the plan's author never counts (compared by name, and by the
// part of the author before "@").
//
// max_age is counted from the plan's CreatedAt, not from an approval's SignedAt: SignedAt is
// declared by whoever attached the signature and proves nothing, while CreatedAt is covered by
// the digest. A plan may be applied only while now <= CreatedAt + max_age (and before
// ExpiresAt).
//
// # Sensitive variables
//
// A sensitive variable is stored as Variable.Hash = "sha256:SALT:HEX", HEX being the SHA-256
// of SALT, ":" and the value's canonical JSON (see HashSensitiveValue); apply must supply the
// value again and the gate checks it with MatchesSensitiveValue.
//
// The file functions are Write, Encode, ReadFile and Decode; ReadFile is not called Read
// because Read is the data-source Action.
package plans
