"""Organization run end to end (issue 14), on moto: member accounts seeded through
assumed-role credentials (moto isolates resources by the account in the role's ARN), the
real binary run as coordinator and as workers (`acm-doctor invoke --event`), fed by a
real (moto) SQS queue through a loop that behaves like Lambda's event source mapping:
batches, a visibility timeout, redelivery of what was not deleted, delete on success and
of every record not in `batchItemFailures`.

A proxy in front of moto counts calls and injects the faults: an account whose
AssumeRole is denied, a region that fails for one account (as a disabled opt-in region
answers), and one account's first ACM call stalled so that its worker can be killed
mid-shard (its message comes back after the visibility timeout).

Usage:
  python scripts/org_e2e.py MOTO_ENDPOINT BINARY            # the test (asserts, exit 1 on failure)
  python scripts/org_e2e.py MOTO_ENDPOINT BINARY --bench --accounts 20 --regions 3 --workers 4
"""

import argparse
import collections
import concurrent.futures
import hashlib
import http.client
import http.server
import json
import os
import re
import subprocess
import tempfile
import threading
import time
import urllib.parse

import boto3

CENTRAL = "123456789012"  # moto's default account: the function's own
ROLE = "acm-doctor-scan"
HOME_REGION = "us-east-1"


class Proxy(http.server.BaseHTTPRequestHandler):
    """Forwards to moto; knows which account each assumed-role key belongs to."""

    upstream = None
    lock = threading.Lock()
    key_account = {}  # access key id -> account
    calls = collections.Counter()  # (account, op) -> n
    deny_assume = set()  # accounts whose role cannot be assumed
    fail_region = {}  # account -> region answering UnrecognizedClientException
    stall_first_acm = {}  # account -> seconds, once
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def _send(self, status, body, ctype, extra=()):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _any(self):
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        m = re.search(r"Credential=([^/]+)/\d+/([^/]+)/([^/]+)/", auth)
        key, region, service = (m.group(1), m.group(2), m.group(3)) if m else ("", "", "")
        target = self.headers.get("X-Amz-Target") or ""
        params = urllib.parse.parse_qs(body.decode("utf-8", "replace")) if not target else {}
        op = target.split(".")[-1] if target else (params.get("Action", [f"{self.command} {service}"])[0])
        with self.lock:
            account = self.key_account.get(key, CENTRAL)
            self.calls[(account, op)] += 1
        if op == "AssumeRole":
            role = params.get("RoleArn", [""])[0]
            target_account = role.split(":")[4] if role.count(":") >= 5 else ""
            with self.lock:
                self.calls[(target_account, "AssumeRole:" + target_account)] += 1
            if target_account in self.deny_assume:
                err = (f"<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: "
                       f"arn:aws:sts::{CENTRAL}:assumed-role/acm-doctor/fn is not authorized to perform: "
                       f"sts:AssumeRole on resource: {role}</Message></Error><RequestId>x</RequestId></ErrorResponse>").encode()
                return self._send(403, err, "text/xml")
            status, headers, data = self._forward(body)
            ak = re.search(rb"<AccessKeyId>([^<]+)</AccessKeyId>", data)
            if ak:
                with self.lock:
                    self.key_account[ak.group(1).decode()] = target_account
            return self._reply(status, headers, data)
        if account in self.fail_region and region == self.fail_region[account]:
            err = b'{"__type":"UnrecognizedClientException","message":"The security token included in the request is invalid."}'
            return self._send(400, err, "application/x-amz-json-1.1", [("x-amzn-ErrorType", "UnrecognizedClientException")])
        if service == "acm":
            with self.lock:
                stall = self.stall_first_acm.pop(account, 0)
            if stall:
                time.sleep(stall)
        return self._reply(*self._forward(body))

    def _forward(self, body):
        u = urllib.parse.urlparse(self.upstream)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() != "connection"}
        conn.request(self.command, self.path, body=body, headers=headers)
        resp = conn.getresponse()
        data = resp.read()
        conn.close()
        return resp.status, resp.getheaders(), data

    def handle(self):
        try:
            super().handle()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the worker killed mid-shard

    def _reply(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            if k.lower() not in ("content-length", "transfer-encoding", "connection", "date", "server"):
                self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = _any


def client(endpoint, service, region=HOME_REGION, creds=None):
    creds = creds or dict(aws_access_key_id="testing", aws_secret_access_key="testing")
    return boto3.client(service, endpoint_url=endpoint, region_name=region, **creds)


def member_creds(endpoint, account):
    c = client(endpoint, "sts").assume_role(RoleArn=f"arn:aws:iam::{account}:role/{ROLE}", RoleSessionName="seed")["Credentials"]
    return dict(aws_access_key_id=c["AccessKeyId"], aws_secret_access_key=c["SecretAccessKey"], aws_session_token=c["SessionToken"])


def seed_member(endpoint, account, regions, per_region):
    """Certificates nothing uses (each is a `certificate_unused` finding) in each region."""
    creds = member_creds(endpoint, account)
    arns = []
    for r in regions:
        # moto builds an account's backends for a region (EC2's among them, for ELB) on
        # first use, which takes seconds: build them now, not inside the timed scan.
        client(endpoint, "elbv2", r, creds).describe_load_balancers()
        client(endpoint, "elb", r, creds).describe_load_balancers()
        client(endpoint, "apigateway", r, creds).get_domain_names()
        acm = client(endpoint, "acm", r, creds)
        for i in range(per_region):
            arns.append(acm.request_certificate(DomainName=f"site{i}.{r}.a{account}.example.com", ValidationMethod="DNS")["CertificateArn"])
    return arns


def central(endpoint, visibility):
    sqs, ddb, s3, sns = (client(endpoint, s) for s in ("sqs", "dynamodb", "s3", "sns"))
    dlq = sqs.create_queue(QueueName="shards-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    queue = sqs.create_queue(QueueName="shards", Attributes={
        "VisibilityTimeout": str(visibility),
        "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": "3"})})["QueueUrl"]
    ddb.create_table(TableName="runs", BillingMode="PAY_PER_REQUEST",
                     AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}, {"AttributeName": "sk", "AttributeType": "S"}],
                     KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}])
    s3.create_bucket(Bucket="acm-doctor-runs")
    topic = sns.create_topic(Name="findings")["TopicArn"]
    inbox = sqs.create_queue(QueueName="inbox")["QueueUrl"]
    inbox_arn = sqs.get_queue_attributes(QueueUrl=inbox, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=inbox_arn, Attributes={"RawMessageDelivery": "true"})
    return dict(queue=queue, dlq=dlq, topic=topic, inbox=inbox)


