#!/usr/bin/env bash
# Regenerates docs/screenshot.png: the shipped briefing's front page in headless Chromium (Debian's).
# Needs: apt-get install -y chromium
set -euo pipefail
cd "$(dirname "$0")/.."
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT
cargo run --quiet --release -- build --output-dir "$out/site"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking --disable-component-update \
  --no-first-run --hide-scrollbars --window-size=1280,1000 --screenshot="$out/front.png" \
  "file://$out/site/index.html" 2>/dev/null
mkdir -p docs
cp "$out/front.png" docs/screenshot.png
echo "wrote docs/screenshot.png"
