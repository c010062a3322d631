#!/usr/bin/env bash
# Run N `streamlit run app.py` processes behind nginx with sticky, websocket-aware routing.
#
#   benchmarks/cluster.sh start [-n N] [-p PORT] [--lan] [--ttl SECONDS]   # N processes behind nginx on PORT
#   benchmarks/cluster.sh status
#   benchmarks/cluster.sh stop
#
# One Streamlit process reruns scripts on about one core (the GIL), so a lecture hall outgrows it;
# N processes use N cores. Students open http://<this machine>:PORT as before. nginx gives each
# student a route cookie and hashes on it, so a student's websocket always reaches the process
# that holds their session (benchmarks/cluster.nginx.conf). Apps listen on 127.0.0.1:PORT+1..PORT+N
# only; nginx listens on 127.0.0.1:PORT, or on every interface with --lan (the class network).
# State (pid files, rendered nginx.conf, logs) lives in $CLUSTER_DIR (default /tmp/backprop-lens-cluster).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
DIR=${CLUSTER_DIR:-/tmp/backprop-lens-cluster}
PYTHON=${PYTHON:-python}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

status() {
    local alive=0 total=0
    for f in "$DIR"/pids/app-*.pid; do
        [ -e "$f" ] || continue
        total=$((total + 1))
        if kill -0 "$(cat "$f")" 2>/dev/null; then alive=$((alive + 1)); fi
    done
    if [ -f "$DIR/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
        echo "nginx: running (pid $(cat "$DIR/nginx.pid")) on $(cat "$DIR/listen" 2>/dev/null)"
    else
        echo "nginx: not running"
    fi
    echo "app processes: $alive of $total running"
}

stop() {
    if [ -f "$DIR/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
        "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -s quit 2>/dev/null || kill "$(cat "$DIR/nginx.pid")" || true
    fi
    for f in "$DIR"/pids/app-*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        kill "$pid" 2>/dev/null || true
    done
    for f in "$DIR"/pids/app-*.pid; do
        [ -e "$f" ] || continue
        pid=$(cat "$f")
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$f"
    done
    for _ in $(seq 25); do [ -f "$DIR/nginx.pid" ] || break; sleep 0.2; done
    echo "stopped"
}

start() {
    local n=2 port=8501 lan=0 ttl=120
    while [ $# -gt 0 ]; do
        case "$1" in
            -n) n=$2; shift 2 ;;
            -p|--port) port=$2; shift 2 ;;
            --lan) lan=1; shift ;;
            --ttl) ttl=$2; shift 2 ;;
            *) usage ;;
        esac
    done
    [[ "$n" =~ ^[0-9]+$ ]] && [ "$n" -ge 1 ] && [ "$n" -le 16 ] || { echo "-n: expected 1..16 processes, got '$n'" >&2; exit 2; }
    [[ "$port" =~ ^[0-9]+$ ]] && [ "$port" -ge 1024 ] && [ "$port" -le 65000 ] || { echo "--port: expected 1024..65000, got '$port'" >&2; exit 2; }
    if [ -f "$DIR/nginx.pid" ] && kill -0 "$(cat "$DIR/nginx.pid")" 2>/dev/null; then
        echo "a cluster is already running from $DIR: benchmarks/cluster.sh stop" >&2; exit 1
    fi
    mkdir -p "$DIR/pids" "$DIR/logs" "$DIR/tmp"
    # One cookie secret for all processes (XSRF tokens stay valid whichever process answers).
    # One BLAS thread per process: N processes share the cores (README, "In a classroom").
    export OPENBLAS_NUM_THREADS=${OPENBLAS_NUM_THREADS:-1}
    export STREAMLIT_SERVER_COOKIE_SECRET=${STREAMLIT_SERVER_COOKIE_SECRET:-$("$PYTHON" -c 'import secrets; print(secrets.token_hex(32))')}
    local servers="" i app_port
    for i in $(seq 1 "$n"); do
        app_port=$((port + i))
        (cd "$ROOT" && exec "$PYTHON" -m streamlit run app.py --server.headless true \
            --server.address 127.0.0.1 --server.port "$app_port" --server.fileWatcherType none \
            --browser.gatherUsageStats false --server.disconnectedSessionTTL "$ttl" \
            >"$DIR/logs/app-$i.log" 2>&1) &
        echo $! >"$DIR/pids/app-$i.pid"
        servers+="        server 127.0.0.1:$app_port max_fails=0;"$'\n'
    done
    for i in $(seq 1 "$n"); do
        app_port=$((port + i))
        for t in $(seq 120); do
            if [ "$("$PYTHON" -c "import urllib.request as u; print(u.urlopen('http://127.0.0.1:$app_port/_stcore/health', timeout=2).read().decode())" 2>/dev/null)" = ok ]; then
                break
            fi
            if ! kill -0 "$(cat "$DIR/pids/app-$i.pid")" 2>/dev/null; then
                echo "app process $i exited; see $DIR/logs/app-$i.log" >&2; stop; exit 1
            fi
            [ "$t" -eq 120 ] && { echo "app process $i not healthy after 60 s" >&2; stop; exit 1; }
            sleep 0.5
        done
    done
    local listen="127.0.0.1:$port"
    [ "$lan" -eq 1 ] && listen="$port"
    echo "$listen" >"$DIR/listen"
    local servers_file="$DIR/servers.conf"
    printf '%s' "$servers" >"$servers_file"
    sed -e "s#@RUN_DIR@#$DIR#g" -e "s#@LISTEN@#$listen#g" \
        -e "/@SERVERS@/{r $servers_file" -e "d}" \
        "$ROOT/benchmarks/cluster.nginx.conf" >"$DIR/nginx.conf"
    "$NGINX" -t -q -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log" || { stop; exit 1; }
    "$NGINX" -p "$DIR" -c "$DIR/nginx.conf" -e "$DIR/nginx-error.log"
    echo "$n app processes (127.0.0.1:$((port + 1))..$((port + n))) behind nginx on $listen"
    [ "$lan" -eq 1 ] && echo "students open http://<this machine's LAN address>:$port" \
                     || echo "open http://127.0.0.1:$port (add --lan to serve the class network)"
    echo "stop with: benchmarks/cluster.sh stop"
}

cmd=${1:-}
shift || true
case "$cmd" in
    start) start "$@" ;;
    stop) stop ;;
    status) status ;;
    *) usage ;;
esac
