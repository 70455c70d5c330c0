#!/usr/bin/env bash
# Runs SupportCommunity as a small cluster on this machine, for real: redis-server, two app nodes on loopback
# sharing one SQLite database, and nginx (Debian's package) as a sticky load balancer in front.
#
#   deploy/local/cluster.sh [--port 8080]
#
# It prints the URL and how to break things (stop Redis, kill a node), then runs until Ctrl+C, when it stops
# everything it started. As root it installs redis-server and nginx when they are missing.
set -euo pipefail

repo_root="$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)"
lb_port=8080
while (($#)); do
    case "$1" in
        --port) lb_port="$2"; shift 2 ;;
        -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
        *) echo "cluster.sh: unknown argument $1" >&2; exit 2 ;;
    esac
done

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v nginx >/dev/null 2>&1 || [[ -x /usr/sbin/nginx ]] || need+=(nginx-light)
if ((${#need[@]})); then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "cluster.sh: please install: sudo apt-get install -y ${need[*]}" >&2
        exit 2
    fi
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

state="$(mktemp -d "${TMPDIR:-/tmp}/supportcommunity-cluster.XXXXXX")"
redis_port="$(free_port)"
node_ports=("$(free_port)" "$(free_port)")
pids=()

cleanup() {
    set +e
    echo
    echo "Stopping the cluster..."
    [[ -f "$state/nginx.pid" ]] && "$nginx_bin" -p "$state" -c "$state/nginx.conf" -s quit 2>/dev/null
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
    wait "${pids[@]}" 2>/dev/null
    redis-cli -p "$redis_port" shutdown nosave >/dev/null 2>&1
    rm -rf "$state"
    echo "Stopped."
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "Building (Release)..."
dotnet build "$repo_root/src/SupportCommunity.Web" -c Release -v quiet -nologo >/dev/null
app_dir="$repo_root/src/SupportCommunity.Web"
app_dll="$app_dir/bin/Release/net10.0/SupportCommunity.Web.dll"

redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
    --dir "$state" --logfile "$state/redis.log" --pidfile "$state/redis.pid" >/dev/null

start_node() {
    local n="$1" port="$2"
    (
        cd "$app_dir"
        ASPNETCORE_ENVIRONMENT=Development \
        ASPNETCORE_FORWARDEDHEADERS_ENABLED=true \
        ConnectionStrings__Community="Data Source=$state/community.db" \
        ConnectionStrings__Redis="127.0.0.1:$redis_port" \
        Redis__ChannelPrefix="supportcommunity:local-cluster" \
        exec dotnet "$app_dll" --urls "http://127.0.0.1:$port" >"$state/node$n.log" 2>&1
    ) &
    pids+=("$!")
    echo "$!" >"$state/node$n.pid"
    for _ in $(seq 1 120); do
        curl -fs "http://127.0.0.1:$port/health" >/dev/null 2>&1 && return 0
        kill -0 "$!" 2>/dev/null || { echo "node $n failed to start; its log:" >&2; cat "$state/node$n.log" >&2; exit 1; }
        sleep 0.5
    done
    echo "node $n did not become healthy; its log:" >&2
    cat "$state/node$n.log" >&2
    exit 1
}

# Node 1 first: it applies the migrations and seeds the demo community; node 2 finds them done.
start_node 1 "${node_ports[0]}"
start_node 2 "${node_ports[1]}"

sed -e "s|__STATE__|$state|g" -e "s|__PORT__|$lb_port|g" \
    -e "s|__NODE1__|127.0.0.1:${node_ports[0]}|g" -e "s|__NODE2__|127.0.0.1:${node_ports[1]}|g" \
    "$repo_root/deploy/local/nginx.conf.template" >"$state/nginx.conf"
mkdir -p "$state/logs"
"$nginx_bin" -p "$state" -c "$state/nginx.conf"

cat <<INFO

SupportCommunity cluster is up:  http://localhost:$lb_port
  node 1  http://127.0.0.1:${node_ports[0]}  pid $(cat "$state/node1.pid")  log $state/node1.log
  node 2  http://127.0.0.1:${node_ports[1]}  pid $(cat "$state/node2.pid")  log $state/node2.log
  redis   127.0.0.1:$redis_port
Health:       curl http://localhost:$lb_port/health
Stop Redis:   redis-cli -p $redis_port shutdown nosave
Start Redis:  redis-server --port $redis_port --bind 127.0.0.1 --daemonize yes --save "" --appendonly no
Kill a node:  kill -9 $(cat "$state/node1.pid")
Press Ctrl+C to stop everything.
INFO

wait "${pids[@]}" || true
while true; do sleep 3600; done
