#!/usr/bin/env bash
# The test command: installs what the tests need (scripts/setup.sh), checks formatting,
# lints (clippy -D warnings, cfn-lint on template.yaml), runs every Rust test (unit and
# integration, against real moto/nginx/dnsmasq on loopback), then drives the real
# binary as a Lambda under `cargo lambda watch` with a malformed and a good event, and
# as an organization run's coordinator and workers fed by a real (moto) SQS queue; and
# cross-builds the arm64 Lambda zip as `sam build` does, so a broken cross-build fails here.
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
echo "==> cargo lambda build --release --arm64 (the zip sam build makes)"
# Its own target directory: the aarch64 build (zig as the linker) never invalidates the
# host build above, and stays warm between runs.
arm64_target="${ACM_DOCTOR_ARM64_TARGET:-$HOME/.cache/acm-doctor-target-arm64}"
CARGO_TARGET_DIR="$arm64_target" cargo lambda build --release --arm64 --output-format zip --quiet
"$SEED_PYTHON" - "$arm64_target/lambda/acm-doctor/bootstrap.zip" <<'PY'
import struct, sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
elf = z.read("bootstrap")
machine = struct.unpack_from("<H", elf, 18)[0]
mode = z.getinfo("bootstrap").external_attr >> 16
assert elf[:4] == b"\x7fELF" and machine == 0xB7, f"bootstrap is not an aarch64 ELF (e_machine {machine:#x})"
assert mode & 0o111, "bootstrap is not executable in the zip"
print(f"arm64 zip: {sys.argv[1]} ({len(elf) / 2**20:.1f} MiB bootstrap, aarch64, executable)")
PY
echo "==> lambda runtime end to end"
bash scripts/lambda-e2e.sh
echo "==> organization run end to end"
bash scripts/org-e2e.sh
