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
"$SEED_PYTHON" infra/demo/seed.py --expire-in 5 --tls-dir "$tls" > "$seed"
api_pin=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["pins"]["api_leaf"])' "$seed")
topic=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["topic_arn"])' "$seed")
queue=$("$SEED_PYTHON" -c 'import json,sys; print(json.load(open(sys.argv[1]))["queue_url"])' "$seed")

echo "==> starting the live endpoints: nginx on 127.0.0.20:443/80, dnsmasq on 127.0.0.1:$DNS_PORT" >&2
# What visitors of the imported-certificate sites get: api serves a page with mixed
# content, legacy its self-signed certificate and plain HTTP on :80, partner a leaf
# without its intermediate, status an expired certificate. Names without a server block
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
}
CONF
nginx -c "$tls/nginx.conf" -e "$tls/error.log" & pids+=("$!")
dnsmasq --keep-in-foreground --conf-file=/dev/null --no-resolv --no-hosts --bind-interfaces \
  --listen-address=127.0.0.1 --port="$DNS_PORT" --user=root \
  --address=/blog.example.com/127.0.0.21 --address=/example.com/127.0.0.20 \
  --address=/amazonaws.com/127.0.0.20 --address=/cloudfront.net/127.0.0.20 & pids+=("$!")
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
PINNED_SPKI_SHA256='++MBgDH5WGvL9Bcn5Be30cRcL0f5O+NyoXuWtQdX1aI=,47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=,$api_pin'
DNS_SERVERS=127.0.0.1:$DNS_PORT
EXTRA_TRUSTED_CA_PEM=$tls/root.pem
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
