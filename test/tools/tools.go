//go:build tools

// Package tools pins the Go tools the end-to-end test control plane runs, so that
// `go build sigs.k8s.io/kwok/cmd/kwok` inside this module uses the versions in go.mod/go.sum.
// This is a separate module from test/cluster so KWOK's k8s libraries (v0.36) do not clash
// with the v0.37 libraries that the real control plane is built from.
package tools

import (
	_ "sigs.k8s.io/kwok/cmd/kwok"
)
