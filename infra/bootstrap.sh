# shellcheck shell=bash
# Sourced by ./tally and .ci/run. Puts Node 24 and the pinned pnpm first on PATH, installing them
# into .local/tools when the machine has no fit ones, then installs the workspace's dependencies.
# Idempotent: the second run only checks versions and lets pnpm confirm the lockfile (~1 s).

TALLY_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
TALLY_NODE_VERSION="24.21.0"   # node-linux-<arch> on npm carries the official binary
TALLY_PNPM_VERSION="$(sed -n 's/.*"packageManager": *"pnpm@\([^"]*\)".*/\1/p' "$TALLY_ROOT/package.json")"
TALLY_TOOLS="$TALLY_ROOT/.local/tools"

tally_log() { printf '[tally] %s\n' "$*" >&2; }

tally_node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

tally_npm_install_into() { # dir spec
  mkdir -p "$1"
  # NOTE: a private prefix, so nothing global is touched and the folder can simply be deleted.
  npm install --prefix "$1" --no-save --no-audit --no-fund --no-package-lock --loglevel=error "$2" >&2
}

tally_bootstrap_node() {
  if [ "$(tally_node_major)" -ge 24 ]; then return 0; fi
  local arch
  case "$(uname -m)" in
    x86_64) arch=x64 ;;
    aarch64 | arm64) arch=arm64 ;;
    *) tally_log "no Node 24 package for $(uname -m); install Node 24 yourself"; return 1 ;;
  esac
  local dir="$TALLY_TOOLS/node-$TALLY_NODE_VERSION"
  local bin="$dir/node_modules/node-linux-$arch/bin"
  if [ ! -x "$bin/node" ]; then
    command -v npm >/dev/null || { tally_log "need npm (any version) to fetch Node 24"; return 1; }
    tally_log "machine Node is $(node -v 2>/dev/null || echo missing); installing Node $TALLY_NODE_VERSION into ${dir#"$TALLY_ROOT"/}"
    tally_npm_install_into "$dir" "node-linux-$arch@$TALLY_NODE_VERSION" || return 1
  fi
  export PATH="$bin:$PATH"
}

tally_bootstrap_pnpm() {
  if [ "$(pnpm --version 2>/dev/null)" = "$TALLY_PNPM_VERSION" ]; then return 0; fi
  local dir="$TALLY_TOOLS/pnpm-$TALLY_PNPM_VERSION"
  if [ ! -x "$dir/node_modules/.bin/pnpm" ]; then
    tally_log "installing pnpm $TALLY_PNPM_VERSION into ${dir#"$TALLY_ROOT"/}"
    tally_npm_install_into "$dir" "pnpm@$TALLY_PNPM_VERSION" || return 1
  fi
  export PATH="$dir/node_modules/.bin:$PATH"
}

tally_bootstrap() {
  tally_bootstrap_node || return 1
  tally_bootstrap_pnpm || return 1
  (cd "$TALLY_ROOT" && pnpm install --frozen-lockfile --prefer-offline --reporter=silent) || {
    tally_log "pnpm install failed"
    return 1
  }
}
