#!/usr/bin/env bash
# Installs what the demo and the tests need on a fresh Debian machine (idempotent):
# Debian packages (nginx, dnsmasq, openssl, python venv, chromium), and a Python venv holding
# moto[server] (the AWS emulator), cfn-lint, cargo-lambda with zig, and Rust's arm64 target.
# Sourced by demo.sh/test.sh.
set -euo pipefail

export ACM_DOCTOR_CACHE="${ACM_DOCTOR_CACHE:-$HOME/.cache/acm-doctor}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/acm-doctor-target}"
export ACM_DOCTOR_VENV="${ACM_DOCTOR_VENV:-$HOME/.cache/acm-doctor-venv}"
mkdir -p "$ACM_DOCTOR_CACHE"

need_apt=()
command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || need_apt+=(nginx-light)
command -v dnsmasq >/dev/null 2>&1 || [ -x /usr/sbin/dnsmasq ] || need_apt+=(dnsmasq-base)
command -v openssl >/dev/null 2>&1 || need_apt+=(openssl)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
python3 -c 'import venv, ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
# The HTML report is opened in headless Chromium by the tests (a screenshot is taken).
[ -x /usr/bin/chromium ] || need_apt+=(chromium)
if [ ${#need_apt[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need_apt[@]}" >/dev/null
fi
# Debian starts nginx on 0.0.0.0:80 after installing it; our servers bind loopback only.
if pgrep -x nginx >/dev/null 2>&1 && [ -f /run/nginx.pid ]; then
  nginx -s quit 2>/dev/null || true
fi

stamp="$ACM_DOCTOR_VENV/.acm-doctor-requirements"
req="moto[server]==5.2.5 cfn-lint==1.58.0 cargo-lambda==1.9.2 ziglang==0.17.1"
if [ ! -x "$ACM_DOCTOR_VENV/bin/moto_server" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$req" ]; then
  python3 -m venv "$ACM_DOCTOR_VENV"
  "$ACM_DOCTOR_VENV/bin/pip" install -q --upgrade pip >/dev/null
  # shellcheck disable=SC2086
  "$ACM_DOCTOR_VENV/bin/pip" install -q $req
  echo "$req" > "$stamp"
fi
export PATH="$ACM_DOCTOR_VENV/bin:$HOME/.cargo/bin:$PATH"
# The test command cross-builds the arm64 Lambda zip, as `sam build` does.
if command -v rustup >/dev/null 2>&1 && ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
  rustup target add aarch64-unknown-linux-gnu >/dev/null
fi
export MOTO_SERVER="$ACM_DOCTOR_VENV/bin/moto_server"
export SEED_PYTHON="$ACM_DOCTOR_VENV/bin/python"
