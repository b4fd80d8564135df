#!/usr/bin/env bash
# Builds the Go binaries of the end-to-end test control plane into .tools/bin/:
#   testcluster          multi-call: up | etcd | kube-apiserver | kube-controller-manager | kube-scheduler
#                        (module test/cluster: k8s.io/kubernetes + published staging modules)
#   kwok                 sigs.k8s.io/kwok/cmd/kwok            (module test/tools)
#   inference-sim        our vLLM-compatible simulator         (module test/tools)
#   gie-epp, gie-bbr     GIE v1.5.0 cmd/epp, cmd/bbr           (module sigs.k8s.io/gateway-api-inference-extension)
#   envoy-gateway        the real Envoy Gateway controller, github.com/envoyproxy/gateway/cmd/envoy-gateway
#                        (module test/controllers/envoy-gateway; issue 12)
#   eg-xds-dump          an xDS client of it (same module, ./xdsdump; issue 14)
#   ai-gateway-controller the real Envoy AI Gateway v1.1.0 controller + extension server, cmd/controller
#                        of ../shared/upstream/ai-gateway-v1.1.0.tar.gz (not served as a module; issue 12)
# and copies KWOK's CRDs and stock Stages from the kwok module into .tools/share/kwok/.
#
# Make-like: a binary is rebuilt only when a source file of its module (or this script) is newer.
# Go's default caches (GOCACHE, GOMODCACHE) are used as they are, so a warm rebuild is quick.
# With CI=true, modules are used read-only (go.mod/go.sum must be complete).
# Env: FORCE=1 rebuilds everything.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if ! command -v go >/dev/null 2>&1 && [ -x /usr/local/go/bin/go ]; then export PATH="/usr/local/go/bin:$PATH"; fi
command -v go >/dev/null 2>&1 || { echo "build-cluster: Go is not installed (need Go >= 1.26)" >&2; exit 1; }

bin="$root/.tools/bin"
share="$root/.tools/share/kwok"
mkdir -p "$bin" "$share"
export CGO_ENABLED=0
modflag=()
if [ "${CI:-}" = "true" ]; then modflag=(-mod=readonly); fi
self="$root/scripts/build-cluster.sh"

# needs_build <binary> <module dir>: true when the binary is missing or older than any source.
needs_build() {
  local out="$1" dir="$2"
  [ "${FORCE:-}" = "1" ] && return 0
  [ -x "$out" ] || return 0
  [ "$self" -nt "$out" ] && return 0
  [ -n "$(find "$dir" -type f \( -name '*.go' -o -name 'go.mod' -o -name 'go.sum' -o -name '*.yaml' \) -newer "$out" -print -quit)" ]
}

timed() { # timed <label> <command...>
  local label="$1"; shift
  local t0=$SECONDS
  echo "build-cluster: building $label ..." >&2
  if ! "$@"; then
    echo "build-cluster: building $label FAILED after $((SECONDS - t0))s" >&2
    return 1
  fi
  echo "build-cluster: $label built in $((SECONDS - t0))s" >&2
}

total0=$SECONDS

# 1. testcluster (real kube-apiserver, controller-manager, scheduler, embedded etcd)
k8s_version="$(awk '$1=="k8s.io/kubernetes"{print $2; exit} $1=="require" && $2=="k8s.io/kubernetes"{print $3; exit}' "$root/test/cluster/go.mod")"
minor="${k8s_version#v1.}"; minor="${minor%%.*}"
vpkg=k8s.io/component-base/version
ldflags="-s -w -X $vpkg.gitVersion=$k8s_version -X $vpkg.gitMajor=1 -X $vpkg.gitMinor=$minor -X $vpkg.gitTreeState=clean -X $vpkg.buildDate=1970-01-01T00:00:00Z"
if needs_build "$bin/testcluster" "$root/test/cluster"; then
  (cd "$root/test/cluster" && timed "testcluster ($k8s_version)" go build "${modflag[@]}" -buildvcs=false -ldflags "$ldflags" -o "$bin/testcluster.tmp" . && mv "$bin/testcluster.tmp" "$bin/testcluster")
else
  echo "build-cluster: testcluster is up to date" >&2
fi

# 2. kwok
if needs_build "$bin/kwok" "$root/test/tools"; then
  (cd "$root/test/tools" && timed kwok go build "${modflag[@]}" -buildvcs=false -ldflags "-s -w" -o "$bin/kwok.tmp" sigs.k8s.io/kwok/cmd/kwok && mv "$bin/kwok.tmp" "$bin/kwok")
