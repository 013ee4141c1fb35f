#!/usr/bin/env bash
# One command demo: etcd, Redis, a Kafka broker (KRaft), Zipkin, comment-service instances and the gateway, all
# on free loopback ports; then traffic through the gateway, step by step, with what each feature did and a
# summary. `--once` runs the steps and exits non-zero if any did not hold; without it everything keeps running
# until Ctrl-C. Every process it started is stopped by PID on every exit path.
set -euo pipefail
cd "$(dirname "$0")"
once=false
[ "${1:-}" = "--once" ] && once=true

work=.demo
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() {
	trap - EXIT INT TERM
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
info() { printf '  %s\n' "$*"; }

# --- steps: each is a name and a command; the command prints what happened and its status says whether the
# step held. Add a step by writing a function and one `step` line below.
results=()
failures=0
step() { # name, command...
	local name=$1; shift
	say "$name"
	if "$@"; then
		results+=("PASS  $name")
	else
		results+=("FAIL  $name")
		failures=$((failures + 1))
	fi
}
summary() {
	say "summary: $(( ${#results[@]} - failures )) of ${#results[@]} steps held (logs in $work/)"
	printf '  %s\n' "${results[@]}"
}

need() { # binary, Debian package
	command -v "$1" >/dev/null 2>&1 && return
	if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
		say "installing $2"
		apt-get update -q >>"$work/apt.log" 2>&1
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >>"$work/apt.log" 2>&1
	else
		echo "$1 not found: install the '$2' package" >&2; exit 1
	fi
}
need etcd etcd-server
need redis-server redis-server
need curl curl
need python3 python3

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_until() { # description, seconds, command...: whether the command succeeded within that time
	local what=$1 seconds=$2; shift 2
	for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "timed out after ${seconds}s waiting for $what; logs in $work/" >&2; return 1
}
wait_for() { wait_until "$@" || exit 1; } # for what every later step needs

# --- build: the samples' exec jars, again when a source is newer than them
jar() { ls "$1"/target/"$1"-*-exec.jar 2>/dev/null | head -1; }
stale() { [ -z "$(jar "$1")" ] || [ -n "$(find "$1"/src micro-spring-boot-autoconfigure/src -newer "$(jar "$1")" -type f | head -1)" ]; }
if stale sample-gateway || stale sample-comment-service; then
	say "building the samples"
	./mvnw -q -B -DskipTests package -pl sample-comment-service,sample-gateway -am
fi
# Kafka and Zipkin come as micro-spring-boot-test's KafkaServer and ZipkinServer get them: the kafka_2.13 jars
# on that module's classpath, zipkin-server's exec jar from Maven Central; both kept in target/demo
tools=$PWD/target/demo
zipkin_version=$(sed -n 's:.*<zipkin-server.version>\(.*\)</zipkin-server.version>.*:\1:p' pom.xml)
zipkin_jar=$tools/zipkin-server-$zipkin_version-exec.jar
if [ ! -s "$tools/kafka.classpath" ] || [ micro-spring-boot-test/pom.xml -nt "$tools/kafka.classpath" ] || [ ! -f "$zipkin_jar" ]; then
	say "resolving the Kafka jars and zipkin-server $zipkin_version"
	mkdir -p "$tools"
	./mvnw -q -B -pl micro-spring-boot-test dependency:build-classpath dependency:copy \
		-Dmdep.outputFile="$tools/kafka.classpath" -DincludeScope=runtime \
		-Dartifact="io.zipkin:zipkin-server:$zipkin_version:jar:exec" -DoutputDirectory="$tools"
fi
kafka_cp=$(cat "$tools/kafka.classpath")

etcd_port=$(free_port); peer_port=$(free_port); redis_port=$(free_port)
kafka_port=$(free_port); controller_port=$(free_port); zipkin_port=$(free_port)
c1=$(free_port); c2=$(free_port); c3=$(free_port); gw=$(free_port)
etcd_url=http://127.0.0.1:$etcd_port
gateway=http://127.0.0.1:$gw
zipkin=http://127.0.0.1:$zipkin_port
kafka=127.0.0.1:$kafka_port
lease_ttl=5

say "starting etcd ($etcd_url), Redis (:$redis_port), Kafka ($kafka), Zipkin ($zipkin)"
etcd --name demo --data-dir "$work/etcd" --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
	--listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
	--initial-cluster "demo=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)

mkdir -p "$work/kafka"
cat >"$work/kafka/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$controller_port
listeners=PLAINTEXT://127.0.0.1:$kafka_port,CONTROLLER://127.0.0.1:$controller_port
advertised.listeners=PLAINTEXT://127.0.0.1:$kafka_port
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$PWD/$work/kafka/data
auto.create.topics.enable=true
num.partitions=1
default.replication.factor=1
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
background.threads=2
EOF
cat >"$work/kafka/logback.xml" <<'EOF'
<configuration>
	<appender name="err" class="ch.qos.logback.core.ConsoleAppender"><target>System.err</target>
		<encoder><pattern>%d{HH:mm:ss.SSS} %-5level %logger{36} - %msg%n</pattern></encoder></appender>
	<root level="WARN"><appender-ref ref="err"/></root>
</configuration>
EOF
small_jvm=(-Xms32m -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:-UsePerfData)
# an array, not a function: a function sent to the background runs in a subshell whose PID is not java's
kafka_java=(java "${small_jvm[@]}" -Dlogback.configurationFile="$PWD/$work/kafka/logback.xml" -cp "$kafka_cp")
cluster_id=$(python3 -c 'import base64,uuid; print(base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("="))')
"${kafka_java[@]}" kafka.tools.StorageTool format -t "$cluster_id" -c "$work/kafka/server.properties" >"$work/kafka.log" 2>&1 \
	|| { echo "Kafka storage format failed:" >&2; tail -20 "$work/kafka.log" >&2; exit 1; }
"${kafka_java[@]}" kafka.Kafka "$work/kafka/server.properties" >>"$work/kafka.log" 2>&1 &
kafka_pid=$!
pids+=($!)
java "${small_jvm[@]}" -jar "$zipkin_jar" "--armeria.ports[0].port=$zipkin_port" "--armeria.ports[0].ip=127.0.0.1" \
	"--armeria.ports[0].protocols[0]=http" --zipkin.storage.type=mem --zipkin.storage.mem.max-spans=20000 \
	--logging.level.root=WARN >"$work/zipkin.log" 2>&1 &
pids+=($!)
wait_for etcd 20 curl -sf "$etcd_url/health"
wait_for redis 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$redis_port"

# what every application gets: etcd with a short lease, so the kill step is quick; Redis for comments and rate
# limits; Kafka and Zipkin for the log shipping and tracing
common=(--micro.etcd.endpoints="$etcd_url" --micro.registry.lease-ttl="${lease_ttl}s" --micro.registry.register-interval=2s
	--spring.data.redis.port="$redis_port"
	--spring.kafka.bootstrap-servers="$kafka" --micro.logging.kafka.enabled=true
	--management.zipkin.tracing.endpoint="$zipkin/api/v2/spans"
	--spring.main.banner-mode=off)
declare -A comment_pids
start_comment() { # port, version
	java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$(jar sample-comment-service)" --server.port="$1" \
		--micro.registry.version="$2" "${common[@]}" >"$work/comment-$1.log" 2>&1 &
	pids+=($!)
	comment_pids[$1]=$!
}
stop_comment() { # port: SIGTERM (graceful: it leaves etcd first) and wait for the process to end
	local pid=${comment_pids[$1]}
	kill "$pid" 2>/dev/null || true
	for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.1; done
	return 1
}
say "two comment-service 1.0.0 instances on :$c1 and :$c2, the gateway on $gateway"
start_comment "$c1" 1.0.0
start_comment "$c2" 1.0.0
# canary weights: of the versions that have instances, 1.0.0 gets 4 parts and 1.1.0 one; the limit per client
# address well above what the steps send, as they all come from one address
java -Xmx256m -XX:TieredStopAtLevel=1 -jar "$(jar sample-gateway)" --server.port="$gw" "${common[@]}" \
	"--micro.loadbalancer.version-weights.comment-service.[1.0.0]=4" \
	"--micro.loadbalancer.version-weights.comment-service.[1.1.0]=1" \
	--micro.ratelimit.instances.edge.capacity=1000 --micro.ratelimit.instances.edge.refill-tokens=1000 \
	--micro.breaker.instances.comments.request-volume-threshold=5 --micro.breaker.instances.comments.sleep-window=2s \
	>"$work/gateway.log" 2>&1 &
pids+=($!)

# --- helpers the steps share
instances() { curl -sf "$gateway/api/instances"; }
has_instances() { # count: whether the gateway discovered exactly that many comment-service instances
	[ "$(instances | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["services"].get("comment-service",[])))')" = "$1" ]
}
instance_id() { # port: the instance id comment-service on that port registered
	curl -sf "http://127.0.0.1:$1/whoami" | python3 -c 'import json,sys; print(json.load(sys.stdin)["instance"])'
}
# calls N GET <path>: N sequential GETs through the gateway; prints "<ok> <failed>", then "<count> <instance> <version>" lines
calls() {
	python3 - "$gateway" "$1" "$2" <<'EOF'
import collections, json, sys, urllib.request
base, n, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
ok, failed, served = 0, 0, collections.Counter()
for _ in range(n):
    try:
        with urllib.request.urlopen(base + path, timeout=10) as answer:
            page = json.load(answer)
        ok += 1
        served[(page["comments"]["instance"], page["comments"]["version"])] += 1
    except Exception:
        failed += 1
print(ok, failed)
for (instance, version), count in sorted(served.items()):
    print(count, instance, version)
EOF
}
in_etcd() { # instance id: whether its key is in etcd
	curl -sf "$etcd_url/v3/kv/range" -X POST -d "{\"key\":\"$(printf '/micro/registry/comment-service/%s' "$1" | base64 -w0)\"}" \
		| python3 -c 'import json,sys; sys.exit(0 if json.load(sys.stdin).get("kvs") else 1)'
}

# --- the steps
kafka_up() {
	"${kafka_java[@]}" demo/KafkaTopic.java send "$kafka" demo-check "hello from demo.sh" 2>>"$work/kafka-tool.log" || return 1
	local count
	count=$("${kafka_java[@]}" demo/KafkaTopic.java count "$kafka" demo-check 20 2>>"$work/kafka-tool.log")
	info "broker $kafka (KRaft, pid $kafka_pid): a record sent to topic demo-check, $count read back"
	[ "$count" = 1 ]
}
zipkin_up() {
	local health
	health=$(curl -sf "$zipkin/health") || return 1
	info "$zipkin/health: $health"
	info "services with traces so far: $(curl -sf "$zipkin/api/v2/services")"
	[[ $health == *'"UP"'* ]]
}
registry_value() {
	info "what the gateway discovered (GET /api/instances):"
	instances | python3 -c '
import json,sys
for service, found in json.load(sys.stdin)["services"].items():
    for i in found: print("   ", service, i["instanceId"], i["uri"], "version=%s" % i["version"], "ejected=%s" % i["ejected"])'
	info "the value comment-service wrote to etcd, as a go-micro service reads it:"
	curl -sf "$etcd_url/v3/kv/range" -X POST -d "{\"key\":\"$(printf /micro/registry/comment-service/ | base64)\",\"range_end\":\"$(printf /micro/registry/comment-service0 | base64)\",\"limit\":1}" \
		| python3 -c '
import base64,json,sys
kv = json.load(sys.stdin)["kvs"][0]
print("   ", base64.b64decode(kv["key"]).decode())
value = json.loads(base64.b64decode(kv["value"]))
print("   ", json.dumps(value))
sys.exit(0 if value["nodes"][0]["address"] else 1)'
}
round_robin() {
	curl -sf -X POST -H 'Content-Type: application/json' -d '{"author":"ada","text":"hello from the demo"}' \
		"$gateway/comments/demo" >/dev/null || return 1
	local order=() id
	for _ in 1 2 3 4 5 6; do
		id=$(curl -sf "$gateway/articles/demo" | python3 -c 'import json,sys; print(json.load(sys.stdin)["comments"]["instance"])') || return 1
		order+=("$id")
		info "served by $id"
	done
	# two instances of one version, one round-robin position: each call goes to the other instance
	for i in 1 2 3 4 5; do [ "${order[$i]}" != "${order[$((i - 1))]}" ] || return 1; done
}
canary() {
	info "a comment-service 1.1.0 instance joins on :$c3"
	start_comment "$c3" 1.1.0
	wait_until "the gateway to discover the 1.1.0 instance" 120 has_instances 3 || return 1
	local result ok failed canary_calls
	result=$(calls 200 /articles/demo) || return 1
	read -r ok failed <<<"$(head -1 <<<"$result")"
	tail -n +2 <<<"$result" | while read -r count id version; do info "$count calls to $id ($version)"; done
	canary_calls=$(tail -n +2 <<<"$result" | awk '$3 == "1.1.0" { s += $1 } END { print s + 0 }')
	info "$ok succeeded, $failed failed; 1.1.0 got $canary_calls of 200 (weights 4:1, so about 40)"
	# the version is drawn at random by weight: 10 to 80 of 200 holds unless something is wrong
	[ "$failed" = 0 ] && [ "$canary_calls" -ge 10 ] && [ "$canary_calls" -le 80 ]
}
killed_id=
kill_instance() {
	killed_id=$(instance_id "$c1") || return 1
	info "kill -9 comment-service :$c1 ($killed_id), then 50 GETs through the gateway at once"
	kill -9 "${comment_pids[$c1]}"; wait "${comment_pids[$c1]}" 2>/dev/null || true
	killed_at=$(date +%s.%N)
	local result ok failed
	result=$(calls 50 /articles/demo) || return 1
	read -r ok failed <<<"$(head -1 <<<"$result")"
	info "$ok succeeded, $failed failed (retries on the next instance, then ejection of the dead one)"
	instances | python3 -c '
import json,sys
for i in json.load(sys.stdin)["services"]["comment-service"]:
    if i["instanceId"] == sys.argv[1]: print("  until its lease expires discovery still lists it; ejected:", i["ejected"])' "$killed_id" || true
	[ "$failed" = 0 ]
}
leaves_etcd() {
	[ -n "$killed_id" ] || return 1
	local deadline=$(( $(date +%s) + lease_ttl + 10 ))
	while in_etcd "$killed_id"; do
		[ "$(date +%s)" -lt "$deadline" ] || { info "still in etcd ${lease_ttl}+10 s after the kill"; return 1; }
		sleep 0.2
	done
	local gone
	gone=$(python3 -c "import time; print(round(time.time() - $killed_at, 1))")
	info "its key left etcd ${gone} s after the kill (lease TTL ${lease_ttl} s; etcd checks expiry every 0.5 s)"
	wait_until "the gateway's catalog to drop it" 5 has_instances 2 || return 1
	python3 -c "import sys; sys.exit(0 if $gone <= $lease_ttl + 1 else 1)"
}
instances_view() {
	local body
	body=$(instances) || return 1
	info "$gateway/api/instances:"
	python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin), indent=2))' <<<"$body" | sed 's/^/    /'
	python3 -c 'import json,sys; b=json.load(sys.stdin); sys.exit(0 if len(b["services"]["comment-service"]) == 2 and "breakers" in b else 1)' <<<"$body"
}
burst() {
	info "10 POSTs at once through the gateway as X-User: bob (limit post-comment: 5 per 10 s per user, in Redis)"
	python3 - "$gateway" "$work" <<'PY' || return 1
import concurrent.futures, json, sys, urllib.error, urllib.request
base, work = sys.argv[1], sys.argv[2]
def post(i):
    request = urllib.request.Request(base + "/comments/burst", data=json.dumps({"text": "burst %d" % i}).encode(),
                                     headers={"Content-Type": "application/json", "X-User": "bob"})
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, dict(answer.headers), json.load(answer)
    except urllib.error.HTTPError as refused:
        return refused.code, dict(refused.headers), json.loads(refused.read() or b"{}")
with concurrent.futures.ThreadPoolExecutor(10) as pool:
    answers = list(pool.map(post, range(10)))
created = [a for a in answers if a[0] == 201]
refused = [a for a in answers if a[0] == 429]
print("  %d created, by %s; %d answered 429" % (len(created), sorted({a[2]["instance"] for a in created}), len(refused)))
if refused:
    status, headers, body = refused[0]
    print("  one 429:")
    for name in ("Retry-After", "RateLimit-Policy", "RateLimit", "Content-Type"):
        print("    %s: %s" % (name, headers.get(name)))
    print("    " + json.dumps(body))
sys.exit(0 if len(created) == 5 and len(refused) == 5 and refused[0][1].get("Retry-After") else 1)
PY
}
breaker_state() { instances | python3 -c 'import json,sys; print(json.load(sys.stdin)["breakers"].get("comments", {}).get("state", "none"))'; }
# article_page: GET /articles/demo through the gateway; prints "<status> <fallback header or -> <fallback field>"
article_page() {
	curl -s -D "$work/headers" -o "$work/body" "$gateway/articles/demo?${1:-}" -w '%{http_code}' >"$work/status" || true
	printf '%s %s %s\n' "$(cat "$work/status")" \
		"$(tr -d '\r' <"$work/headers" | awk -F': ' 'tolower($1) == "x-fallback" { print $2 }' | grep . || echo -)" \
		"$(python3 -c 'import json,sys; print(json.load(sys.stdin).get("fallback"))' <"$work/body" 2>/dev/null || echo -)"
}
breaker_open() { [ "$(article_page)" = "200 true True" ] && [ "$(breaker_state)" = OPEN ]; }
breaker_closed() { [ "$(article_page)" = "200 - False" ] && [ "$(breaker_state)" = CLOSED ]; }
breaker() {
	info "stopping both comment-service instances (:$c2 and :$c3, SIGTERM: they leave etcd first)"
	stop_comment "$c2" && stop_comment "$c3" || return 1
	wait_until "the gateway to see no comment-service instance" 10 has_instances 0 || return 1
	local started=$SECONDS
	read -r status header field <<<"$(article_page)"
	info "GET /articles/demo: $status, X-Fallback: $header, body: $(cat "$work/body")"
	wait_until "the breaker to open" 30 breaker_open || return 1
	info "breaker 'comments' OPEN after $((SECONDS - started)) s of calls failing; fallbacks served meanwhile, X-Fallback: true"
	info "starting both instances again"
	start_comment "$c2" 1.0.0
	start_comment "$c3" 1.1.0
	wait_until "the gateway to discover both instances again" 180 has_instances 2 || return 1
	# a fresh JVM's first answers are slow; served once directly, they fit in the edge's 2 s budget
	wait_until "both instances to answer" 30 bash -c "curl -sf http://127.0.0.1:$c2/comments/demo && curl -sf http://127.0.0.1:$c3/comments/demo" || return 1
	started=$SECONDS
	wait_until "the breaker to close" 30 breaker_closed || return 1
	info "breaker 'comments' CLOSED $((SECONDS - started)) s after both were back (sleep window 2 s, then a trial call)"
	read -r status header field <<<"$(article_page)"
	info "GET /articles/demo: $status, X-Fallback: $header, fallback: $field"
}
deadline() {
	info "GET /articles/demo?delay=3s: comment-service would take 3 s; the gateway gives each request 2 s"
	local answer
	answer=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' "$gateway/articles/demo?delay=3s")
	info "answered ${answer% *} after ${answer#* } s: $(cat "$work/body")"
	[ "${answer% *}" = 504 ]
}
trace_has_both() { # trace id: whether Zipkin holds spans of the gateway and of comment-service for it
	curl -sf "$zipkin/api/v2/trace/$1" | python3 -c '
import json,sys
services = {span.get("localEndpoint", {}).get("serviceName") for span in json.load(sys.stdin)}
sys.exit(0 if {"gateway", "comment-service"} <= services else 1)'
}
trace() {
	curl -sf -H 'X-User: ada' "$gateway/articles/traced" >/dev/null || return 1
	local event trace_id
	event=$("${kafka_java[@]}" demo/KafkaTopic.java find "$kafka" web_log 30 "Listed 0 comments of article traced" \
		2>>"$work/kafka-tool.log") || { info "no log event of the request reached web_log"; return 1; }
	trace_id=$(python3 -c 'import json,sys; print(json.load(sys.stdin)["traceId"])' <<<"$event") || return 1
	info "GET /articles/traced: trace id $trace_id (read from the log event comment-service shipped to Kafka)"
	info "open $zipkin/zipkin/traces/$trace_id"
	wait_until "the trace to reach Zipkin with spans of both services" 30 trace_has_both "$trace_id" || return 1
	curl -sf "$zipkin/api/v2/trace/$trace_id" | python3 -c '
import json,sys
for span in sorted(json.load(sys.stdin), key=lambda s: s.get("timestamp", 0)):
    print("    %-16s %-7s %-40s %6.1f ms" % (span.get("localEndpoint", {}).get("serviceName"), span.get("kind", ""),
                                            span.get("name"), span.get("duration", 0) / 1000))'
}
kafka_logs() {
	local result total
	result=$("${kafka_java[@]}" demo/KafkaTopic.java tally "$kafka" web_log 30 2>>"$work/kafka-tool.log") || return 1
	total=$(head -1 <<<"$result")
	info "$total log events in topic web_log, JSON with trace ids, by service:"
	tail -n +2 <<<"$result" | while read -r events name; do info "  $events from $name"; done
	[ "$total" -gt 0 ] && grep -q ' comment-service$' <<<"$result" && grep -q ' gateway$' <<<"$result"
}
gateway_metrics() {
	for m in micro.discovery.instances micro.discovery.changes micro.loadbalancer.choices micro.loadbalancer.ejections; do
		info "$m: $(curl -sf "$gateway/actuator/metrics/$m" | python3 -c 'import json,sys; print(json.load(sys.stdin)["measurements"][0]["value"])' 2>/dev/null || echo none yet)"
	done
}

