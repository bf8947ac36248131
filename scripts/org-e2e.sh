#!/usr/bin/env bash
# The organization run end to end on moto (issue 14): the real binary as coordinator and
# as workers, a real (moto) SQS queue worked like Lambda's event source mapping, faults
# injected by a proxy (denied AssumeRole, a failing region, a worker killed mid-shard).
# `scripts/org-e2e.sh --bench [--accounts N --regions M --workers K]` measures instead.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/moto.sh
MOTO_PORT="${MOTO_PORT:-5640}"
start_moto "$MOTO_PORT"
trap 'kill "$MOTO_PID" 2>/dev/null || true' EXIT
[ -x "$CARGO_TARGET_DIR/release/acm-doctor" ] || cargo build --release --quiet
"$SEED_PYTHON" scripts/org_e2e.py "http://127.0.0.1:$MOTO_PORT" "$CARGO_TARGET_DIR/release/acm-doctor" "$@"
