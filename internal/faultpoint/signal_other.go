//go:build !unix

package faultpoint

import "os"

func fireAction(action string) {
	if action == "kill" {
		os.Exit(137)
	}
}