wait_for "the Kafka broker" 90 bash -c "exec 3<>/dev/tcp/127.0.0.1/$kafka_port"
step "Kafka broker up: a record sent is read back" kafka_up
wait_for "Zipkin" 90 curl -sf "$zipkin/health"
step "Zipkin up" zipkin_up
wait_for "the gateway to discover both comment-service instances" 180 has_instances 2
step "registry: both instances registered in etcd, in go-micro's format" registry_value
step "round robin: calls alternate between the two 1.0.0 instances" round_robin
step "canary: a 1.1.0 instance gets about a fifth of the traffic (version weights 4:1)" canary
step "rate limit: a burst of posts by one user is answered 429 with its headers, one limit for every instance" burst
step "kill -9 of one instance: calls right after it still succeed" kill_instance
step "the killed instance leaves etcd within its lease TTL" leaves_etcd
step "GET /api/instances: what discovery sees, ejections, breakers" instances_view
step "breaker: both instances stopped, the breaker opens and fallbacks are served; back, it closes" breaker
step "deadline: a request slower than the edge's 2 s budget is answered 504" deadline
step "tracing: one trace in Zipkin with spans of the gateway and comment-service" trace
step "Kafka logs: events of every process reached the topic web_log" kafka_logs
say "metrics of the gateway"
gateway_metrics

summary
if $once; then
	exit $(( failures == 0 ? 0 : 1 ))
fi
say "running until Ctrl-C:"
info "gateway          $gateway/articles/demo   $gateway/api/instances   $gateway/actuator/metrics"
info "comment-service  http://127.0.0.1:$c2/comments/demo   http://127.0.0.1:$c3/comments/demo"
info "Zipkin           $zipkin/zipkin/"
info "etcd             $etcd_url   Redis 127.0.0.1:$redis_port   Kafka $kafka"
wait
