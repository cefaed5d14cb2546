#!/usr/bin/env bash
# Start/stop a local embedded Neo4j (community, Bolt on loopback) for tests and development.
#
#   scripts/neo4j.sh start    build the launcher if needed, start in the background, wait for Bolt
#   scripts/neo4j.sh stop     SIGTERM and wait for a clean shutdown
#   scripts/neo4j.sh status   exit 0 if running and Bolt accepts connections (prints the URL)
#   scripts/neo4j.sh wait     wait until Bolt accepts connections (non-zero on timeout)
#   scripts/neo4j.sh build    (re)build docker/neo4j-embedded/target/neo4j-embedded.jar
#   scripts/neo4j.sh url      print the Bolt URL to put in NEO4J_BOLT_URL
#
# start and url print the Bolt URL on stdout (progress goes to stderr), so
#   export NEO4J_BOLT_URL="$(scripts/neo4j.sh start)"
# works.
#
# Environment (all optional):
#   THERMO_DATA_DIR        parent data folder; Neo4j lives in $THERMO_DATA_DIR/neo4j (default <repo>/.data)
#   NEO4J_BOLT_PORT        Bolt port on 127.0.0.1 (default 7687)
#   NEO4J_AUTH             "neo4j/<password>" (default neo4j/thermo-neo4j) or "none"
#   NEO4J_PAGECACHE        page cache size (default 128m)
#   NEO4J_HEAP             JVM max heap (default 512m)
#   NEO4J_JAVA_OPTS        extra JVM flags, space-separated
#   NEO4J_CONF_FILE        extra neo4j.conf-style properties file
#   NEO4J_START_TIMEOUT    seconds to wait for Bolt (default 120)
# See docs/neo4j.md.
set -euo pipefail

REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PROJECT_DIR="$REPO_ROOT/docker/neo4j-embedded"
JAR="$PROJECT_DIR/target/neo4j-embedded.jar"
NEO4J_DIR="${THERMO_DATA_DIR:-$REPO_ROOT/.data}/neo4j"
PID_FILE="$NEO4J_DIR/neo4j.pid"
LOG_FILE="$NEO4J_DIR/neo4j.log"
READY_FILE="$NEO4J_DIR/ready"
HOST="127.0.0.1"
PORT="${NEO4J_BOLT_PORT:-7687}"
AUTH="${NEO4J_AUTH:-neo4j/thermo-neo4j}"
START_TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
STOP_TIMEOUT=60

log() { echo "neo4j: $*" >&2; }

bolt_url() {
    if [[ "$AUTH" == "none" ]]; then
        echo "bolt://$HOST:$PORT"
    else
        echo "bolt://${AUTH%%/*}:${AUTH#*/}@$HOST:$PORT"
    fi
}

port_open() { (exec 3<>"/dev/tcp/$HOST/$PORT") 2>/dev/null; }

