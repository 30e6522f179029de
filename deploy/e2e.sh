#!/usr/bin/env bash
# End-to-end check of the docker-compose deployment, run by .ci/run under CI=true and by hand:
#   deploy/e2e.sh
# It builds the image from the shipped Dockerfile and compose file, brings up a coordinator and two
# workers, submits two jobs from the host with ./shoal submit (a slow sleep job that keeps the
# cluster busy, and the anchor sha256 job queued behind it), scales to three workers, kills one and
# stops another (which drains) while the jobs run and brings both back, then checks both outputs
# against the anchor digests and that the cluster saw three workers. Everything is torn down at the
# end, also when a step fails, and each step's time is printed.
#
# Needs docker (the engine and base image are set up by ../shared/tools when those are there),
# docker compose or docker-compose, python3, java and Maven. Exit 0 when every check passed.
# Settings (environment): E2E_PROJECT (compose project name), E2E_SLEEP_MS (the slow job's item time).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
repo=$PWD
shared=$(cd "$repo/.." && pwd)/shared
anchors=$shared/anchors
project=${E2E_PROJECT:-shoal-e2e-$$}
sleep_ms=${E2E_SLEEP_MS:-1500}
# BuildKit is not available on these machines; the classic builder reads the root .dockerignore
export DOCKER_BUILDKIT=0 COMPOSE_DOCKER_CLI_BUILD=0

work=$(mktemp -d "${TMPDIR:-/tmp}/shoal-e2e.XXXXXX")
step_names=()
step_secs=()
step_start=$SECONDS
current=""
failure=""
compose=()

say() { echo "e2e: $*" >&2; }
fail() { failure="in step '$current': $*"; say "FAILED $failure"; exit 1; }

step() {
  end_step
  current=$1
  step_start=$SECONDS
  say "--- $current"
}

end_step() {
  if [ -n "$current" ]; then
    step_names+=("$current")
    step_secs+=($((SECONDS - step_start)))
  fi
}

dc() { "${compose[@]}" -p "$project" -f "$repo/deploy/docker-compose.yml" "$@"; }

