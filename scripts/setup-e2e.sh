#!/usr/bin/env bash
# Sets up what the real-VS-Code end-to-end tests and `npm start` need:
#   - Debian packages: chromium, ripgrep and the headers code-server's native
#     modules build against (installed only when missing);
#   - code-server (the real VS Code workbench + Node extension host) from npm,
#     into .e2e/, without its post-install download steps (they fetch binaries
#     from GitHub, which these machines cannot reach);
#   - playwright-core in the project's node_modules (it drives Chromium; it
#     never downloads a browser: we use Debian's /usr/bin/chromium).
# Idempotent: a marker file makes a second run return in well under a second.
# Works unattended (CI=true, no stdin) as root, or as a user with sudo.
set -euo pipefail

CODE_SERVER_VERSION="4.100.3"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
E2E_DIR="$ROOT/.e2e"
MARKER="$E2E_DIR/.setup-done-code-server-$CODE_SERVER_VERSION"
APT_PACKAGES=(libkrb5-dev libx11-dev libxkbfile-dev libsecret-1-dev pkg-config ripgrep chromium python3 make g++)

log() { printf '[setup-e2e] %s\n' "$*"; }
die() { printf '[setup-e2e] ERROR: %s\n' "$*" >&2; exit 1; }
start_ts=$(date +%s)

# ---------------------------------------------------------------- 1. Debian
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null || die "missing packages (${missing[*]}) and no apt-get; install them by hand"
  SUDO=""
  if [ "$(id -u)" != "0" ]; then
    command -v sudo >/dev/null || die "missing packages (${missing[*]}); run as root or install them by hand"
    SUDO="sudo -n"
  fi
  log "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  log "Debian packages present"
fi
[ -x /usr/bin/chromium ] || die "/usr/bin/chromium not found after install"
command -v rg >/dev/null || die "ripgrep (rg) not found after install"

# ------------------------------------------------------ 2. playwright-core
cd "$ROOT"
if [ ! -f node_modules/playwright-core/package.json ]; then
  if [ ! -d node_modules ]; then
    log "node_modules missing: npm ci"
    npm ci --no-audit --no-fund
  else
    log "playwright-core missing from node_modules: npm install"
    npm install --no-audit --no-fund
  fi
fi
[ -f node_modules/playwright-core/package.json ] || die "playwright-core not installed (is it in devDependencies?)"
log "playwright-core $(node -p "require('./node_modules/playwright-core/package.json').version") present"

# ------------------------------------------------------------ 3. code-server
if [ -f "$MARKER" ] && [ -x "$E2E_DIR/node_modules/.bin/code-server" ]; then
  log "code-server $CODE_SERVER_VERSION already set up in .e2e/ (delete $MARKER to redo)"
else
  log "installing code-server $CODE_SERVER_VERSION into .e2e/ (a few minutes)"
  # node-gyp would download Node's headers from nodejs.org (unreachable here);
  # the installed Node ships them (<prefix>/include/node), so point it there.
  NODE_PREFIX="$(dirname "$(dirname "$(node -p process.execPath)")")"
  if [ -z "${npm_config_nodedir:-}" ] && [ -f "$NODE_PREFIX/include/node/node_version.h" ]; then
    export npm_config_nodedir="$NODE_PREFIX"
    log "native builds use Node headers from $NODE_PREFIX/include/node"
  elif [ -z "${npm_config_nodedir:-}" ] && [ ! -f "$HOME/.cache/node-gyp/$(node -p process.versions.node)/include/node/node.h" ]; then
    log "WARNING: no local Node headers found; node-gyp will try to download them"
  fi
  mkdir -p "$E2E_DIR"
  cd "$E2E_DIR"
  [ -f package.json ] || printf '{ "name": "mesh-yaml-e2e", "private": true }\n' > package.json
  # .e2e/ is its own npm project; make sure npm doesn't walk up to ours.
  npm install --no-audit --no-fund --ignore-scripts --save-exact "code-server@$CODE_SERVER_VERSION"
  log "building argon2 (native)"
  npm rebuild argon2
  VSCODE_DIR="$E2E_DIR/node_modules/code-server/lib/vscode"
  cd "$VSCODE_DIR"
  log "installing VS Code's own dependencies"
  npm install --omit=dev --ignore-scripts --no-audit --no-fund
  # @vscode/ripgrep's post-install downloads rg from GitHub: use Debian's.
  mkdir -p node_modules/@vscode/ripgrep/bin
  cp "$(command -v rg)" node_modules/@vscode/ripgrep/bin/rg
  log "building VS Code native modules (node-pty, spdlog, watcher, kerberos...)"
  npm_config_yes=true npm rebuild
  ln -sfn node_modules node_modules.asar
  cd extensions
  log "installing built-in extensions' dependencies"
  npm install --omit=dev --ignore-scripts --no-audit --no-fund
  node ./postinstall.mjs
  cd "$E2E_DIR"
  CS=("$E2E_DIR/node_modules/.bin/code-server" --config "$E2E_DIR/code-server-config.yaml")
  "${CS[@]}" --version >/dev/null || die "code-server does not run"
  date -u +%FT%TZ > "$MARKER"
  log "code-server ready: $("${CS[@]}" --version | head -1)"
fi

log "done in $(( $(date +%s) - start_ts )) s"
