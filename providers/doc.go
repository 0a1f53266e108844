// Package providers holds the contract between the engine and the code that talks to gear:
// the Provider interface, the schema every resource type declares, and the plain value form
// (Object) that crosses the boundary.
//
// A provider never sees HCL or cty's unknown values: the engine evaluates configuration,
// converts it to an Object that matches the type's schema, and calls the provider with fully
// known values. Providers must read in batches (one round trip per object type or per device,
// never one per resource) and must never import the engine, the CLI or another provider.
package providers
