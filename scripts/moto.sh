#!/usr/bin/env bash
# start_moto PORT: starts moto server on 127.0.0.1:PORT (loopback only) and waits for it.
start_moto() {
  local port="$1"
  MOTO_ACM_VALIDATION_WAIT=0 "$MOTO_SERVER" -H 127.0.0.1 -p "$port" >"$ACM_DOCTOR_CACHE/moto-$port.log" 2>&1 &
  MOTO_PID=$!
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/moto-api/data.json" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  echo "moto server did not start; see $ACM_DOCTOR_CACHE/moto-$port.log" >&2
  return 1
}
