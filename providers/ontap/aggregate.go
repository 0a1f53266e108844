package ontap

import (
	"github.com/enclave-dev/enclave/providers"
)

func init() {
	dataKinds[typeAggregate] = &dataKind{
		path:   "/api/storage/aggregates",
		fields: "name,node.name,state,space.block_storage.size,space.block_storage.used,space.block_storage.available",
		object: func(r record) providers.Object {
			o := providers.Object{
				"id":    str(r, "uuid"),
				"name":  str(r, "name"),
				"node":  str(r, "node.name"),
				"state": str(r, "state"),
			}
			for k, f := range map[string]string{"size_bytes": "space.block_storage.size", "used_bytes": "space.block_storage.used", "available_bytes": "space.block_storage.available"} {
				if n, ok := integer(r, f); ok {
					o[k] = n
				}
			}
			return o
		},
	}
}
