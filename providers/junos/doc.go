// Package junos is enclave's provider for Juniper SRX firewalls and EX switches, over NETCONF
// on SSH (RFC 6241, RFC 6242; both ]]>]]> and chunked framing).
//
// Each resource owns one configuration stanza (an interface, a security zone, the policies
// of one zone pair, ...). Refresh reads every managed hierarchy of a device with a single
// get-configuration of the committed database, whatever the number of resources. Apply gets
// all of a device's changes at once and makes them one transaction: lock, one
// load-configuration (replace="replace" on each written stanza, delete="delete" on each
// removed one), commit check, commit confirmed, read back and compare, confirming commit,
// unlock — at most two commits per device per apply. Because a stanza is replaced whole,
// refresh warns (Options.Warnf) when a managed stanza holds statements enclave does not model,
// naming them, before a change removes them. Deactivated statements read as absent.
//
// Conventions a user meets: ids are natural keys (an interface or zone name, FROM>TO for a
// zone pair's policies, DESTINATION or INSTANCE/DESTINATION for a static route,
// "chassis-cluster"); an interface with any VLAN-tagged unit gets vlan-tagging; IPv6
// addresses go under family inet6; known_hosts_file defaults to ~/.ssh/known_hosts. The
// NETCONF session layer is this package's own (see session.go for why not go-netconf's).
//
// What it must never do: connect without verifying the host key (known_hosts or a pinned
// key; there is no insecure mode); confirm a commit it could not verify; leave a candidate
// it changed uncommitted or locked after a failure it can still act on; discard a candidate
// locked by someone else; touch configuration outside the stanzas its resources own; put a
// password in an error or log line; share state between provider instances (the engine
// applies to several devices in parallel).
package junos
