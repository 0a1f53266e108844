// Package config reads an enclave directory of HCL files, and the local modules it calls, into
// the static configuration model: the enclave block, variables, locals, providers, resources,
// data sources, module calls, outputs, policies and the approval block. It checks structure
// (block and argument names, duplicates, meta-arguments, variable types and defaults, module
// sources and inputs, provider references, references to undeclared names, the approval
// block) and reports every problem as an hcl.Diagnostic with the source range of the
// offending text; WriteDiagnostics renders them as FILE:LINE:COL lines with hcl's snippets.
//
// Decoding is two-phase, as in Terraform: top-level blocks and meta-arguments are decoded
// here; resource and provider bodies are kept as hcl.Body, without their meta-arguments, for
// the engine to decode against the provider's schema. Expressions stay unevaluated, except
// literal settings (variable types and defaults, the approval block), which must not depend on
// inputs.
//
// It also owns the function table expressions are evaluated with (go-cty's standard library
// under Terraform's names, hcl's try and can, file, env and the cidr functions) and finds the
// references inside expressions, so the engine can order and evaluate them.
//
// Every file read goes through the Loader's Source and is recorded in Loader.Files, and every
// env() value in Loader.Env, so that a saved plan's snapshot reproduces exactly the same
// configuration at apply. Beware that this includes whatever file() and env() read.
//
// What it must never do: evaluate resource bodies, variables or locals (the engine does that
// against provider schemas and planned values), talk to providers or gear, or read anything
// except through its Source.
package config
