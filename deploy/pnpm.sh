#!/usr/bin/env bash
# Runs the pnpm version pinned in package.json ("packageManager") without a global install:
# corepack first (signature check off: the npm mirror here serves no signing keys), npx as fallback.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
version=$(node -p "require('$root/package.json').packageManager.split('@')[1]")
if command -v pnpm >/dev/null 2>&1 && [ "$(pnpm --version 2>/dev/null)" = "$version" ]; then exec pnpm "$@"; fi
if command -v corepack >/dev/null 2>&1 && COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0 corepack pnpm --version >/dev/null 2>&1; then
  COREPACK_INTEGRITY_KEYS=0 COREPACK_ENABLE_DOWNLOAD_PROMPT=0 exec corepack pnpm "$@"
fi
exec npx --yes "pnpm@$version" "$@"
