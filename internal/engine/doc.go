// Package engine turns a configuration into a plan and a plan into changes on gear: it
// evaluates the configuration (variables, locals, resources with count and for_each, data
// sources, modules, outputs, policies), refreshes what state records in batches per provider,
// diffs desired against real against last applied, and applies a saved plan in dependency
// order, writing state after every resource.
//
// It never prints: it reports through callbacks and returns plans, results and diagnostics,
// which the CLI renders.
package engine
