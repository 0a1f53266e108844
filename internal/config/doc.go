// Package config reads an enclave directory of HCL files, and the local modules it calls, into
// the static configuration model: the enclave block, variables, locals, providers, resources,
// data sources, module calls, outputs, policies and the approval block. It checks structure
// (block and argument names, duplicates, meta-arguments, variable types, module sources and
// inputs, provider references, the approval block) and reports every problem as an
// hcl.Diagnostic with the source range of the offending text.
//
// It also owns the function table expressions are evaluated with (go-cty's standard library
// plus file, env and the cidr functions) and finds the references inside expressions, so the
// engine can order and evaluate them.
//
// What it must never do: evaluate resource bodies, variables or locals (the engine does that
// against provider schemas and planned values), talk to providers or gear, or read anything
// except through its Source, so a saved plan's snapshot reproduces exactly the same
// configuration. Every file it reads is recorded in Loader.Files for that snapshot.
package config
