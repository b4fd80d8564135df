#!/usr/bin/env bash
# The inference-gateway chart's install notes (../shared/seed/000_5f2c015f08483f79.txt) checked the
# way the notes tell a person to: their VERIFICATION COMMANDS and TROUBLESHOOTING commands (plus the
# read-only commands of PREREQUISITES and the CRITICAL extension-manager section), with the real
# names filled in, one kubectl after another. Read-only: the notes' writes (kubectl patch, rollout
# restart) and the commands that need a running process (port-forward + curl of /metrics) are left
# out. `npm run bench:doctor` runs this side by side with `kubectl infgw doctor`.
#
#   scripts/notes-verify.sh -n <namespace> -r <release> [--gateway <name>] [--class <gatewayClassName>]
#                           [--eg-namespace <ns>] [--kubeconfig <file>] [-q]
#
# Env: KUBECTL (default .tools/bin/kubectl of this repo), KUBECTL_ARGS (extra arguments for every
# kubectl call, e.g. "-v=6" to count API requests).
# Prints each command and its output (-q: only the summary). The last line is machine-readable:
#   notes-verify: <n> commands, <failed> non-zero, <ms> ms
set -u
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
KUBECTL="${KUBECTL:-$here/../.tools/bin/kubectl}"
KUBECTL_ARGS="${KUBECTL_ARGS:-}"
ns=""
release=""
gateway=""
class="eg"
egns="envoy-gateway-system"
quiet=0
kcfg=()
while [ $# -gt 0 ]; do
  case "$1" in
    -n|--namespace) ns="$2"; shift 2 ;;
    -r|--release) release="$2"; shift 2 ;;
    --gateway) gateway="$2"; shift 2 ;;
    --class) class="$2"; shift 2 ;;
    --eg-namespace) egns="$2"; shift 2 ;;
    --kubeconfig) kcfg=(--kubeconfig "$2"); shift 2 ;;
    -q|--quiet) quiet=1; shift ;;
    -h|--help) sed -n '2,16p' "$0"; exit 0 ;;
    *) echo "notes-verify: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ -z "$ns" ] || [ -z "$release" ]; then
  echo "usage: $0 -n <namespace> -r <release> [--gateway <name>] [--class <gatewayClassName>] [--kubeconfig <file>]" >&2
  exit 2
fi

# The chart's helpers (templates/_helpers.tpl): name "inference-gateway", fullname
# "<release>-inference-gateway" (the release name alone when it already contains the chart name),
# eppName "<fullname>-epp", serviceAccountName = eppName.
chart="inference-gateway"
case "$release" in *"$chart"*) fullname="$release" ;; *) fullname="$release-$chart" ;; esac
fullname="${fullname:0:63}"
fullname="${fullname%-}"
epp="$fullname-epp"
sa="$epp"
gw="${gateway:-$fullname}"

commands=0
failed=0
k() {
  commands=$((commands + 1))
  [ "$quiet" = 1 ] || printf '\n$ kubectl %s\n' "$*"
  # shellcheck disable=SC2086 # KUBECTL_ARGS is a list of words on purpose
  if [ "$quiet" = 1 ]; then
    "$KUBECTL" "${kcfg[@]}" $KUBECTL_ARGS "$@" >/dev/null 2>>"${NOTES_VERIFY_STDERR:-/dev/null}" || failed=$((failed + 1))
  else
    "$KUBECTL" "${kcfg[@]}" $KUBECTL_ARGS "$@" || failed=$((failed + 1))
  fi
}
# `kubectl … | grep …` as the notes write it (grep finding nothing is not a failure of the check)
kgrep() {
  local pattern="$1"
  shift
  commands=$((commands + 1))
  [ "$quiet" = 1 ] || printf '\n$ kubectl %s | grep -i "%s"\n' "$*" "$pattern"
  local out
  # shellcheck disable=SC2086
  out="$("$KUBECTL" "${kcfg[@]}" $KUBECTL_ARGS "$@" 2>>"${NOTES_VERIFY_STDERR:-/dev/null}")" || failed=$((failed + 1))
  if [ "$quiet" = 1 ]; then printf '%s\n' "$out" | grep -i -e "$pattern" >/dev/null || true
  else printf '%s\n' "$out" | grep -i -e "$pattern" || true
  fi
}

t0=$(date +%s%N)

# PREREQUISITES (read-only verifications)
k get gatewayclass "$class"
k get inferenceservice -A
# CRITICAL: ENVOY GATEWAY EXTENSION MANAGER CONFIGURATION
k get configmap -n "$egns" envoy-gateway-config -o yaml

# VERIFICATION COMMANDS
k get gateway "$gw" -n "$ns"
k describe gateway "$gw" -n "$ns"
k get pods -n "$ns" -l "app.kubernetes.io/name=$chart"
k logs -n "$ns" -l "app.kubernetes.io/name=$chart" --tail=50
k get envoyextensionpolicy -n "$ns"
k get inferencepool -A
k describe inferencepool -A
k get httproute -A
k describe httproute -A
kgrep "endpoint" logs -n "$ns" "deployment/$epp"

# TROUBLESHOOTING
# 1. EPP pods not starting
k get crd inferencepools.inference.networking.k8s.io
k auth can-i watch pods "--as=system:serviceaccount:$ns:$sa" -n "$ns"
# 2. Gateway not programmed
k get gatewayclass "$class"
k get pods -n "$egns"
k get gateway "$gw" -n "$ns" -o 'jsonpath={.status.conditions}'
# 3. ext-proc not routing
k get envoyextensionpolicy -n "$ns" -o 'jsonpath={.items[*].status}'
k get configmap -n "$egns" envoy-gateway-config -o yaml
k logs -n "$ns" -l "app.kubernetes.io/name=$chart"
# 4. Requests returning 503
k get inferencepool -n "$ns" -o 'jsonpath={.items[*].status}'
k get pods -n "$ns" -l serving.kserve.io/inferenceservice
kgrep 'ready\|endpoint' logs "deployment/$epp" -n "$ns"
# 5. Streaming not working: responseBodyMode (a chart value: the release's values) and the Envoy
#    Gateway version (the notes give no command; this is the obvious one)
k get envoyextensionpolicy -n "$ns" -o 'jsonpath={.items[*].spec.extProc[*].processingMode}'
k get deployment envoy-gateway -n "$egns" -o 'jsonpath={.spec.template.spec.containers[*].image}'
# 6. High latency: "curl metrics endpoint" needs a port-forward to the EPP (left out); scorer weights:
k get configmap "$epp-config" -n "$ns" -o yaml
# 7. EPP scheduling config not applied: the notes only say "restart" (a write, left out); the
#    timestamps a person compares:
k get pods -n "$ns" -l "app.kubernetes.io/name=$chart" -o 'jsonpath={.items[*].status.startTime}'

t1=$(date +%s%N)
[ "$quiet" = 1 ] || echo
echo "notes-verify: $commands commands, $failed non-zero, $(((t1 - t0) / 1000000)) ms"
