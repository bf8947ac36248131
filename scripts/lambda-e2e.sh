#!/usr/bin/env bash
# The real binary under `cargo lambda watch` (the Lambda runtime API emulator): a
# malformed event fails its own invocation with a non-retryable error type, and the same
# runtime then serves a scheduled event (probing within the invocation's deadline) and
# publishes to SNS (moto).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/moto.sh
MOTO_PORT="${MOTO_PORT:-5610}"
LAMBDA_PORT="${LAMBDA_PORT:-9610}"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT
start_moto "$MOTO_PORT"; pids+=("$MOTO_PID")
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
seed="$ACM_DOCTOR_CACHE/e2e-estate.json"
"$SEED_PYTHON" infra/demo/seed.py --expire-in 300 > "$seed"
topic=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["topic_arn"])' "$seed")
envfile="$ACM_DOCTOR_CACHE/e2e.env"
printf 'AWS_ENDPOINT_URL=%s\nAWS_ACCESS_KEY_ID=testing\nAWS_SECRET_ACCESS_KEY=testing\nAWS_REGION=us-east-1\nSCAN_REGIONS=us-east-1\nFINDINGS_TOPIC_ARN=%s\nDNS_SERVERS=127.0.0.1:9\n' "$AWS_ENDPOINT_URL" "$topic" > "$envfile"
cargo lambda watch --release --ignore-changes -q -A 127.0.0.1 -P "$LAMBDA_PORT" --env-file "$envfile" >"$ACM_DOCTOR_CACHE/e2e-watch.log" 2>&1 &
pids+=("$!")

invoke() { cargo lambda invoke acm-doctor -A 127.0.0.1 -P "$LAMBDA_PORT" --data-file "$1" --output-format json 2>&1; }
# Wait for the emulator (it builds/starts the function on first invoke).
for _ in $(seq 1 120); do
  if curl -s -o /dev/null "http://127.0.0.1:$LAMBDA_PORT/" 2>/dev/null; then break; fi
  sleep 1
done
bad=$(invoke events/malformed.json || true)
echo "malformed event -> $bad"
# Here-strings, not `echo | grep -q`: under pipefail grep's early exit can SIGPIPE echo
# and fail a check that matched.
grep -q "NonRetryable.MalformedEvent" <<<"$bad" || { echo "FAIL: malformed event did not give a non-retryable error"; exit 1; }
good=$(invoke events/scheduled.json)
echo "scheduled event -> $good"
grep -q '"status":"published"' <<<"$good" || grep -q '"status": "published"' <<<"$good" || { echo "FAIL: scheduled event after a malformed one was not served"; exit 1; }
# The probe ran within the emulator's deadline (30 s): every host was probed (DNS that
# fails is a fact, not a gap), so the run is complete.
grep -Eq '"incomplete": ?false' <<<"$good" || { echo "FAIL: the scheduled run was incomplete (hosts not probed before the deadline?)"; exit 1; }
# The run's CloudWatch metrics (embedded metric format) are on the function's stdout.
grep -q '"CloudWatchMetrics"' "$ACM_DOCTOR_CACHE/e2e-watch.log" && grep -q '"DaysToExpiry"' "$ACM_DOCTOR_CACHE/e2e-watch.log" \
  || { echo "FAIL: the scheduled run printed no EMF metrics"; tail -20 "$ACM_DOCTOR_CACHE/e2e-watch.log"; exit 1; }
ignored=$(invoke events/unknown-detail-type.json)
grep -q 'ignored' <<<"$ignored" || { echo "FAIL: unknown detail-type was not ignored"; exit 1; }
echo "lambda e2e: 5 passed, 0 failed"