# The pid file alone is not trusted: after a reboot the pid may belong to an unrelated process.
running_pid() {
    local pid
    [[ -f "$PID_FILE" ]] || return 1
    pid="$(cat "$PID_FILE")"
    [[ -n "$pid" && -r "/proc/$pid/cmdline" ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" | grep -q "neo4j-embedded.jar" || return 1
    echo "$pid"
}

needs_build() {
    [[ -f "$JAR" && -d "$PROJECT_DIR/target/lib" ]] || return 0
    [[ -n "$(find "$PROJECT_DIR/pom.xml" "$PROJECT_DIR/src" -newer "$JAR" -print -quit)" ]]
}

build() {
    log "building launcher (first build downloads ~170 MB from Maven Central into ~/.m2) ..."
    (cd "$PROJECT_DIR" && "${MVN:-mvn}" -q -B -Dstyle.color=never package -DskipTests) >&2
}

show_failure() {
    log "---- tail of $LOG_FILE ----"
    tail -n 40 "$LOG_FILE" >&2 || true
    if [[ -f "$NEO4J_DIR/logs/debug.log" ]]; then
        log "---- tail of $NEO4J_DIR/logs/debug.log ----"
        tail -n 20 "$NEO4J_DIR/logs/debug.log" >&2 || true
    fi
}

# Waits for Bolt; with a pid, also gives up as soon as that process dies.
wait_for_bolt() {
    local pid="${1:-}" start=$SECONDS next_note=5
    until port_open && { [[ -z "$pid" ]] || [[ -f "$READY_FILE" ]]; }; do
        if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
            log "process $pid exited during startup"
            return 1
        fi
        if (( SECONDS - start >= START_TIMEOUT )); then
            log "Bolt not reachable on $HOST:$PORT after ${START_TIMEOUT}s"
            return 1
        fi
        if (( SECONDS - start >= next_note )); then
            log "waiting for Bolt on $HOST:$PORT ... $((SECONDS - start))s"
            next_note=$((next_note + 5))
        fi
        sleep 0.5
    done
}

start() {
    local pid
    if pid="$(running_pid)"; then
        log "already running (pid $pid)"
        bolt_url
        return 0
    fi
    if port_open; then
        log "port $HOST:$PORT is already in use by another process; set NEO4J_BOLT_PORT"
        return 1
    fi
    if needs_build; then build; fi
    mkdir -p "$NEO4J_DIR"
    rm -f "$READY_FILE" "$PID_FILE"
    echo "==== $(date -Is) starting on $HOST:$PORT" >>"$LOG_FILE"
    # setsid: a Ctrl-C in the calling terminal or a test runner's process-group kill must not take it down.
    # 9>&-: the JVM must not inherit the flock fd, or the lock would live as long as the server.
    local -a java_opts
    read -r -a java_opts <<<"${NEO4J_JAVA_OPTS:-}"
    NEO4J_AUTH="$AUTH" nohup setsid "${JAVA:-java}" \
        "-Xmx${NEO4J_HEAP:-512m}" -XX:+ExitOnOutOfMemoryError "${java_opts[@]}" \
        -Djdk.nio.maxCachedBufferSize=1024 -Dio.netty.tryReflectionSetAccessible=true \
        -jar "$JAR" --home "$NEO4J_DIR" --host "$HOST" --port "$PORT" --ready-file "$READY_FILE" \
        </dev/null >>"$LOG_FILE" 2>&1 9>&- &
    pid=$!
    echo "$pid" >"$PID_FILE"
    log "started pid $pid, data in $NEO4J_DIR, log $LOG_FILE"
    if ! wait_for_bolt "$pid"; then
        show_failure
        kill -TERM "$pid" 2>/dev/null || true
        rm -f "$PID_FILE"
        return 1
    fi
    log "ready: $(cat "$READY_FILE")"
    bolt_url
}

stop() {
    local pid start=$SECONDS
    if ! pid="$(running_pid)"; then
        log "not running"
        rm -f "$PID_FILE" "$READY_FILE"
        return 0
    fi
    log "stopping pid $pid ..."
    kill -TERM "$pid"
    while kill -0 "$pid" 2>/dev/null; do
        if (( SECONDS - start >= STOP_TIMEOUT )); then
            log "still alive after ${STOP_TIMEOUT}s; sending SIGKILL (store will recover on next start)"
            kill -KILL "$pid" 2>/dev/null || true
            break
        fi
        sleep 0.5
    done
    rm -f "$PID_FILE" "$READY_FILE"
    log "stopped in $((SECONDS - start))s"
}

status() {
    local pid
    if pid="$(running_pid)" && port_open; then
        log "running (pid $pid) at $(bolt_url)"
        return 0
    fi
    log "not running"
    return 3
}

cmd="${1:-}"
case "$cmd" in
    start | stop)
        mkdir -p "$NEO4J_DIR"
        # Serialise concurrent start/stop calls (e.g. parallel test sessions) on one data folder.
        exec 9>"$NEO4J_DIR/.lock"
        flock 9
        "$cmd"
        ;;
    status) status ;;
    wait) wait_for_bolt ;;
    build) build ;;
    url) bolt_url ;;
    *)
        echo "usage: $0 start|stop|status|wait|build|url" >&2
        exit 2
        ;;
esac
