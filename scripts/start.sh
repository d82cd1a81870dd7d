#!/usr/bin/env bash
# `npm start`: the demo. Opens the samples/ workspace in a real VS Code with
# Mesh YAML loaded.
#
#   - With a desktop `code` command and a display: builds, then
#     `code --extensionDevelopmentPath=<root> samples` (set MESH_USE_CODE_SERVER=1
#     to use code-server anyway).
#   - Otherwise: code-server (VS Code's workbench in the browser) on
#     http://127.0.0.1:$PORT (default 8080): builds and packages the .vsix,
#     installs it into a fresh extensions dir (.e2e/demo/extensions), opens
#     samples/, and runs until Ctrl+C. Open the printed URL in a browser (from
#     another machine: ssh -L 8080:127.0.0.1:8080 <host>).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PORT:-8080}"
SAMPLES="$ROOT/samples"
DEMO="$ROOT/.e2e/demo"
log() { printf '[start] %s\n' "$*"; }
die() { printf '[start] ERROR: %s\n' "$*" >&2; exit 1; }

cd "$ROOT"
[ -d "$SAMPLES" ] || die "no samples/ folder to open"
if [ ! -d node_modules ]; then
  log "node_modules missing: npm ci"
  npm ci --no-audit --no-fund
fi

# Desktop VS Code, when there is one (and a display to show it on).
if [ -z "${MESH_USE_CODE_SERVER:-}" ] && command -v code >/dev/null 2>&1 \
   && [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  log "building"
  npm run --silent build
  log "launching desktop VS Code: code --extensionDevelopmentPath=$ROOT $SAMPLES"
  exec code --extensionDevelopmentPath="$ROOT" "$SAMPLES"
fi

# code-server.
bash "$ROOT/scripts/setup-e2e.sh"
if node -e "const s=require('net').createServer();s.once('error',()=>process.exit(1));s.listen($PORT,'127.0.0.1',()=>s.close())"; then :; else
  die "port $PORT on 127.0.0.1 is taken; run with another one: PORT=8081 npm start"
fi
log "building and packaging the extension"
VSIX="$(node "$ROOT/scripts/package.mjs" | tail -n 1)"
[ -f "$VSIX" ] || die "packaging did not produce a .vsix"

CODE_SERVER="$ROOT/.e2e/node_modules/.bin/code-server"
USER_DATA="$DEMO/user-data"
EXTENSIONS="$DEMO/extensions"
rm -rf "$EXTENSIONS"
mkdir -p "$USER_DATA/User" "$EXTENSIONS"
if [ ! -f "$USER_DATA/User/settings.json" ]; then
  cat > "$USER_DATA/User/settings.json" <<'EOF'
{
  "workbench.startupEditor": "none",
  "workbench.tips.enabled": false,
  "telemetry.telemetryLevel": "off",
  "security.workspace.trust.enabled": false,
  "extensions.autoUpdate": false,
  "extensions.autoCheckUpdates": false,
  "update.mode": "none",
  "git.openRepositoryInParentFolders": "never"
}
EOF
fi
log "installing $(basename "$VSIX") into $EXTENSIONS (offline)"
CONFIG="$DEMO/code-server-config.yaml"   # else code-server writes ~/.config/code-server/
"$CODE_SERVER" --config "$CONFIG" --user-data-dir "$USER_DATA" --extensions-dir "$EXTENSIONS" --force \
  --install-extension "$VSIX" >/dev/null

URL="http://127.0.0.1:$PORT/?folder=$SAMPLES"
log "Mesh YAML demo: open $URL"
log "(samples/ is open; try samples/mistakes for diagnostics and quick fixes). Ctrl+C stops."
BIND="127.0.0.1:$PORT"
unset PORT   # code-server reads $PORT itself and it would override --bind-addr
exec "$CODE_SERVER" --config "$CONFIG" --auth none --bind-addr "$BIND" \
  --user-data-dir "$USER_DATA" --extensions-dir "$EXTENSIONS" \
  --disable-telemetry --disable-update-check --disable-workspace-trust \
  --disable-getting-started-override --ignore-last-opened "$SAMPLES"
