#!/usr/bin/env bash
# The probe benchmark: 1,000 local endpoints (endpoints/s, peak RSS), then one endpoint
# with acm-doctor vs sslyze (PyPI) vs testssl.sh (Debian), printing the ratios; then the
# AWS side (scripts/bench_aws.py): a 1,000-certificate account plain and throttled;
# then the cold start (scripts/bench_coldstart.py).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if ! "$ACM_DOCTOR_VENV/bin/python" -c 'import sslyze' 2>/dev/null; then
  "$ACM_DOCTOR_VENV/bin/pip" install -q sslyze
fi
if ! command -v testssl >/dev/null 2>&1 && ! command -v testssl.sh >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends testssl.sh >/dev/null
fi
export SSLYZE="$ACM_DOCTOR_VENV/bin/sslyze"
export TESTSSL="$(command -v testssl || command -v testssl.sh)"
cargo bench --bench probe
# The AWS side: 1,000 certificates, 50 ALBs, 20 distributions on moto, scanned plain and
# with 30% of ACM's calls answered ThrottlingException (scripts/bench_aws.py).
source scripts/moto.sh
start_moto "${BENCH_MOTO_PORT:-5620}"
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
cargo build --release --quiet
"$ACM_DOCTOR_VENV/bin/python" scripts/bench_aws.py "http://127.0.0.1:${BENCH_MOTO_PORT:-5620}" "$CARGO_TARGET_DIR/release/acm-doctor"
# Cold start: process start to the first GET /next on a stand-in runtime API.
"$ACM_DOCTOR_VENV/bin/python" scripts/bench_coldstart.py "$CARGO_TARGET_DIR/release/acm-doctor"
