// Package reach computes, exactly, what a change to an SRX firewall's security policies does
// to reachability: the flows the change newly permits (Opens) and newly denies (Closes), per
// zone pair, as a few boxes (sources × destinations × protocols × ports) such as
//
//	core -> hci: 10.1.0.0/24 -> 10.20.0.0/24 tcp/443
//
// It is the computational core of plan views and approval rules ("does this change open
// anything into zone X?"); it knows nothing of enclave's providers or plans. Callers give it
// two Configs, built by hand or with FromResources from the planned attribute values of a
// device's junos_security_zone, junos_address_book, junos_application and
// junos_security_policies resources, and call Diff. Permits gives the whole permitted space
// of one Config the same way.
//
// # Semantics
//
// For each zone pair (from-zone, to-zone), a packet takes the action of the first policy
// that matches it, and is denied when none does (default-policy deny-all); reject counts as
// deny. A policy matches when the source is in one of its source addresses, the destination
// in one of its destination addresses, and the packet is one of its applications. Source
// names resolve in the from-zone's address book, then the global one; destination names in
// the to-zone's, then the global one; set members the same way, sets nesting to any depth.
// "any" and "any-ipv4" are every IPv4 address. Applications are the custom ones, application
// sets, "any" (every protocol and port) and the junos-* predefined applications listed in
// predefined.go (with where their values were checked). A name that does not resolve, a malformed prefix or port, or a set that
// contains itself is a *ResolveError naming the zone pair, the policy and the name.
//
// # How it is computed
//
// The packet space has five dimensions: protocol (0-255), source and destination IPv4
// address (0-2^32-1), destination and source port (0-65535; for ICMP the type and the code).
// Sets of packets are interval decision diagrams (dd.go): each level tests one dimension by
// splitting it into intervals, equal sub-diagrams are shared and redundant tests removed, so
// the representation is canonical and union, intersection and difference are memoized walks
// of two diagrams. Nothing is sampled and nothing is enumerated packet by packet.
//
// A policy's match is the product of its source set, its destination set and the union of
// its applications. A zone pair's permitted set folds the list from the bottom up:
// permitted = match ∪ below for a permit, below ∖ match for a deny. Diff compiles both
// Configs into one diagram store, skips zone pairs whose compiled lists are equal (a renamed
// policy, or an address-book edit no policy of the pair sees, changes nothing), and within a changed pair evaluates both lists only inside the region that can
// change decision: the matches of the policies between the common head and common tail of
// the two lists, minus the matches of the common head. Opens is after ∖ before and Closes
// before ∖ after within it.
//
// Results are decomposed into disjoint boxes canonically: level by level, the intervals that
// lead to the same sub-diagram are grouped into one interval set, so a box is a product of
// interval sets. The protocol level always comes before the port levels, so that a box's
// port ranges hold for every protocol in it (ICMP, whose "ports" are types and codes, is
// kept apart when they are restricted); the 40 dimension orders that keep it so are tried
// and the one giving the fewest boxes wins, ties to the first (for results of up to 64
// boxes; larger ones keep the default order's decomposition). The output depends only on
// the sets, never on map order or input order, and is sorted. Address ranges are written
// as the fewest CIDR prefixes.
//
// # What it does not model
//
// NAT (source, destination, static), routing (whether a flow can reach the zone pair at
// all), screens, ALGs and the pinholes they open (ms-rpc, sun-rpc, FTP data), global
// policies, a default-policy other than deny-all, IPv6 (IPv6 prefixes resolve to nothing and
// "any-ipv6" matches nothing: only the IPv4 space is analysed), schedulers, dynamic
// applications (AppID), source-address-excluded and negate, user/role identities, ICMP
// types and codes in custom applications (enclave's schema has none), and address books
// other than the global one and each zone's own. Source ports are modeled: a custom
// application's source_port restricts matches, and results show it ("sport 1024-65535").
// Application sets are supported through Config.ApplicationSets though enclave's schema has
// no resource for them yet.
//
// Diff and Permits keep no state between calls and are safe for concurrent use.
//
// It must never report a difference that is not exact: when it cannot know what a name
// means it fails rather than guess.
package reach
