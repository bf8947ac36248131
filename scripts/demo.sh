#!/usr/bin/env bash
# The demo: builds acm-doctor, starts moto seeded with a demo estate full of problems,
# prints the email digest a first scheduled run sends (English, then Japanese), then runs
# the real binary as a Lambda under `cargo lambda watch` with STATE_TABLE and
# SECURITY_HUB: a scheduled run publishes every finding to SNS (read back through an SQS
# queue subscribed to the topic) and Security Hub, a second scheduled run publishes
# nothing new, and after one problem is fixed a third announces it as resolved.
# Everything listens on 127.0.0.1. DEMO_LANG=ja makes the Lambda report in Japanese.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
source scripts/moto.sh

MOTO_PORT="${MOTO_PORT:-5600}"
DNS_PORT="${DNS_PORT:-5653}"
LAMBDA_PORT="${LAMBDA_PORT:-9600}"
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT

echo "==> building acm-doctor (release; the first build takes ~40 minutes on 2 cores)" >&2
cargo build --release --quiet

echo "==> starting moto on 127.0.0.1:$MOTO_PORT and seeding the demo estate" >&2
start_moto "$MOTO_PORT"; pids+=("$MOTO_PID")
export AWS_ENDPOINT_URL="http://127.0.0.1:$MOTO_PORT" AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
seed="$ACM_DOCTOR_CACHE/demo-estate.json"
tls="$ACM_DOCTOR_CACHE/demo-tls"
rm -rf "$tls"; mkdir -p "$tls/www/mixed" "$tls/www/plain" "$tls/tmp"
"$SEED_PYTHON" infra/demo/seed.py --expire-in 5 --tls-dir "$tls" --state-table acm-doctor-state > "$seed"
api_pin=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pins"]["api_leaf"])' "$seed")
topic=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["topic_arn"])' "$seed")
queue=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["queue_url"])' "$seed")

echo "==> starting the live endpoints: nginx on 127.0.0.20:443/80, dnsmasq on 127.0.0.1:$DNS_PORT" >&2
# What visitors of the imported-certificate sites get: api serves a page with mixed
# content, legacy its self-signed certificate and plain HTTP on :80, partner a leaf
# without its intermediate, status an expired certificate; the Classic Load Balancer's
# site serves plain HTTP on :80 (it cannot redirect), the IAM-certificate and API
# Gateway sites are healthy. Names without a server block
# are refused at the handshake (nginx's ssl_reject_handshake).
echo '<!doctype html><title>api</title><script src="http://cdn.example.com/sdk.js"></script><img src="http://cdn.example.com/logo.png">' > "$tls/www/mixed/index.html"
echo '<!doctype html><title>legacy</title>' > "$tls/www/plain/index.html"
site() { # name label root port80
  local r80='return 301 https://$host$request_uri;'
  [ "$4" = serve ] && r80="root $tls/www/plain;"
  cat <<CONF
  server { listen 127.0.0.20:443 ssl; server_name $1; ssl_certificate $tls/$2.pem; ssl_certificate_key $tls/$2.key; root $tls/www/$3; }
  server { listen 127.0.0.20:80; server_name $1; $r80 }
CONF
}
cat > "$tls/nginx.conf" <<CONF
user root;  # the files live under \$HOME/.cache
worker_processes 1;
daemon off;
pid $tls/nginx.pid;
error_log $tls/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $tls/tmp/b; proxy_temp_path $tls/tmp/p; fastcgi_temp_path $tls/tmp/f; uwsgi_temp_path $tls/tmp/u; scgi_temp_path $tls/tmp/s;
  default_type text/html;
  server { listen 127.0.0.20:443 ssl default_server; ssl_reject_handshake on; }
  server { listen 127.0.0.20:80 default_server; return 301 https://\$host\$request_uri; }
$(site api.example.com api mixed redirect)
$(site legacy.example.com legacy plain serve)
$(site partner.example.com partner plain redirect)
$(site status.example.com status plain redirect)
$(site classic.example.com classic plain serve)
$(site vault.example.com vault plain redirect)
$(site gateway.example.com gateway plain redirect)
$(site payments.example.com gateway plain redirect)
}
CONF
nginx -c "$tls/nginx.conf" -e "$tls/error.log" & pids+=("$!")
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
  --listen-address=127.0.0.1 --port="$DNS_PORT" --user=root \
  --address=/blog.example.com/127.0.0.21 --address=/example.com/127.0.0.20 \
  --address=/amazonaws.com/127.0.0.20 --address=/cloudfront.net/127.0.0.20 & pids+=("$!")
sleep 5  # let the "status" certificate expire for real

export SCAN_REGIONS=us-east-1 DNS_SERVERS="127.0.0.1:$DNS_PORT" EXTRA_TRUSTED_CA_PEM="$tls/root.pem"
export PINNED_SPKI_SHA256="++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=,47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=,$api_pin"
# The same handler, run once from the CLI without a topic or state: exactly the digest the
# first scheduled run emails, in each report language.
for lang in en ja; do
  echo "==> the email digest of a scheduled run, REPORT_LANGUAGE=$lang:" >&2
  REPORT_LANGUAGE=$lang "$CARGO_TARGET_DIR/release/acm-doctor" invoke --event events/scheduled.json --digest
  echo
