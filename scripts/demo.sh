#!/usr/bin/env bash
# The demo: builds acm-doctor, starts moto seeded with a demo estate full of problems,
# runs the real binary as a Lambda under `cargo lambda watch`, invokes it with a
# scheduled EventBridge event, and prints the report it published to SNS (read back
# through an SQS queue subscribed to the topic). Everything listens on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/moto.sh

MOTO_PORT="${MOTO_PORT:-5600}"
LAMBDA_PORT="${LAMBDA_PORT:-9600}"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "==> building acm-doctor (release; the first build takes 5-10 minutes)" >&2
cargo build --release --quiet

echo "==> starting moto on 127.0.0.1:$MOTO_PORT and seeding the demo estate" >&2
start_moto "$MOTO_PORT"; pids+=("$MOTO_PID")
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
seed="$ACM_DOCTOR_CACHE/demo-estate.json"
"$SEED_PYTHON" infra/demo/seed.py --expire-in 5 > "$seed"
api_pin=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pins"]["api_leaf"])' "$seed")
topic=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["topic_arn"])' "$seed")
queue=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["queue_url"])' "$seed")
sleep 5  # let the "status" certificate expire for real

echo "==> starting the function under cargo lambda watch on 127.0.0.1:$LAMBDA_PORT" >&2
envfile="$ACM_DOCTOR_CACHE/demo.env"
cat > "$envfile" <<ENV
AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
AWS_ACCESS_KEY_ID=demo
AWS_SECRET_ACCESS_KEY=demo
AWS_REGION=us-east-1
SCAN_REGIONS=us-east-1
FINDINGS_TOPIC_ARN=$topic
PINNED_SPKI_SHA256=++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=,47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=,$api_pin
ENV
cargo lambda watch --release --ignore-changes -q -A 127.0.0.1 -P "$LAMBDA_PORT" --env-file "$envfile" >"$ACM_DOCTOR_CACHE/lambda-watch.log" 2>&1 &
pids+=("$!")

echo "==> invoking with events/scheduled.json" >&2
start=$(date +%s.%N)
for _ in $(seq 1 60); do
  if summary=$(cargo lambda invoke acm-doctor -A 127.0.0.1 -P "$LAMBDA_PORT" --data-file events/scheduled.json 2>/dev/null); then break; fi
  sleep 1
done
end=$(date +%s.%N)
echo "==> handler response (run summary):" >&2
echo "$summary"
echo "==> invocation wall time: $(python3 -c "print(round($end-$start,2))") s" >&2

echo "==> the report published to SNS (email digest, then JSON):" >&2
"$SEED_PYTHON" - "$queue" <<'PY'
import json, sys, boto3
sqs = boto3.client("sqs")
msgs = []
for _ in range(5):
    r = sqs.receive_message(QueueUrl=sys.argv[1], MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"])
    msgs += r.get("Messages", [])
    if not r.get("Messages"):
        break
if not msgs:
    sys.exit("no message was published")
for m in msgs:
    env = json.loads(m["Body"])
    report = json.loads(env["Message"])
    print("Subject:", env.get("Subject"))
    print("Attributes:", {k: v["Value"] for k, v in env.get("MessageAttributes", {}).items()})
    print()
    for f in report["findings"]:
        print(f'[{f["severity"].upper():8}] {f["cause"]:26} {f["check"]:34} {f.get("hostname") or ""}')
    print()
    print(json.dumps(report, indent=2))
PY