on_exit() {
  local rc=$?
  set +e
  if [ "$rc" -ne 0 ] && [ ${#compose[@]} -gt 0 ]; then
    say "containers:"
    dc ps -a >&2
    say "last log lines of the coordinator and the workers:"
    dc logs --no-color --tail=25 coordinator worker >&2
    for f in "$work"/*.err; do
      [ -s "$f" ] && { say "$(basename "$f"):"; tail -n 20 "$f" >&2; }
    done
  fi
  [ "$rc" -ne 0 ] && end_step
  if [ ${#compose[@]} -gt 0 ]; then
    current="down"
    step_start=$SECONDS
    jobs -p | xargs -r kill 2>/dev/null
    dc down -v --remove-orphans >"$work/down.log" 2>&1 || { say "down failed:"; cat "$work/down.log" >&2; }
    end_step
  fi
  rm -rf "$work"
  say "step times:"
  for i in "${!step_names[@]}"; do
    printf 'e2e:   %-10s %4ss\n' "${step_names[$i]}" "${step_secs[$i]}" >&2
  done
  if [ "$rc" -eq 0 ]; then say "PASSED"; else say "FAILED (exit $rc) ${failure}"; fi
  exit "$rc"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# the containers of a service, one id per line
containers() { dc ps -q "$1"; }

health() { docker inspect --format '{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}' "$1" 2>/dev/null || echo gone; }

# waits until N containers of the worker service and the coordinator report healthy
wait_healthy() {
  local want=$1 deadline=$((SECONDS + $2)) ok c n
  while :; do
    ok=0
    [ "$(health "$(containers coordinator)")" = healthy ] && ok=1
    n=0
    for c in $(containers worker); do [ "$(health "$c")" = healthy ] && n=$((n + 1)); done
    if [ "$ok" = 1 ] && [ "$n" -ge "$want" ]; then return 0; fi
    [ "$SECONDS" -lt "$deadline" ] || fail "after $2 s: coordinator healthy=$ok, healthy workers $n of $want"
    sleep 2
  done
}

# the sha256 of a result file's values, one per line (strings unquoted), as the anchors define them
values_digest() {
  python3 - "$1" <<'EOF'
import hashlib, json, sys
out = []
for n, line in enumerate(open(sys.argv[1], encoding="utf-8")):
    r = json.loads(line)
    if r.get("index") != n or "value" not in r:
        sys.exit(f"line {n + 1} is not the value of item {n}: {line.strip()[:200]}")
    v = r["value"]
    out.append(v if isinstance(v, str) else json.dumps(v))
print(hashlib.sha256("".join(s + "\n" for s in out).encode()).hexdigest())
EOF
}

# true when the Python expression holds for the JSON document d read from stdin
json_test() { python3 -c 'import json, sys; d = json.load(sys.stdin); sys.exit(0 if eval(sys.argv[1]) else 1)' "$1" 2>/dev/null; }

# the client commands, from the host
shoal() { "$repo/shoal" "$@"; }

# waits until ./shoal cluster lists N workers
await_workers() {
  local deadline=$((SECONDS + $2))
  until shoal cluster --json >"$work/cluster.json" 2>&1 && json_test "len(d['workers']) >= $1" <"$work/cluster.json"; do
    [ "$SECONDS" -lt "$deadline" ] || { cat "$work/cluster.json" >&2; fail "./shoal cluster did not show $1 workers within $2 s"; }
    sleep 2
  done
}

anchor() { awk -v w="$1" '$2 == w { print $1 }' "$anchors/expected.sha256"; }

# ---------------------------------------------------------------------------------------------------
step engine
if [ -x "$shared/tools/docker-engine" ]; then "$shared/tools/docker-engine"; fi
docker info >/dev/null 2>&1 || fail "no Docker engine answers (docker info)"
# the tool's last step (`java -version | head -1` under pipefail) can die of SIGPIPE after the image
# is built: what counts is that the image is there
if [ -x "$shared/tools/jre-base-image" ]; then
  "$shared/tools/jre-base-image" || docker image inspect eclipse-temurin:17-jre >/dev/null 2>&1 \
    || fail "jre-base-image could not build eclipse-temurin:17-jre"
fi
if docker compose version >/dev/null 2>&1; then compose=(docker compose); else compose=(docker-compose); fi
"${compose[@]}" version >/dev/null 2>&1 || fail "neither 'docker compose' nor 'docker-compose' works"
[ -f "$anchors/expected.sha256" ] || fail "no anchors at $anchors"

step build
# ./shoal builds the jar (mvn package) when it is missing or older than the sources, so the image
# and the host's client are the same build
"$repo/shoal" --version >/dev/null || fail "the shoal jar does not build"
# a free host port for the coordinator's HTTP API and remoting, so runs and other stacks do not collide
http_port=$(free_port)
export SHOAL_PUBLISH_HTTP=127.0.0.1:$http_port
# where ./shoal submit, jobs and cluster find the coordinator
export SHOAL_COORDINATOR=http://127.0.0.1:$http_port
remoting_port=$(free_port)
export SHOAL_PUBLISH_REMOTING=127.0.0.1:$remoting_port
# an empty plugins folder of our own, rather than creating ../plugins in the checkout
mkdir -m 755 "$work/plugins"
export SHOAL_PLUGINS_DIR=$work/plugins
# two slots per worker whatever the CPUs, so the slow job lasts as long on any machine
export SHOAL_SLOTS=2
dc build >"$work/build.log" 2>&1 || { tail -n 30 "$work/build.log" >&2; fail "image build failed"; }

step up
dc up -d --scale worker=2 >"$work/up.log" 2>&1 || { cat "$work/up.log" >&2; fail "compose up failed"; }
wait_healthy 2 180
first_workers=$(containers worker)

step secure
# closed by default: the API wants the token the secrets service made, the nodes talk mutual TLS
code=$(python3 -c '
import sys, urllib.request, urllib.error
try:
    urllib.request.urlopen(sys.argv[1], timeout=30); print(200)
except urllib.error.HTTPError as e:
    print(e.code)' "$SHOAL_COORDINATOR/jobs" || true)
[ "$code" = 401 ] || fail "GET /jobs without a token answered $code, not 401"
dc exec -T coordinator cat /opt/shoal/secrets/api-token >"$work/api-token" || fail "cannot read the API token from the coordinator"
export SHOAL_TOKEN_FILE=$work/api-token
# to a file first: under pipefail, `dc logs | grep -q` failed when grep stopped at the first match
# and the logs, still being written, died of SIGPIPE
dc logs --no-color coordinator >"$work/coordinator.log" 2>&1 || fail "cannot read the coordinator's logs"
grep -q "Artery tls-tcp" "$work/coordinator.log" || fail "the coordinator's remoting is not TLS"
say "an unauthenticated request is refused (401); the host's client uses the token from the secrets volume; remoting is tls-tcp"

step jobs
# the slow job goes first: the coordinator serves jobs in FIFO order, so the anchor job is queued
# behind it and runs on whatever workers are left after the kill
timeout 300 "$repo/shoal" submit --fn sleep --range 0:2000 --arg ms="$sleep_ms" --chunk-size 10 \
  --out "$work/sleep.jsonl" --no-progress >"$work/sleep.out" 2>"$work/sleep.err" &
sleep_pid=$!
deadline=$((SECONDS + 60))
until shoal jobs --json 2>/dev/null | json_test 'any(j["function"] == "sleep" for j in d["jobs"])'; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the sleep job did not show in ./shoal jobs within 60 s"
  kill -0 "$sleep_pid" 2>/dev/null || fail "./shoal submit (sleep) ended early: $(tail -n 3 "$work/sleep.err")"
  sleep 1
done
timeout 300 "$repo/shoal" submit --fn sha256 --range 0:2000 --out "$work/sha.jsonl" --no-progress \
  >"$work/sha.out" 2>"$work/sha.err" &
sha_pid=$!

step scale
dc up -d --no-recreate --scale worker=3 >"$work/scale.log" 2>&1 || { cat "$work/scale.log" >&2; fail "scale to 3 failed"; }
await_workers 3 180
say "./shoal cluster saw 3 workers:"
shoal cluster >&2 || true

step kill
kill -0 "$sleep_pid" 2>/dev/null || fail "the sleep job ended before the kill; raise E2E_SLEEP_MS (now $sleep_ms)"
victim=$(echo "$first_workers" | sed -n 1p)
say "docker kill ${victim:0:12} while the jobs run"
docker kill "$victim" >/dev/null

step drain
# docker stop sends SIGTERM and waits the stop_grace_period from the compose file: the worker must
# drain and exit by itself (exit code 143 after SIGTERM, not 137 from the SIGKILL at the deadline)
kill -0 "$sleep_pid" 2>/dev/null || fail "the sleep job ended before the drain; raise E2E_SLEEP_MS (now $sleep_ms)"
leaver=$(echo "$first_workers" | sed -n 2p)
say "docker stop ${leaver:0:12} (drains) while the jobs run"
docker stop "$leaver" >/dev/null
code=$(docker inspect --format '{{.State.ExitCode}}' "$leaver")
[ "$code" != 137 ] || fail "the stopped worker did not drain within its grace period (SIGKILLed)"
say "it drained and exited ($code) in $((SECONDS - step_start)) s"

step rejoin
# Docker counts kill and stop as manual stops: the next up starts both again, and they rejoin (with
# a new incarnation at the same or a new address) and take chunks of the running jobs
dc up -d --no-recreate --scale worker=3 >"$work/rejoin.log" 2>&1 || { cat "$work/rejoin.log" >&2; fail "up after the kill failed"; }

step wait
wait "$sleep_pid" || fail "./shoal submit (sleep) exited $?: $(tail -n 3 "$work/sleep.err")"
wait "$sha_pid" || fail "./shoal submit (sha256) exited $?: $(tail -n 3 "$work/sha.err")"

step check
got=$(values_digest "$work/sha.jsonl") || fail "the sha256 results are not one value per item in order (see above)"
[ "$got" = "$(anchor sha)" ] || fail "sha256 over 0:2000: digest $got, the anchor is $(anchor sha)"
say "sha256 0:2000 matches the anchor digest $got"
got=$(values_digest "$work/sleep.jsonl") || fail "the sleep results are not one value per item in order (see above)"
[ "$got" = "$(anchor sleepmany)" ] || fail "sleep over 0:2000: digest $got, the anchor is $(anchor sleepmany)"
say "sleep 0:2000 matches the anchor digest $got"
await_workers 3 60
say "the killed and the stopped worker rejoined: ./shoal cluster shows 3 workers again"

step coordinator-kill
# the coordinator's jobs are in its journal (the coordinator-data volume): kill -9 of its process
# mid-job (not docker kill, which Docker counts as a manual stop), the restart policy starts it
# again, it recovers the job, the workers rejoin it, and the waiting client prints every line once
timeout 600 "$repo/shoal" submit --fn sleep --range 0:2000 --arg ms=1000 --chunk-size 10 --follow-deadline 240s \
  --out "$work/durable.jsonl" --no-progress >"$work/durable.out" 2>"$work/durable.err" &
durable_pid=$!
deadline=$((SECONDS + 120))
until shoal jobs --json 2>/dev/null | json_test 'any(j["function"] == "sleep" and j["state"] == "RUNNING" and j["done"] >= 200 for j in d["jobs"])'; do
  [ "$SECONDS" -lt "$deadline" ] || fail "the durable sleep job did not get 200 items done within 120 s"
  kill -0 "$durable_pid" 2>/dev/null || fail "./shoal submit (durable) ended early: $(tail -n 3 "$work/durable.err")"
  sleep 1
done
coordinator=$(containers coordinator)
pid=$(docker inspect --format '{{.State.Pid}}' "$coordinator")
say "kill -9 of the coordinator's process ($pid) mid-job"
kill -9 "$pid"
wait "$durable_pid" || fail "./shoal submit (durable) exited $?: $(tail -n 5 "$work/durable.err")"
got=$(values_digest "$work/durable.jsonl") || fail "the results after the coordinator's kill are not one value per item in order"
[ "$got" = "$(anchor sleepmany)" ] || fail "sleep over 0:2000 after the coordinator's kill: digest $got, the anchor is $(anchor sleepmany)"
restarts=$(docker inspect --format '{{.RestartCount}}' "$coordinator")
[ "$restarts" -ge 1 ] || fail "the coordinator was not restarted by its restart policy"
grep -q "reconnected" "$work/durable.err" || fail "the client never reconnected: $(tail -n 5 "$work/durable.err")"
say "the coordinator restarted ($restarts), recovered the job from its journal; the client followed it: digest $got"
end_step

step job-jar
# the example plugin is in no node's plugins folder (theirs is empty): shoal submit --jar uploads it,
# the workers fetch it from the coordinator over cluster messages, check its SHA-256 and run it
example_jar=$(ls "$repo"/examples/target/shoal-examples-*.jar 2>/dev/null | grep -v -e '-sources' -e '-tests' | head -n 1 || true)
if [ -z "$example_jar" ]; then
  (cd "$repo" && mvn -B -q package -pl examples -am -DskipTests) >"$work/examples.log" 2>&1 \
    || { tail -n 20 "$work/examples.log" >&2; fail "the example jar does not build"; }
  example_jar=$(ls "$repo"/examples/target/shoal-examples-*.jar | grep -v -e '-sources' -e '-tests' | head -n 1)
fi
python3 - "$work/orders.jsonl" "$work/invoices.expected" <<'PY'
import json, sys
with open(sys.argv[1], "w") as orders, open(sys.argv[2], "w") as expected:
    for i in range(500):
        lines = [{"sku": "a", "qty": 1 + i % 3, "cents": 100 + i}, {"sku": "b", "qty": 2, "cents": 250}]
        orders.write(json.dumps({"id": "o-%d" % i, "customer": "c-%d" % (i % 7), "lines": lines}) + "\n")
        net = sum(l["qty"] * l["cents"] for l in lines)
        tax = (net * 20 + 50) // 100
        expected.write(json.dumps({"order": "o-%d" % i, "customer": "c-%d" % (i % 7), "items": sum(l["qty"] for l in lines),
                                   "netCents": net, "taxCents": tax, "totalCents": net + tax}) + "\n")
PY
timeout 300 "$repo/shoal" submit --jar "$example_jar" --fn invoice --arg taxPercent=20 --items "$work/orders.jsonl" \
  --chunk-size 20 --out "$work/invoices.jsonl" --no-progress 2>"$work/invoices.err" \
  || fail "./shoal submit --jar exited $?: $(tail -n 3 "$work/invoices.err")"
python3 - "$work/invoices.jsonl" "$work/invoices.expected" <<'PY' || fail "the invoices of the job jar are not the expected ones"
import json, sys
got = [json.loads(l) for l in open(sys.argv[1])]
want = [json.loads(l) for l in open(sys.argv[2])]
assert [g["index"] for g in got] == list(range(len(want))), "not one line per order in order"
assert [g.get("value") for g in got] == want, "an invoice differs"
PY
sha=$(sha256sum "$example_jar" | cut -c1-64)
grep -q "jar $(basename "$example_jar") is $sha" "$work/invoices.err" || fail "./shoal submit --jar did not say the jar's hash: $(head -n 3 "$work/invoices.err")"
shoal jars --json | json_test "any(j['sha256'] == '$sha' and j['functions'][0]['name'] == 'invoice' for j in d['jars'])" \
  || fail "shoal jars does not list the uploaded jar $sha"
say "the example jar ($sha) ran from shoal submit --jar on workers that never had it: 500 invoices as expected"
end_step
current=""
