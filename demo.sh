#!/usr/bin/env bash
# One command demo: etcd, Redis, two comment-service instances and the gateway on free loopback ports,
# then traffic through the gateway and what each feature did. `--once` runs the scenario and exits.
set -euo pipefail
cd "$(dirname "$0")"
once=false
[ "${1:-}" = "--once" ] && once=true

work=.demo
rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do
		for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
		kill -9 "$pid" 2>/dev/null || true
	done
}
trap cleanup EXIT INT TERM

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

need() { # binary, Debian package
	command -v "$1" >/dev/null 2>&1 && return
	if [ -f /etc/debian_version ] && [ "$(id -u)" = 0 ]; then
		say "installing $2"
		apt-get update -q >"$work/apt.log" 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "$2" >>"$work/apt.log" 2>&1
	else
		echo "$1 not found: install the '$2' package" >&2; exit 1
	fi
}
need etcd etcd-server
need redis-server redis-server

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_for() { # description, seconds, command...
	local what=$1 seconds=$2; shift 2
	for _ in $(seq 1 $((seconds * 10))); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
	echo "timed out waiting for $what; logs in $work/" >&2; exit 1
}

jar() { ls "$1"/target/"$1"-*-exec.jar 2>/dev/null | head -1; }
if [ -z "$(jar sample-gateway)" ] || [ -z "$(jar sample-comment-service)" ]; then
	say "building the samples"
	./mvnw -q -B -DskipTests package -pl sample-comment-service,sample-gateway -am
fi

etcd_port=$(free_port); peer_port=$(free_port); redis_port=$(free_port)
c1=$(free_port); c2=$(free_port); gw=$(free_port)
etcd_url=http://127.0.0.1:$etcd_port

say "etcd on $etcd_url, Redis on $redis_port"
etcd --name demo --data-dir "$work/etcd" --listen-client-urls "$etcd_url" --advertise-client-urls "$etcd_url" \
	--listen-peer-urls "http://127.0.0.1:$peer_port" --initial-advertise-peer-urls "http://127.0.0.1:$peer_port" \
	--initial-cluster "demo=http://127.0.0.1:$peer_port" >"$work/etcd.log" 2>&1 &
pids+=($!)
redis-server --port "$redis_port" --bind 127.0.0.1 --save '' --appendonly no >"$work/redis.log" 2>&1 &
pids+=($!)
wait_for etcd 20 curl -sf "$etcd_url/health"
wait_for redis 10 bash -c "exec 3<>/dev/tcp/127.0.0.1/$redis_port"

common=(--micro.etcd.endpoints="$etcd_url" --micro.registry.lease-ttl=5s --micro.registry.register-interval=2s
	--spring.main.banner-mode=off)
start_comment() { # port, zone
	java -jar "$(jar sample-comment-service)" --server.port="$1" --spring.data.redis.port="$redis_port" \
		--micro.registry.metadata.zone="$2" "${common[@]}" >"$work/comment-$1.log" 2>&1 &
	pids+=($!)
}
say "two comment-service instances on $c1 and $c2, the gateway on $gw"
start_comment "$c1" a; comment1_pid=$!
start_comment "$c2" b
java -jar "$(jar sample-gateway)" --server.port="$gw" "${common[@]}" >"$work/gateway.log" 2>&1 &
pids+=($!)
count_instances() { curl -sf "http://127.0.0.1:$gw/services" | python3 -c "import json,sys; print(len(json.load(sys.stdin).get('comment-service',[])))"; }
wait_for "the gateway to discover both instances" 90 bash -c "[ \"\$(curl -sf http://127.0.0.1:$gw/services | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get(\"comment-service\",[])))')\" = 2 ]"

say "registry: what the gateway discovered (GET /services)"
curl -s "http://127.0.0.1:$gw/services"; echo
say "registry: what comment-service $c1 sees (GET /actuator/catalog, go-micro keys in etcd)"
curl -s "http://127.0.0.1:$c1/actuator/catalog" | python3 -c '
import json,sys
c=json.load(sys.stdin)
print("revision", c["revision"], "synced", c["synced"])
for s,ins in c["services"].items():
    for i in ins: print(" ", s, i["instanceId"], i["uri"], "zone=" + i["metadata"].get("zone","-"), "version=" + i["metadata"]["version"])'
say "raw value in etcd, as a go-micro service would read it"
key=$(curl -s "$etcd_url/v3/kv/range" -X POST -d "{\"key\":\"$(printf /micro/registry/comment-service/ | base64)\",\"range_end\":\"$(printf /micro/registry/comment-service0 | base64)\",\"limit\":1}")
echo "$key" | python3 -c 'import json,sys,base64; kv=json.load(sys.stdin)["kvs"][0]; print(base64.b64decode(kv["key"]).decode()); print(base64.b64decode(kv["value"]).decode())'

say "traffic through the gateway: a comment, then the article 6 times (round robin)"
curl -s -X POST -H 'Content-Type: application/json' -d '{"author":"ada","text":"hello from the demo"}' \
	"http://127.0.0.1:$gw/comments/demo"; echo
for _ in 1 2 3 4 5 6; do
	curl -s "http://127.0.0.1:$gw/articles/demo" | python3 -c 'import json,sys; p=json.load(sys.stdin); print("  served by", p["comments"]["instance"], "-", len(p["comments"]["comments"]), "comment(s)")'
done

say "kill -9 comment-service on $c1; 20 GETs through the gateway right after"
kill -9 "$comment1_pid"; wait "$comment1_pid" 2>/dev/null || true
ok=0; failed=0
for _ in $(seq 1 20); do
	if curl -sf -o /dev/null "http://127.0.0.1:$gw/articles/demo"; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
done
echo "  $ok succeeded, $failed failed"
say "waiting for the killed instance's lease (5 s) to expire"
wait_for "the killed instance to leave the catalog" 15 bash -c "[ \"\$(curl -sf http://127.0.0.1:$gw/services | python3 -c 'import json,sys; print(len(json.load(sys.stdin).get(\"comment-service\",[])))')\" = 1 ]"
curl -s "http://127.0.0.1:$gw/services"; echo
say "metrics of the gateway"
for m in micro.discovery.instances micro.discovery.changes micro.registry.lease.renewals; do
	printf '  %s: ' "$m"; curl -s "http://127.0.0.1:$gw/actuator/metrics/$m" | python3 -c 'import json,sys; print(json.load(sys.stdin)["measurements"][0]["value"])'
done

if $once; then
	say "demo done"
	exit 0
fi
say "running: gateway http://127.0.0.1:$gw (try /services, /articles/demo, /actuator/catalog); Ctrl-C stops everything"
wait
