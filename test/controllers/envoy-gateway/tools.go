//go:build tools

// Package tools pins the real Envoy Gateway controller that the end-to-end tests can run
// (issue 12): `go build github.com/envoyproxy/gateway/cmd/envoy-gateway` inside this module
// uses the versions in go.mod/go.sum. A module of its own, like test/tools for KWOK, so Envoy
// Gateway's dependency versions do not clash with the control plane's or KWOK's.
package tools

import (
	_ "github.com/envoyproxy/gateway/cmd/envoy-gateway"
)
