#!/usr/bin/env bash
# The project's single test command. Run from anywhere as `tests/run.sh [extra dotnet test args]`.
#
# It installs what the tests need (redis-server, chromium) when running as root, starts a throwaway
# Redis on a free loopback port, runs `dotnet test` over SupportCommunity.sln, and ends with one line:
#   N passed, M failed, K skipped
# summed over every test project's .trx file. Exit 0 only when nothing failed and dotnet test exited 0.
#
# Environment handed to the tests:
#   SUPPORTCOMMUNITY_TEST_TMP       a temp folder for anything transient (removed afterwards)
#   SUPPORTCOMMUNITY_TEST_REDIS     host:port of the Redis started here (127.0.0.1:P)
#   SUPPORTCOMMUNITY_TEST_CHROMIUM  path of the Chromium binary (/usr/bin/chromium)
# Optional: SUPPORTCOMMUNITY_KEEP_RESULTS=<dir> copies the .trx files there (per-test outcomes and durations)
# before the temp folder is removed.
set -euo pipefail

script_dir="$(cd -P -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd -P -- "$script_dir/.." && pwd)"
cd "$repo_root"

CHROMIUM_BIN=/usr/bin/chromium

# --- 1. Install what the tests need ------------------------------------------------------------
missing_pkgs=()
if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
    missing_pkgs+=(redis-server redis-tools)
fi
if [[ ! -x "$CHROMIUM_BIN" ]]; then
    missing_pkgs+=(chromium)
