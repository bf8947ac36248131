#!/usr/bin/env bash
# The test command: installs what the tests need (scripts/setup.sh), checks formatting,
# lints (clippy -D warnings, cfn-lint on template.yaml), runs every Rust test (unit and
# integration, against real moto/nginx/dnsmasq on loopback), then drives the real
# binary as a Lambda under `cargo lambda watch` with a malformed and a good event, and
# as an organization run's coordinator and workers fed by a real (moto) SQS queue.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

echo "==> cargo fmt --check"
cargo fmt --check
echo "==> cfn-lint template.yaml member-role.yaml"
cfn-lint template.yaml member-role.yaml
"$SEED_PYTHON" scripts/check_dashboard.py template.yaml
echo "==> cargo clippy -D warnings"
cargo clippy --release --all-targets --quiet -- -D warnings
echo "==> cargo test"
stop_live() {  # the live tests' nginx and dnsmasq outlive the test process on purpose
  for f in /tmp/acm-doctor-live-nginx.pid /tmp/acm-doctor-live-dnsmasq.pid; do
    [ -f "$f" ] && kill "$(cat "$f")" 2>/dev/null || true
    rm -f "$f"
  done
}
stop_live
trap stop_live EXIT
cargo test --release
stop_live
echo "==> lambda runtime end to end"
bash scripts/lambda-e2e.sh
echo "==> organization run end to end"
bash scripts/org-e2e.sh
