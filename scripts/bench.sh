#!/usr/bin/env bash
# The benchmark (issue 12), in one run: 1,000 and 10,000 local endpoints probed and judged
# (endpoints/s, CPU per endpoint, peak RSS); one endpoint with acm-doctor vs sslyze (PyPI),
# testssl.sh and check_ssl_cert (Debian), printing the ratios; the AWS side
# (scripts/bench_aws.py): a 1,000-certificate account plain and throttled, then a full
# scan probing 10,000 names (peak RSS); the cold start (scripts/bench_coldstart.py).
# Each target prints a `target:` line; the last line sums them up (exit 1 if one fails).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
if ! "$ACM_DOCTOR_VENV/bin/python" -c 'import sslyze' 2>/dev/null; then
  "$ACM_DOCTOR_VENV/bin/pip" install -q sslyze
fi
need=()
command -v testssl >/dev/null 2>&1 || command -v testssl.sh >/dev/null 2>&1 || need+=(testssl.sh)
[ -x /usr/lib/nagios/plugins/check_ssl_cert ] || need+=(monitoring-plugins-contrib)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
export SSLYZE="$ACM_DOCTOR_VENV/bin/sslyze"
export TESTSSL="$(command -v testssl || command -v testssl.sh)"
export CHECK_SSL_CERT=/usr/lib/nagios/plugins/check_ssl_cert
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
{
  BENCH_ENDPOINTS=1000 cargo bench --bench probe
  BENCH_ENDPOINTS="${BENCH_LARGE:-10000}" BENCH_SKIP_TOOLS=1 cargo bench --bench probe
} 2>&1 | tee -a "$log"
# The AWS side: 1,000 certificates, 50 ALBs, 20 distributions on moto, scanned plain and
# with 30% of ACM's calls answered ThrottlingException; then the full scan.
source scripts/moto.sh
start_moto "${BENCH_MOTO_PORT:-5620}"
trap 'kill "$MOTO_PID" 2>/dev/null || true; rm -f "$log"' EXIT
cargo build --release --quiet
"$ACM_DOCTOR_VENV/bin/python" scripts/bench_aws.py "http://127.0.0.1:${BENCH_MOTO_PORT:-5620}" \
  "$CARGO_TARGET_DIR/release/acm-doctor" --full-scan-endpoints "${BENCH_LARGE:-10000}" 2>&1 | tee -a "$log"
# Cold start: process start to the first GET /next on a stand-in runtime API.
"$ACM_DOCTOR_VENV/bin/python" scripts/bench_coldstart.py "$CARGO_TARGET_DIR/release/acm-doctor" 2>&1 | tee -a "$log"
# The one summary line.
pass=$(grep -c '^target: .* PASS$' "$log" || true)
all=$(grep -c '^target: ' "$log" || true)
failed=$(grep '^target: .* FAIL$' "$log" | sed -E 's/^target: ([^=]*) = ([^(]*)\((.*)\) FAIL$/\1 \2(\3)/; s/ +/ /g' | paste -sd ';' - || true)
if [ "$pass" -eq "$all" ] && [ "$all" -gt 0 ]; then
  echo "bench: PASS - $pass of $all targets met"
else
  echo "bench: FAIL - $pass of $all targets met; not met: ${failed:-none printed}"
  exit 1
fi