def env_for(proxy, c, accounts, regions, deadline_minutes):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_ENDPOINT_URL=proxy, AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
        AWS_REGION=HOME_REGION, AWS_EC2_METADATA_DISABLED="true", SCAN_REGIONS=",".join(regions),
        PROBE="false", ORG_ACCOUNTS=",".join(accounts), SHARD_QUEUE_URL=c["queue"], RUN_TABLE="runs",
        RUN_BUCKET="acm-doctor-runs", FINDINGS_TOPIC_ARN=c["topic"], ORG_DEADLINE_MINUTES=str(deadline_minutes),
        ACM_DOCTOR_LOG="warn")
    return env


def invoke(binary, env, event, kill_after=None):
    """Runs the binary on one event; None when it was killed or failed."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(event, f)
    try:
        p = subprocess.Popen([binary, "invoke", "--event", f.name], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        if kill_after is not None:
            time.sleep(kill_after)
            p.kill()
            p.communicate()
            return None
        out, err = p.communicate(timeout=600)
        if p.returncode != 0:
            print(f"  invoke exited {p.returncode}: {err[-1500:]}")
            return None
        return json.loads(out)
    finally:
        os.unlink(f.name)


def sqs_event(messages, queue_arn):
    return {"Records": [{
        "messageId": m["MessageId"], "receiptHandle": m["ReceiptHandle"], "body": m["Body"],
        "attributes": {k: v for k, v in m.get("Attributes", {}).items()}, "messageAttributes": {},
        "md5OfBody": hashlib.md5(m["Body"].encode()).hexdigest(), "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn, "awsRegion": HOME_REGION} for m in messages]}


class EventSourceMapping:
    """Polls the queue like Lambda's SQS event source mapping: up to `workers` batches of
    `batch` at once, deletes what succeeded, leaves the rest to reappear."""

    def __init__(self, endpoint, binary, env, queue, batch, workers, kill=None):
        self.sqs = client(endpoint, "sqs")
        self.binary, self.env, self.queue, self.batch, self.workers = binary, env, queue, batch, workers
        self.arn = self.sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        self.kill = kill  # (predicate on a batch's bodies, seconds): the first batch it matches is killed
        self.outcomes = []
        self.invocations = 0
        self.killed = 0
        self.lock = threading.Lock()

    def _one(self, messages):
        kill_after = None
        with self.lock:
            self.invocations += 1
            if self.kill and self.kill[0]([m["Body"] for m in messages]):
                kill_after, self.kill = self.kill[1], None
        answer = invoke(self.binary, self.env, sqs_event(messages, self.arn), kill_after)
        if answer is None:
            with self.lock:
                self.killed += kill_after is not None
            return
        failed = {f["itemIdentifier"] for f in answer.get("batchItemFailures", [])}
        with self.lock:
            self.outcomes.extend(answer.get("records", []))
        for m in messages:
            if m["MessageId"] not in failed:
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])

    def drain(self, until, idle_rounds=3):
        """Works batches until `until()` holds and the queue is idle, or 5 minutes pass."""
        idle, started = 0, time.monotonic()
        with concurrent.futures.ThreadPoolExecutor(self.workers) as pool:
            while time.monotonic() - started < 300:
                batches = []
                for _ in range(self.workers):
                    got = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=self.batch,
                                                   WaitTimeSeconds=0, AttributeNames=["All"]).get("Messages", [])
                    if got:
                        batches.append(got)
                if not batches:
                    idle += 1
                    if until() and idle >= idle_rounds:
                        return
                    time.sleep(1)
                    continue
                idle = 0
                for f in [pool.submit(self._one, b) for b in batches]:
                    f.result()


def inbox_reports(endpoint, inbox):
    sqs = client(endpoint, "sqs")
    out = []
    while True:
        got = sqs.receive_message(QueueUrl=inbox, MaxNumberOfMessages=10, WaitTimeSeconds=0).get("Messages", [])
        if not got:
            return out
        for m in got:
            out.append(json.loads(m["Body"]))
            sqs.delete_message(QueueUrl=inbox, ReceiptHandle=m["ReceiptHandle"])


def scheduled_event():
    return {"version": "0", "id": "org-e2e", "detail-type": "Scheduled Event", "source": "aws.events",
            "account": CENTRAL, "time": "2026-12-02T06:00:00Z", "region": HOME_REGION,
            "resources": [f"arn:aws:events:{HOME_REGION}:{CENTRAL}:rule/daily"], "detail": {}}


class ProxyServer(http.server.ThreadingHTTPServer):
    # A shard opens ~85 connections at once (17 regions x 5 services): the default
    # listen backlog of 5 dropped SYNs, and the kernel's retries cost seconds.
    request_queue_size = 1024
    daemon_threads = True


def start_proxy(moto):
    Proxy.upstream = moto
    server = ProxyServer(("127.0.0.1", 0), Proxy)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


def test(moto, binary):
    accounts = ["111111111111", "222222222222", "333333333333", "444444444444"]
    a, b, denied, d = accounts
    regions = ["us-east-1", "eu-west-1"]
    seeded = {acct: seed_member(moto, acct, regions, 2) for acct in (a, b, d)}
    c = central(moto, visibility=6)
    proxy = start_proxy(moto)
    Proxy.deny_assume = {denied}
    Proxy.fail_region = {b: "eu-west-1"}
    Proxy.stall_first_acm = {a: 8}
    env = env_for(proxy, c, accounts, regions, deadline_minutes=1)
    failures = []

    def check(ok, what):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}")
        if not ok:
            failures.append(what)

    coord = invoke(binary, env, scheduled_event())
    print(f"coordinator -> {json.dumps(coord)}")
    check(coord and coord["status"] == "fanned-out" and coord["shards"] == 4, "the coordinator fans out one shard per account")
    run_id = coord["run_id"]
    # A's first ACM call stalls 8 s: its worker is killed 3 s in, mid-shard.
    kill = (lambda bodies: any(f'"account_id":"{a}"' in x for x in bodies), 3.0)
    esm = EventSourceMapping(moto, binary, env, c["queue"], batch=2, workers=2, kill=kill)
    started = time.monotonic()
    esm.drain(until=lambda: bool(client(moto, "sqs").get_queue_attributes(
        QueueUrl=c["inbox"], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] != "0"))
    print(f"workers: {esm.invocations} invocations ({esm.killed} killed) in {time.monotonic() - started:.1f} s")
    check(esm.killed == 1, "one worker was killed mid-shard")
    reports = inbox_reports(moto, c["inbox"])
    check(len(reports) == 1, f"one report for the run (got {len(reports)})")
    if not reports:
        raise SystemExit("FAIL: nothing published")
    r = reports[0]
    check(r.get("run_id") == run_id, "the report carries the run's run_id")
    findings = r["findings"]
    for acct in (a, d):
        for arn in seeded[acct]:
            n = sum(1 for f in findings if f["resource"] == arn)
            check(n == 1, f"{arn.split('/')[-1][:8]}… of {acct} reported exactly once (got {n})")
    b_east = [x for x in seeded[b] if ":us-east-1:" in x]
    check(all(sum(1 for f in findings if f["resource"] == x) == 1 for x in b_east), f"{b}'s us-east-1 certificates reported once each")
    check(not any(f["resource"] in seeded[b] and ":eu-west-1:" in f["resource"] for f in findings), f"{b}'s failed region has no findings")
    wrong = [f for f in findings if f["resource"].startswith("arn:") and f["resource"].split(":")[4] not in ("", f.get("account"))]
    check(not wrong, f"no finding attributed to the wrong account ({len(wrong)} wrong)")
    check(all(f.get("account") for f in findings if f["check"] != "scan_incomplete" or f.get("account")), "every finding names its account")
    skipped = r["skipped"]
    check(any(s.get("account") == denied and "AccessDenied" in s["reason"] for s in skipped), f"the denied account {denied} is named with the reason")
    check(any(s.get("account") == b and s.get("region") == "eu-west-1" for s in skipped), f"{b}'s failed region is named")
    assumes = Proxy.calls[(denied, "AssumeRole:" + denied)]
    check(assumes == 1, f"the denied account was tried once, never retried (AssumeRole calls: {assumes})")
    lines = {x["account"]: x for x in r.get("accounts", [])}
    check(lines.get(denied, {}).get("status") == "not-scanned" and all(lines.get(x, {}).get("status") == "scanned" for x in (a, b, d)),
          "the per-account summary lists every account")
    check(any(o.get("outcome") == "scanned" and o.get("account") == a for o in esm.outcomes), f"{a}'s redelivered shard was scanned after the kill")
    check(sum(1 for o in esm.outcomes if o.get("account") == a and o.get("outcome") == "scanned") == 1, f"{a} counted once")
    ddb = client(moto, "dynamodb")
    run = ddb.get_item(TableName="runs", Key={"pk": {"S": f"run#{run_id}"}, "sk": {"S": "run"}}, ConsistentRead=True)["Item"]
    check(run["finished"]["N"] == "4" and run["status"]["S"] == "published", f"the run table says 4 of 4 finished, published ({run['finished']['N']}, {run['status']['S']})")
    s3 = client(moto, "s3")
    keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="acm-doctor-runs", Prefix=f"runs/{run_id}/").get("Contents", []))
    check(f"runs/{run_id}/report.json" in keys and len([k for k in keys if "/accounts/" in k]) == 3, f"shard reports and the whole report are in the bucket ({len(keys)} objects)")
    check(r.get("full_report") == f"s3://acm-doctor-runs/runs/{run_id}/report.json", "the report names where the full report is")
    # The deadline message (ORG_DEADLINE_MINUTES=1) arrives after the run was published.
    time.sleep(max(0.0, 62 - (time.monotonic() - started)))
    before = len(esm.outcomes)
    esm.drain(until=lambda: True, idle_rounds=2)
    late = esm.outcomes[before:]
    check(any(o.get("outcome") == "already-finished" and o.get("account") is None for o in late), "the deadline message finds the run published")
    check(not inbox_reports(moto, c["inbox"]), "and publishes nothing more")
    dlq = client(moto, "sqs").get_queue_attributes(QueueUrl=c["dlq"], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"]
    check(dlq == "0", "nothing in the shard dead-letter queue")
    print(f"org e2e: {len(failures)} failed")
    if failures:
        raise SystemExit(1)


def bench(moto, binary, n_accounts, n_regions, workers, per_region, batch):
    all_regions = ["us-east-1", "eu-west-1", "ap-northeast-1", "us-west-2", "eu-central-1", "ap-southeast-2",
                   "sa-east-1", "ca-central-1", "eu-west-2", "ap-south-1", "us-east-2", "eu-north-1",
                   "ap-northeast-2", "eu-west-3", "us-west-1", "ap-southeast-1", "ap-northeast-3"]
    regions = all_regions[:n_regions]
    accounts = [f"{100000000000 + i:012d}" for i in range(n_accounts)]
    t = time.monotonic()
    for acct in accounts:
        seed_member(moto, acct, regions, per_region)
    print(f"seeded {n_accounts} accounts x {n_regions} regions x {per_region} certificates in {time.monotonic() - t:.1f} s")
    c = central(moto, visibility=1800)
    proxy = start_proxy(moto)
    env = env_for(proxy, c, accounts, regions, deadline_minutes=30)
    started = time.monotonic()
    coord = invoke(binary, env, scheduled_event())
    esm = EventSourceMapping(moto, binary, env, c["queue"], batch=batch, workers=workers)
    esm.drain(until=lambda: client(moto, "sqs").get_queue_attributes(
        QueueUrl=c["inbox"], AttributeNames=["ApproximateNumberOfMessages"])["Attributes"]["ApproximateNumberOfMessages"] != "0", idle_rounds=1)
    wall = time.monotonic() - started
    reports = inbox_reports(moto, c["inbox"])
    runs = {r["run_id"] for r in reports}
    certs = n_accounts * n_regions * per_region
    print(f"worker outcomes: {collections.Counter(o.get('outcome') for o in esm.outcomes)}; {esm.invocations} invocations")
    whole = json.loads(client(moto, "s3").get_object(Bucket="acm-doctor-runs", Key=f"runs/{coord['run_id']}/report.json")["Body"].read())
    findings = len(whole["findings"])
    unused = sum(1 for f in whole["findings"] if f["check"] == "certificate_unused")
    gaps = [s for s in whole["skipped"] if s.get("kind", "gap") == "gap"]
    print(f"whole report: {findings} findings ({unused} certificate_unused of {certs} certificates), {len(gaps)} gaps: {gaps[:3]}")
    acm = sum(v for (acct, op), v in Proxy.calls.items() if op in ("ListCertificates", "DescribeCertificate", "GetCertificate"))
    total_calls = sum(Proxy.calls.values())
    per_shard = wall * workers / n_accounts
    print(f"{n_accounts} shards ({n_regions} regions each) with {workers} workers: {wall:.1f} s wall, "
          f"{n_accounts / wall:.2f} shards/s, {per_shard:.1f} s per shard (wall x workers / shards), "
          f"{acm / max(certs, 1):.2f} ACM calls per certificate, {total_calls} AWS calls, {findings} findings in {len(runs)} report(s) of {len(reports)} SNS part(s)")
    # 100 x 17 at Lambda concurrency C: a shard's regions are read in parallel and its ACM
    # calls are paced per region within the member account's own quota (describes at
    # 10/s), so shards do not slow each other and a shard's time is its slowest region's:
    # the measured per-shard time (at this run's regions) plus ACM's pace for the
    # certificates a region holds that need a describe (DESCRIBES per region, default
    # 100: ~10 s) — the worst case, where every certificate is in use or unhealthy.
    describes = int(os.environ.get("DESCRIBES", "100"))
    shard = per_shard + describes / 10
    for conc in (10, 20, 50):
        projected = -(-100 // conc) * shard
        print(f"projected 100 accounts x 17 regions at concurrency {conc}: {projected / 60:.1f} min "
              f"({shard:.1f} s per shard with {describes} describes per region; "
              f"{'within' if projected <= 900 else 'beyond'} 15 minutes)")
    ok = len(runs) == 1 and unused == certs and not gaps and (-(-100 // 20) * shard) <= 900
    print(f"summary: one report: {len(runs) == 1}, every certificate judged: {unused == certs}, 100 x 17 at concurrency 20 projected "
          f"{-(-100 // 20) * shard / 60:.1f} min (target <= 15) -> {'PASS' if ok else 'FAIL'}")
    print(f"coordinator: {json.dumps(coord)[:200]}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("moto")
    ap.add_argument("binary")
    ap.add_argument("--bench", action="store_true")
    ap.add_argument("--accounts", type=int, default=20)
    ap.add_argument("--regions", type=int, default=3)
    ap.add_argument("--workers", type=int, default=4)
    ap.add_argument("--per-region", type=int, default=5)
    ap.add_argument("--batch", type=int, default=2)
    a = ap.parse_args()
    if a.bench:
        bench(a.moto, a.binary, a.accounts, a.regions, a.workers, a.per_region, a.batch)
    else:
        test(a.moto, a.binary)


if __name__ == "__main__":
    main()