else
  echo "build-cluster: kwok is up to date" >&2
fi

# 3. inference-sim
if needs_build "$bin/inference-sim" "$root/test/tools"; then
  (cd "$root/test/tools" && timed inference-sim go build "${modflag[@]}" -buildvcs=false -ldflags "-s -w" -o "$bin/inference-sim.tmp" ./inference-sim && mv "$bin/inference-sim.tmp" "$bin/inference-sim")
else
  echo "build-cluster: inference-sim is up to date" >&2
fi

# 3b. GIE v1.5.0 Endpoint Picker and body-based router (epp block; issue 12), new names:
#   gie-epp  cmd/epp   (Endpoint Picker: ext-proc gRPC, health gRPC, /metrics)
#   gie-bbr  cmd/bbr   (body-based routing ext-proc)
# Source: the module sigs.k8s.io/gateway-api-inference-extension@v1.5.0 as the Go module proxy
# serves it (checksum-verified; tag v1.5.0), built in its own module (its go.mod/go.sum, GOWORK=off:
# the module's go.work names a conformance module that is not part of the zip). Not from
# ../shared/upstream/gateway-api-inference-extension-v1.5.0.tar.gz: that snapshot lacks
# sidecars/latencypredictorasync, which cmd/epp imports, so it cannot build the EPP; the files it
# has are identical to the module's.
gie_version=v1.5.0
gie_json="$(cd "$root" && GOFLAGS= GOWORK=off go mod download -json "sigs.k8s.io/gateway-api-inference-extension@$gie_version")"
gie_dir="$(printf '%s\n' "$gie_json" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
gie_commit="$(printf '%s\n' "$gie_json" | sed -n 's/^[[:space:]]*"Hash": "\([0-9a-f]*\)",*$/\1/p' | head -1)"
[ -f "$gie_dir/go.mod" ] || { echo "build-cluster: GIE $gie_version module not found ($gie_dir)" >&2; exit 1; }
# As GIE's Dockerfile stamps its images: inference_extension_info{commit,build_ref} shows them.
gie_vpkg=sigs.k8s.io/gateway-api-inference-extension/version
gie_ldflags="-s -w -X $gie_vpkg.CommitSHA=${gie_commit:-unknown} -X $gie_vpkg.BuildRef=$gie_version"
for gie_cmd in epp bbr; do
  gie_out="$bin/gie-$gie_cmd"
  # The module version is immutable: rebuild only when the binary is missing or this script changed.
  if [ "${FORCE:-}" = "1" ] || [ ! -x "$gie_out" ] || [ "$self" -nt "$gie_out" ]; then
    (cd "$gie_dir" && GOWORK=off timed "gie-$gie_cmd (GIE $gie_version cmd/$gie_cmd)" nice go build "${modflag[@]}" -buildvcs=false -ldflags "$gie_ldflags" -o "$gie_out.tmp" "./cmd/$gie_cmd" && mv "$gie_out.tmp" "$gie_out")
  else
    echo "build-cluster: gie-$gie_cmd is up to date" >&2
  fi
done
# 3c. envoy-gateway: the real Envoy Gateway controller (issue 12), its own module so its
# dependency versions stay apart from the control plane's and KWOK's. Built with nice: it is
# the largest binary here and the machine is shared.
eg_dir="$root/test/controllers/envoy-gateway"
eg_version="$(awk '$1=="github.com/envoyproxy/gateway"{print $2; exit} $1=="require" && $2=="github.com/envoyproxy/gateway"{print $3; exit}' "$eg_dir/go.mod")"
if needs_build "$bin/envoy-gateway" "$eg_dir"; then
  # The version as upstream's Makefile stamps it (internal/cmd/version: `envoy-gateway version`).
  (cd "$eg_dir" && timed "envoy-gateway ($eg_version)" \
    nice go build "${modflag[@]}" -buildvcs=false -ldflags "-s -w -X github.com/envoyproxy/gateway/internal/cmd/version.envoyGatewayVersion=$eg_version" \
      -o "$bin/envoy-gateway.tmp" github.com/envoyproxy/gateway/cmd/envoy-gateway \
    && mv "$bin/envoy-gateway.tmp" "$bin/envoy-gateway")
else
  echo "build-cluster: envoy-gateway is up to date" >&2