done

echo "==> starting the function under cargo lambda watch on 127.0.0.1:$LAMBDA_PORT (STATE_TABLE, SECURITY_HUB=true)" >&2
envfile="$ACM_DOCTOR_CACHE/demo.env"
cat > "$envfile" <<ENV
AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL
AWS_ACCESS_KEY_ID=demo
AWS_SECRET_ACCESS_KEY=demo
AWS_REGION=us-east-1
SCAN_REGIONS=us-east-1
FINDINGS_TOPIC_ARN=$topic
STATE_TABLE=acm-doctor-state
SECURITY_HUB=true
REPORT_LANGUAGE=${DEMO_LANG:-en}
PINNED_SPKI_SHA256='$PINNED_SPKI_SHA256'
DNS_SERVERS=127.0.0.1:$DNS_PORT
EXTRA_TRUSTED_CA_PEM=$tls/root.pem
ENV
cargo lambda watch --release --ignore-changes -q -A 127.0.0.1 -P "$LAMBDA_PORT" --env-file "$envfile" >"$ACM_DOCTOR_CACHE/lambda-watch.log" 2>&1 &
pids+=("$!")

invoke() { # prints the handler's response (the run summary)
  local out
  for _ in $(seq 1 60); do
    if out=$(cargo lambda invoke acm-doctor -A 127.0.0.1 -P "$LAMBDA_PORT" --data-file events/scheduled.json 2>/dev/null); then
      echo "$out"; return 0
    fi
    sleep 1
  done
  echo "the function did not answer; see $ACM_DOCTOR_CACHE/lambda-watch.log" >&2
  return 1
}
published() { # what SNS delivered since the last call, read back through the SQS queue
  "$SEED_PYTHON" - "$queue" "$1" <<'PY'
import json, sys, boto3
sqs = boto3.client("sqs")
msgs = []
for _ in range(5):
    r = sqs.receive_message(QueueUrl=sys.argv[1], MaxNumberOfMessages=10, WaitTimeSeconds=1, MessageAttributeNames=["All"])
    msgs += r.get("Messages", [])
    for m in r.get("Messages", []):
        sqs.delete_message(QueueUrl=sys.argv[1], ReceiptHandle=m["ReceiptHandle"])
    if not r.get("Messages"):
        break
if not msgs:
    print("(nothing was published)")
for i, m in enumerate(msgs):
    env = json.loads(m["Body"])
    report = json.loads(env["Message"])
    with open(f"{sys.argv[2]}-{i + 1}.json", "w") as f:
        json.dump(report, f, indent=2)
    print("Subject:", env.get("Subject"))
    print("Attributes:", {k: v["Value"] for k, v in env.get("MessageAttributes", {}).items()})
    for f in report["findings"]:
        print(f'  [{f["severity"].upper():8}] {f["cause"]:26} {f["check"]:34} {f.get("hostname") or ""}')
    for r in report.get("resolved", []):
        print(f'  [RESOLVED] {r["check"]:34} {r.get("hostname") or r["resource"]}')
    if report.get("quiet"):
        print(f'  ({report["quiet"]} finding(s) kept quiet: already notified)')
    print(f"  (the whole report: {sys.argv[2]}-{i + 1}.json)")
PY
}
security_hub() { # acm-doctor's findings in (moto's) Security Hub
  "$SEED_PYTHON" - <<'PY'
import boto3, collections
fs = [f for f in boto3.client("securityhub").get_findings(MaxResults=100)["Findings"] if f["Id"].startswith("acm-doctor/")]
by = collections.Counter((f["RecordState"], f.get("Workflow", {}).get("Status"), f["Resources"][0]["Type"]) for f in fs)
for (state, wf, kind), n in sorted(by.items()):
    print(f"  {n:3} {state:8} {wf:8} {kind}")
PY
}

echo "==> 1st scheduled run (events/scheduled.json through the Lambda runtime)" >&2
start=$(date +%s.%N)
summary=$(invoke)
end=$(date +%s.%N)
echo "$summary"
echo "==> invocation wall time: $(python3 -c "print(round($end-$start,2))") s" >&2
echo "==> published to SNS:" >&2
published "$ACM_DOCTOR_CACHE/demo-report-run1"
echo "==> in Security Hub:" >&2
security_hub

echo "==> 2nd scheduled run: nothing new, so nothing is published" >&2
invoke
published "$ACM_DOCTOR_CACHE/demo-report-run2"

echo "==> fixing one problem: the partner ALB's HTTP listener now redirects to HTTPS" >&2
"$SEED_PYTHON" - "$seed" <<'PY'
import json, sys, boto3
seed = json.load(open(sys.argv[1]))
boto3.client("elbv2").modify_listener(
    ListenerArn=seed["listeners"]["partner-http"],
    DefaultActions=[{"Type": "redirect", "RedirectConfig": {"Protocol": "HTTPS", "Port": "443", "StatusCode": "HTTP_301"}}],
)
PY
echo "==> 3rd scheduled run: the fix is announced as resolved" >&2
invoke
published "$ACM_DOCTOR_CACHE/demo-report-run3"
echo "==> in Security Hub:" >&2
security_hub