fi
if ((${#missing_pkgs[@]} > 0)); then
    if [[ "$(id -u)" -ne 0 ]]; then
        echo "tests/run.sh: missing test dependencies; install them first, e.g.:" >&2
        echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_pkgs[*]}" >&2
        exit 2
    fi
    echo "tests/run.sh: installing ${missing_pkgs[*]} ..."
    export DEBIAN_FRONTEND=noninteractive
    apt-get update
    apt-get install -y --no-install-recommends "${missing_pkgs[@]}"
    hash -r
    for bin in redis-server redis-cli; do
        command -v "$bin" >/dev/null 2>&1 || { echo "tests/run.sh: $bin still missing after install" >&2; exit 2; }
    done
    [[ -x "$CHROMIUM_BIN" ]] || { echo "tests/run.sh: $CHROMIUM_BIN still missing after install" >&2; exit 2; }
fi

# --- 2. Temp folder and cleanup ----------------------------------------------------------------
work_dir="$(mktemp -d "${TMPDIR:-/tmp}/supportcommunity-tests.XXXXXXXX")"
redis_port=""
redis_pidfile="$work_dir/redis.pid"

stop_redis() {
    [[ -n "$redis_port" ]] || return 0
    local pid=""
    [[ -f "$redis_pidfile" ]] && pid="$(cat "$redis_pidfile" 2>/dev/null || true)"
    timeout 5 redis-cli -h 127.0.0.1 -p "$redis_port" shutdown nosave >/dev/null 2>&1 || true
    if [[ "$pid" =~ ^[0-9]+$ ]]; then
        local i
        for ((i = 0; i < 50; i++)); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.1
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
            sleep 0.5
            kill -9 "$pid" 2>/dev/null || true
        fi
    fi
    redis_port=""
}

cleaned_up=0
cleanup() {
    # Must stay silent and never fail: the summary line has to be the last thing printed.
    set +e
    ((cleaned_up)) && return 0
    cleaned_up=1
    {
        stop_redis
        [[ -n "${work_dir:-}" && -d "$work_dir" ]] && rm -rf -- "$work_dir"
    } >/dev/null 2>&1
    return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

export SUPPORTCOMMUNITY_TEST_TMP="$work_dir"
export XDG_CONFIG_HOME="$work_dir/xdg-config"
export XDG_CACHE_HOME="$work_dir/xdg-cache"
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME"
export DOTNET_CLI_TELEMETRY_OPTOUT="${DOTNET_CLI_TELEMETRY_OPTOUT:-1}"
export DOTNET_NOLOGO="${DOTNET_NOLOGO:-1}"
# No build servers or reused MSBuild nodes outliving the run (they would also hold the tee pipe open).
export MSBUILDDISABLENODEREUSE="${MSBUILDDISABLENODEREUSE:-1}"
export DOTNET_CLI_USE_MSBUILD_SERVER="${DOTNET_CLI_USE_MSBUILD_SERVER:-0}"
export UseSharedCompilation="${UseSharedCompilation:-false}"

# --- 3. Redis on a free loopback port ----------------------------------------------------------
port_in_use() { (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

pick_free_port() {
    local p
    if command -v python3 >/dev/null 2>&1; then
        p="$(python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()' 2>/dev/null || true)"
        if [[ "$p" =~ ^[0-9]+$ ]] && ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    fi
    local i
    for ((i = 0; i < 200; i++)); do
        p=$((20000 + RANDOM % 40000))
        if ! port_in_use "$p"; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

redis_ok=0
for _attempt in 1 2 3; do # a port picked free may be taken before redis binds it
    redis_port="$(pick_free_port)" || { echo "tests/run.sh: no free loopback port found" >&2; exit 1; }
    rm -f "$redis_pidfile"
    redis-server --port "$redis_port" --bind 127.0.0.1 --daemonize yes \
        --pidfile "$redis_pidfile" --logfile "$work_dir/redis.log" \
        --save "" --appendonly no --dir "$work_dir" >/dev/null 2>&1 || true
    for ((i = 0; i < 100; i++)); do # ~10 s
        if [[ "$(timeout 2 redis-cli -h 127.0.0.1 -p "$redis_port" ping 2>/dev/null || true)" == "PONG" ]]; then
            redis_ok=1
            break
        fi
        sleep 0.1
    done
    ((redis_ok)) && break
    stop_redis
done
if ((!redis_ok)); then
    echo "tests/run.sh: redis-server did not answer PING; its log:" >&2
    cat "$work_dir/redis.log" >&2 2>/dev/null || true
    exit 1
fi
export SUPPORTCOMMUNITY_TEST_REDIS="127.0.0.1:$redis_port"
export SUPPORTCOMMUNITY_TEST_CHROMIUM="$CHROMIUM_BIN"

# --- 4. Run the tests --------------------------------------------------------------------------
results_dir="$work_dir/results"
test_log="$work_dir/dotnet-test.log"
set +e
dotnet test SupportCommunity.sln -c Release \
    --logger "trx;LogFilePrefix=tr" \
    --results-directory "$results_dir" \
    "$@" 2>&1 | tee "$test_log"
test_rc=${PIPESTATUS[0]}
set -e

# --- 5. Sum the .trx counters of every test project --------------------------------------------
# <Counters total= executed= passed= failed= error= timeout= aborted= ... notExecuted= ...>:
# failed counts failed + error + timeout + aborted; skipped counts the tests that did not execute.
trx_files=()
if [[ -d "$results_dir" ]]; then
    while IFS= read -r -d '' trx; do
        trx_files+=("$trx")
    done < <(find "$results_dir" -type f -name '*.trx' -print0)
fi

if [[ -n "${SUPPORTCOMMUNITY_KEEP_RESULTS:-}" && ${#trx_files[@]} -gt 0 ]]; then
    mkdir -p "$SUPPORTCOMMUNITY_KEEP_RESULTS" && cp -- "${trx_files[@]}" "$SUPPORTCOMMUNITY_KEEP_RESULTS/" || true
fi

read -r passed failed skipped < <(
    for trx in ${trx_files[@]+"${trx_files[@]}"}; do
        # Join lines so an element split over lines still matches, then take <Counters ...>.
        tr '\r\n' '  ' <"$trx" | grep -o '<Counters[^>]*>' || true
    done | awk '
        function attr(s, name) {
            if (match(s, "[ \t]" name "=\"[0-9]+\"")) {
                s = substr(s, RSTART, RLENGTH)
                sub(/^[^"]*"/, "", s)
                sub(/"$/, "", s)
                return s + 0
            }
            return 0
        }
        {
            p += attr($0, "passed")
            f += attr($0, "failed") + attr($0, "error") + attr($0, "timeout") + attr($0, "aborted")
            # VSTest leaves notExecuted at 0 for skipped tests: they only show as total - executed
            # (executed = passed + failed). Take whichever is larger.
            k = attr($0, "total") - attr($0, "executed")
            if (k < attr($0, "notExecuted")) k = attr($0, "notExecuted")
            if (k > 0) s += k
        }
        END { printf "%d %d %d\n", p, f, s }'
)

# The trx logger names files tr_<tfm>_<yyyyMMddHHmmss>.trx and only checks that the name is free, so two
# projects finishing in the same instant can write the same file and one project's counts are lost. When
# more "Results File:" lines were printed than .trx files exist, sum the per-project console summaries
# ("Passed!  - Failed: F, Passed: P, Skipped: S, Total: T, ...") instead.
announced=$(grep -c 'Results File:' "$test_log" 2>/dev/null || true)
if [[ "$announced" =~ ^[0-9]+$ ]] && ((announced > ${#trx_files[@]})); then
    read -r passed failed skipped < <(
        sed 's/\x1b\[[0-9;]*[A-Za-z]//g' "$test_log" | awk '
            /(Passed|Failed|Skipped)! +- +Failed: +[0-9]+, +Passed: +[0-9]+, +Skipped: +[0-9]+/ {
                line = $0
                sub(/.*! +- +Failed: +/, "", line); f += line + 0
                sub(/^[0-9]+, +Passed: +/, "", line); p += line + 0
                sub(/^[0-9]+, +Skipped: +/, "", line); s += line + 0
            }
            END { printf "%d %d %d\n", p, f, s }'
    )
fi

if ((test_rc != 0 && failed == 0)); then
    failed=1 # build failure or crashed test host: no .trx recorded the failure
fi

status=0
if ((test_rc != 0 || failed != 0)); then
    status=1
fi

# Clean up first (silently), so that the summary is the very last line printed.
cleanup
trap - EXIT INT TERM
printf '%d passed, %d failed, %d skipped\n' "$passed" "$failed" "$skipped"
exit "$status"