fi
# eg-xds-dump: an xDS client of that controller (same module, test/controllers/envoy-gateway/xdsdump;
# issue 14): prints what the controller serves a Gateway's proxy as an Envoy admin config dump.
if needs_build "$bin/eg-xds-dump" "$eg_dir"; then
  (cd "$eg_dir" && timed "eg-xds-dump" nice go build "${modflag[@]}" -buildvcs=false -ldflags "-s -w" -o "$bin/eg-xds-dump.tmp" ./xdsdump \
    && mv "$bin/eg-xds-dump.tmp" "$bin/eg-xds-dump")
else
  echo "build-cluster: eg-xds-dump is up to date" >&2
fi

# 3d. ai-gateway-controller: Envoy AI Gateway v1.1.0 from the pinned source tarball (its module is
# not served; its dependencies are). Unpacked into .tools/src/ (never into the repository). Its
# CRDs and Envoy Gateway's own (the gateway-crds-helm templates without their Helm guard lines)
# go to .tools/share/ for the tests that run the real controllers.
aigw_tar="$root/../shared/upstream/ai-gateway-v1.1.0.tar.gz"
aigw_src="$root/.tools/src/ai-gateway-v1.1.0"
if [ -f "$aigw_tar" ]; then
  if [ ! -f "$aigw_src/go.mod" ] || [ "$aigw_tar" -nt "$aigw_src/go.mod" ]; then
    rm -rf "$aigw_src" && mkdir -p "$root/.tools/src" && tar -xzf "$aigw_tar" -C "$root/.tools/src" && touch "$aigw_src/go.mod"
  fi
  if [ "${FORCE:-}" = "1" ] || [ ! -x "$bin/ai-gateway-controller" ] || [ "$self" -nt "$bin/ai-gateway-controller" ] || [ "$aigw_src/go.mod" -nt "$bin/ai-gateway-controller" ]; then
    (cd "$aigw_src" && timed "ai-gateway-controller (v1.1.0)" \
      nice go build "${modflag[@]}" -buildvcs=false -ldflags "-s -w" -o "$bin/ai-gateway-controller.tmp" ./cmd/controller \
      && mv "$bin/ai-gateway-controller.tmp" "$bin/ai-gateway-controller")
  else
    echo "build-cluster: ai-gateway-controller is up to date" >&2
  fi
  rm -rf "$root/.tools/share/ai-gateway" && mkdir -p "$root/.tools/share/ai-gateway/crds"
  cp "$aigw_src"/manifests/charts/ai-gateway-crds-helm/templates/*.yaml "$root/.tools/share/ai-gateway/crds/"
else
  echo "build-cluster: $aigw_tar not found: ai-gateway-controller not built" >&2
fi
eg_mod_dir="$(cd "$eg_dir" && go list "${modflag[@]}" -m -f '{{.Dir}}' github.com/envoyproxy/gateway)"
rm -rf "$root/.tools/share/envoy-gateway" && mkdir -p "$root/.tools/share/envoy-gateway/crds"
for f in "$eg_mod_dir"/charts/gateway-crds-helm/templates/generated/*.yaml; do
  grep -v '^{{' "$f" > "$root/.tools/share/envoy-gateway/crds/$(basename "$f")"
done
chmod -R u+w "$root/.tools/share/envoy-gateway" "$root/.tools/share/ai-gateway" 2>/dev/null || true

# 4. KWOK CRDs and stock Stages, read from the kwok module (not kept in the repo).
kwok_dir="$(cd "$root/test/tools" && go list "${modflag[@]}" -m -f '{{.Dir}}' sigs.k8s.io/kwok)"
[ -d "$kwok_dir/kustomize/crd/bases" ] || { echo "build-cluster: kwok module not found ($kwok_dir)" >&2; exit 1; }
rm -rf "$share/crds" "$share/stages"
mkdir -p "$share/crds" "$share/stages"
cp "$kwok_dir"/kustomize/crd/bases/*.yaml "$share/crds/"
# Stages run by the `kwok` controller from --config (Stage CRD is not installed).
rm -f "$share/crds/kwok.x-k8s.io_stages.yaml"
st="$kwok_dir/kustomize/stage"
cp "$st/node/fast/node-initialize.yaml" \
   "$st/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml" \
   "$st/pod/fast/pod-ready.yaml" "$st/pod/fast/pod-complete.yaml" "$st/pod/fast/pod-delete.yaml" \
   "$st/pod/chaos/pod-container-running-failed.yaml" "$share/stages/"
chmod -R u+w "$share"

echo "build-cluster: all done in $((SECONDS - total0))s ($bin)" >&2
