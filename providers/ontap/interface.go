package ontap

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/enclave-dev/enclave/providers"
)

func init() {
	kinds[typeInterface] = &kind{
		identity: func(pl providers.Object) url.Values {
			return url.Values{"svm.name": {quoteFilter(providers.String(pl, "svm"))}, "name": {quoteFilter(providers.String(pl, "name"))}}
		},
		path:   "/api/network/ip/interfaces",
		fields: "name,svm.name,ip.address,ip.netmask,location.home_node.name,location.home_port.name,service_policy.name",
		object: interfaceObject,
		create: func(ctx context.Context, op *operation) (url.Values, error) {
			_, err := op.write(ctx, http.MethodPost, "/api/network/ip/interfaces", interfaceBody(op))
			return url.Values{"svm.name": {quoteFilter(providers.String(op.planned, "svm"))}, "name": {quoteFilter(providers.String(op.planned, "name"))}}, err
		},
		update: func(ctx context.Context, op *operation) error {
			b := interfaceBody(op)
			if len(b) == 0 {
				return nil
			}
			_, err := op.write(ctx, http.MethodPatch, "/api/network/ip/interfaces/"+op.id(), b)
			return err
		},
		delete: func(ctx context.Context, op *operation) error {
			_, err := op.write(ctx, http.MethodDelete, "/api/network/ip/interfaces/"+op.id(), nil)
			return err
		},
		importFilter: svmAndName,
	}
}

func interfaceObject(r record) providers.Object {
	mask := str(r, "ip.netmask")
	if m, err := normalizeNetmask(mask); err == nil {
		mask = m
	}
	return providers.Object{
		"id":             str(r, "uuid"),
		"name":           str(r, "name"),
		"svm":            str(r, "svm.name"),
		"address":        str(r, "ip.address"),
		"netmask":        mask,
		"home_node":      str(r, "location.home_node.name"),
		"home_port":      str(r, "location.home_port.name"),
		"service_policy": str(r, "service_policy.name"),
	}
}

// normalizeNetmask gives a netmask as a prefix length, the form ONTAP reports.
func normalizeNetmask(s string) (string, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "/")
	if n, err := strconv.Atoi(s); err == nil {
		if n < 0 || n > 128 {
			return "", fmt.Errorf("netmask %q: prefix length out of range", s)
		}
		return strconv.Itoa(n), nil
	}
	ip := net.ParseIP(s).To4()
	if ip == nil {
		return "", fmt.Errorf("netmask %q: want a prefix length (24) or a dotted mask (255.255.255.0)", s)
	}
	ones, bits := net.IPMask(ip).Size()
	if bits == 0 {
		return "", fmt.Errorf("netmask %q is not contiguous", s)
	}
	return strconv.Itoa(ones), nil
}

func interfaceBody(op *operation) map[string]any {
	b := map[string]any{}
	create := op.prior == nil
	set := func(k string) bool { return op.changed(k) || create && providers.Has(op.planned, k) }
	if create {
		b["svm"] = map[string]any{"name": providers.String(op.planned, "svm")}
	}
	if set("name") {
		b["name"] = providers.String(op.planned, "name")
	}
	ip := map[string]any{}
	if set("address") {
		ip["address"] = providers.String(op.planned, "address")
	}
	if set("netmask") {
		ip["netmask"] = providers.String(op.planned, "netmask")
	}
	if len(ip) > 0 {
		b["ip"] = ip
	}
	loc := map[string]any{}
	node := providers.String(op.planned, "home_node")
	if set("home_node") {
		loc["home_node"] = map[string]any{"name": node}
	}
	if set("home_port") {
		port := map[string]any{"name": providers.String(op.planned, "home_port")}
		if node == "" {
			node = providers.String(op.prior, "home_node")
		}
		if node != "" {
			port["node"] = map[string]any{"name": node}
		}
		loc["home_port"] = port
	}
	if len(loc) > 0 {
		b["location"] = loc
	}
	if set("service_policy") {
		b["service_policy"] = map[string]any{"name": providers.String(op.planned, "service_policy")}
	}
	return b
}
