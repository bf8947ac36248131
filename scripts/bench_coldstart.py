"""Cold start (issue 12's bench): the time from starting the release binary as a Lambda
function to its first `GET /2018-06-01/runtime/invocation/next` on a stand-in runtime API
on loopback (the runtime init a real cold start pays before the first event). Best and
median of N starts.

Usage: python scripts/bench_coldstart.py BINARY [--runs N]
"""

import argparse
import http.server
import os
import statistics
import subprocess
import threading
import time


class Runtime(http.server.BaseHTTPRequestHandler):
    first_next = None
    event = threading.Event()

    def log_message(self, *a):
        pass

    def do_GET(self):
        if self.path.endswith("/runtime/invocation/next"):
            Runtime.first_next = time.monotonic()
            Runtime.event.set()
            # Hold the long poll: the process is killed once the time is taken.
            time.sleep(0.5)
        self.send_response(500)
        self.end_headers()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Runtime)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update(
        AWS_LAMBDA_RUNTIME_API=f"127.0.0.1:{server.server_address[1]}",
        AWS_LAMBDA_FUNCTION_NAME="acm-doctor", AWS_LAMBDA_FUNCTION_MEMORY_SIZE="256",
        AWS_LAMBDA_FUNCTION_VERSION="1", AWS_REGION="us-east-1",
        AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing", AWS_EC2_METADATA_DISABLED="true",
    )
    times = []
    for _ in range(a.runs):
        Runtime.event.clear()
        started = time.monotonic()
        p = subprocess.Popen([a.binary], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        if not Runtime.event.wait(10):
            p.kill()
            raise SystemExit("the function never asked for an event")
        times.append((Runtime.first_next - started) * 1000)
        p.kill()
        p.wait()
    print(f"cold start (process start to the first GET /next): best {min(times):.1f} ms, "
          f"median {statistics.median(times):.1f} ms over {a.runs} starts")


if __name__ == "__main__":
    main()
