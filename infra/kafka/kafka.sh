#!/usr/bin/env bash
# Kanshi local Apache Kafka: a real single-node KRaft broker, no Docker.
# Jars come from Maven Central through `mvn` (see pom.xml); state lives outside the repo.
#
# Usage: infra/kafka/kafka.sh install|start|stop|restart|reset|status|logs|topics|tool
# Environment: KANSHI_KAFKA_PORT (9092), KANSHI_KAFKA_CONTROLLER_PORT (9093),
#              KANSHI_KAFKA_HEAP (512m), KANSHI_CACHE_DIR (~/.cache/kanshi), JAVA_HOME (optional)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/log4j.properties"
TOOLS_LOG4J_CONFIG="$SCRIPT_DIR/tools-log4j.properties"

KAFKA_PORT="${KANSHI_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KANSHI_KAFKA_CONTROLLER_PORT:-9093}"
HEAP="${KANSHI_KAFKA_HEAP:-512m}"
HOST=127.0.0.1
START_TIMEOUT=90
STOP_TIMEOUT=30

KAFKA_VERSION="$(sed -n 's:.*<kafka\.version>[[:space:]]*\([^<[:space:]]*\)[[:space:]]*</kafka\.version>.*:\1:p' "$POM" | head -n 1)"

CACHE_ROOT="${KANSHI_CACHE_DIR:-$HOME/.cache/kanshi}/kafka"
VERSION_DIR="$CACHE_ROOT/$KAFKA_VERSION"
LIBS_DIR="$VERSION_DIR/libs"
MARKER="$VERSION_DIR/.install-complete"
INSTALL_LOG="$VERSION_DIR/mvn-install.log"

STATE_DIR="$CACHE_ROOT/state"
DATA_DIR="$STATE_DIR/data"
LOGS_DIR="$STATE_DIR/logs"
SERVER_LOG="$LOGS_DIR/server.log"
STDOUT_LOG="$LOGS_DIR/kafka-stdout.log"
PID_FILE="$STATE_DIR/kafka.pid"
CLUSTER_ID_FILE="$STATE_DIR/cluster.id"
SERVER_PROPS="$STATE_DIR/server.properties"

JAVA_BIN="java"
if [[ -n "${JAVA_HOME:-}" && -x "${JAVA_HOME}/bin/java" ]]; then
  JAVA_BIN="$JAVA_HOME/bin/java"
fi

log() { printf '[kafka] %s\n' "$*"; }
err() { printf '[kafka] ERROR: %s\n' "$*" >&2; }
die() { err "$*"; exit 1; }

usage() {
  cat <<EOF
Usage: $(basename "$0") <command>

  install   resolve Apache Kafka $KAFKA_VERSION jars from Maven Central into $LIBS_DIR (once)
  start     start the single-node KRaft broker on $HOST:$KAFKA_PORT (idempotent; installs if needed)
  stop      stop the broker (SIGTERM, SIGKILL after ${STOP_TIMEOUT}s; idempotent)
  restart   stop, then start
  reset     stop and delete all broker state (topics, offsets, cluster id)
  status    print running/stopped; exit 0 if running, 3 if stopped
  logs      follow the broker log (--no-follow: print the last 100 lines)
  topics    run the broker's TopicCommand against it, e.g. topics --list
  tool      run any Kafka tool main class, e.g. tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server $HOST:$KAFKA_PORT --list
EOF
}

# ---------------------------------------------------------------- helpers

require_java() {
  if ! command -v "$JAVA_BIN" >/dev/null 2>&1; then
    die "java not found. Install a JRE (17 recommended): apt-get install -y openjdk-17-jre-headless"
  fi
  local ver major
  ver="$("$JAVA_BIN" -version 2>&1 | sed -n 's/.*version "\([^"]*\)".*/\1/p' | head -n 1)"
  major="${ver%%.*}"
  if [[ "$major" == "1" ]]; then major="$(cut -d. -f2 <<<"$ver")"; fi
  if [[ "$major" =~ ^[0-9]+$ ]] && (( major < 11 )); then
    die "java $ver is too old for Kafka $KAFKA_VERSION (need 11+, 17 recommended): apt-get install -y openjdk-17-jre-headless"
  fi
}

require_mvn() {
  if ! command -v mvn >/dev/null 2>&1; then
    die "mvn (Apache Maven) not found; it is needed once to fetch the Kafka jars from Maven Central. Install with: apt-get install -y maven openjdk-17-jre-headless"
  fi
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

is_installed() {
  [[ -f "$MARKER" ]] && grep -qx "pom_sha256=$(pom_hash)" "$MARKER" \
    && compgen -G "$LIBS_DIR/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}

# Serialise start/stop/install/reset between concurrent callers (e.g. parallel test runs).
take_lock() {
  mkdir -p "$CACHE_ROOT"
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$CACHE_ROOT/.lock"
    flock -w 300 9 || die "timed out waiting for another kafka.sh to finish (lock $CACHE_ROOT/.lock)"
  fi
}

# Is this pid our broker (java kafka.Kafka with our server.properties)?
is_our_broker() {
  local pid="$1" cmdline
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 1
  cmdline="$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  [[ "$cmdline" == *" kafka.Kafka "* && "$cmdline" == *"$SERVER_PROPS"* ]]
}

# Prints the broker pid if running; falls back to scanning /proc when the pid file is gone.
running_pid() {
  local pid=""
  if [[ -f "$PID_FILE" ]]; then
    pid="$(tr -dc '0-9' <"$PID_FILE")"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  fi
  local f
  for f in /proc/[0-9]*/cmdline; do
    pid="${f#/proc/}"; pid="${pid%/cmdline}"
    if is_our_broker "$pid"; then echo "$pid"; return 0; fi
  done
  return 1
}

port_open() {
  (exec 3<>"/dev/tcp/$HOST/$1") >/dev/null 2>&1
}

port_owner() {
  if command -v ss >/dev/null 2>&1; then
    ss -ltnpH "sport = :$1" 2>/dev/null | sed -n 's/.*users:((\(.*\)))/\1/p' | head -n 1
  fi
}

show_failure_logs() {
  if [[ -s "$SERVER_LOG" ]]; then
    err "last 40 lines of $SERVER_LOG:"
    tail -n 40 "$SERVER_LOG" >&2
  fi
  if [[ -s "$STDOUT_LOG" ]]; then
    err "last 20 lines of $STDOUT_LOG (JVM stdout/stderr):"
    tail -n 20 "$STDOUT_LOG" >&2
  fi
}

# ---------------------------------------------------------------- install

do_install() {
  [[ -n "$KAFKA_VERSION" ]] || die "could not read <kafka.version> from $POM"
  require_java
  if is_installed; then
    log "Apache Kafka $KAFKA_VERSION already installed in $LIBS_DIR"
    return 0
  fi
  require_mvn

  local started=$SECONDS tmp="$VERSION_DIR/libs.partial"
  mkdir -p "$VERSION_DIR"
  rm -rf "$tmp"
  log "Resolving Apache Kafka $KAFKA_VERSION from Maven Central (first run only)…"
  log "  jars -> $LIBS_DIR (Maven cache ~/.m2), full Maven log: $INSTALL_LOG"

  mvn -B -ntp -U -f "$POM" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >"$INSTALL_LOG" 2>&1 &
  local mvn_pid=$! rc=0
  local next_note=$((SECONDS + 15))
  while kill -0 "$mvn_pid" 2>/dev/null; do
    sleep 1
    if (( SECONDS >= next_note )) && kill -0 "$mvn_pid" 2>/dev/null; then
      log "  … still resolving ($((SECONDS - started))s; a cold Maven cache takes about a minute)"
      next_note=$((SECONDS + 15))
    fi
  done
  wait "$mvn_pid" || rc=$?

  if (( rc != 0 )); then
    if grep -qiE 'UnknownHost|Could not transfer|Connection (refused|timed out|reset)|connect timed out|Network is unreachable|No route to host|PKIX|Temporary failure in name resolution|offline' "$INSTALL_LOG"; then
      err "cannot reach Maven Central (https://repo.maven.apache.org) to download Apache Kafka $KAFKA_VERSION."
      err "Check network/proxy access (Maven proxies go in ~/.m2/settings.xml). Maven said:"
      grep -F '[ERROR]' "$INSTALL_LOG" | head -n 3 >&2 || true
      exit 1
    fi
    err "mvn failed (exit $rc) resolving Apache Kafka $KAFKA_VERSION; last lines of $INSTALL_LOG:"
    tail -n 25 "$INSTALL_LOG" >&2
    exit 1
  fi

  # copy-dependencies of a pom-packaged project includes the direct dependencies,
  # but make sure the broker artifact itself is there.
  if ! compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null; then
    log "  copying the broker artifact kafka_2.13-$KAFKA_VERSION.jar"
    mvn -B -ntp -f "$POM" dependency:copy \
      -Dartifact="org.apache.kafka:kafka_2.13:$KAFKA_VERSION" -DoutputDirectory="$tmp" >>"$INSTALL_LOG" 2>&1 \
      || { tail -n 25 "$INSTALL_LOG" >&2; die "could not copy kafka_2.13-$KAFKA_VERSION.jar"; }
  fi
  compgen -G "$tmp/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null \
    || die "kafka_2.13-$KAFKA_VERSION.jar missing from $tmp after mvn; see $INSTALL_LOG"
  compgen -G "$tmp/slf4j-reload4j-*.jar" >/dev/null \
    || die "slf4j-reload4j jar missing (the broker would log nothing); check $POM"

  rm -rf "$LIBS_DIR"
  mv "$tmp" "$LIBS_DIR"
  local count size
  count="$(find "$LIBS_DIR" -name '*.jar' | wc -l)"
  size="$(du -sh "$LIBS_DIR" | cut -f1)"
  {
    echo "kafka_version=$KAFKA_VERSION"
    echo "pom_sha256=$(pom_hash)"
    echo "jars=$count"
    echo "installed_at=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
  } >"$MARKER"
  log "Installed Apache Kafka $KAFKA_VERSION: $count jars, $size in $LIBS_DIR ($((SECONDS - started))s)"
}

# ---------------------------------------------------------------- start

write_server_properties() {
  mkdir -p "$DATA_DIR" "$LOGS_DIR"
  cat >"$SERVER_PROPS" <<EOF
# Generated by infra/kafka/kafka.sh on each start; edit the script, not this file.
# Single-node KRaft broker for local development and tests (Apache Kafka $KAFKA_VERSION).
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$CONTROLLER_PORT
advertised.listeners=PLAINTEXT://$HOST:$KAFKA_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT

log.dirs=$DATA_DIR
metadata.log.dir=$DATA_DIR

# One node: everything at replication factor 1, or the group coordinator never becomes available.
offsets.topic.replication.factor=1
offsets.topic.num.partitions=10
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=10
default.replication.factor=1
min.insync.replicas=1
group.initial.rebalance.delay.ms=0

# Topics are created explicitly by the application / tests.
auto.create.topics.enable=false
delete.topic.enable=true
num.partitions=1

# Small footprint for a dev machine.
num.network.threads=3
num.io.threads=4
num.recovery.threads.per.data.dir=1
log.retention.hours=24
log.segment.bytes=134217728
log.retention.check.interval.ms=300000
EOF
}

format_storage_if_needed() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    return 0
  fi
  local cluster_id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  else
    cluster_id="$(run_java_tool kafka.tools.StorageTool random-uuid | tail -n 1 | tr -d '[:space:]')"
    [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid returned nothing"
    echo "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  log "Formatting storage in $DATA_DIR (cluster id $cluster_id; first start only)"
  run_java_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPS" --ignore-formatted >/dev/null \
    || die "formatting storage failed"
}

run_java_tool() {
  "$JAVA_BIN" -Xmx256m -Dlog4j.configuration="file:$TOOLS_LOG4J_CONFIG" -cp "$LIBS_DIR/*" "$@"
}

do_start() {
  local pid
  if pid="$(running_pid)"; then
    echo "$pid" >"$PID_FILE"
    log "already running (pid $pid) on $HOST:$KAFKA_PORT"
    return 0
  fi
  rm -f "$PID_FILE"
  if ! is_installed; then
    do_install
  fi
  require_java

  local port owner
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT"; do
    if port_open "$port"; then
      owner="$(port_owner "$port")"
      die "port $HOST:$port is already in use by another process${owner:+ ($owner)}; stop it or set KANSHI_KAFKA_PORT / KANSHI_KAFKA_CONTROLLER_PORT"
    fi
  done

  write_server_properties
  format_storage_if_needed

  local log_offset=0
  if [[ -f "$SERVER_LOG" ]]; then log_offset="$(stat -c %s "$SERVER_LOG")"; fi

  log "Starting Apache Kafka $KAFKA_VERSION (KRaft, heap $HEAP) on $HOST:$KAFKA_PORT…"
  local started=$SECONDS
  {
    echo "===== $(date -u +%Y-%m-%dT%H:%M:%SZ) kafka.sh start"
  } >>"$STDOUT_LOG"
  # New session (setsid) + nohup: survives the caller's terminal and Ctrl-C.
  # The inner bash records its own pid, then execs java (same pid). fd 9 (lock) is closed.
  # shellcheck disable=SC2016  # $$ and "$@" must expand in the inner bash
  setsid nohup bash -c 'echo $$ >"$1"; shift; exec "$@"' kafka-launcher "$PID_FILE" \
    "$JAVA_BIN" "-Xms$HEAP" "-Xmx$HEAP" \
    -server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 \
    -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true \
    "-Dlog4j.configuration=file:$LOG4J_CONFIG" "-Dkafka.logs.dir=$LOGS_DIR" \
    -cp "$LIBS_DIR/*" kafka.Kafka "$SERVER_PROPS" \
    </dev/null >>"$STDOUT_LOG" 2>&1 9>&- &
  disown 2>/dev/null || true

  local deadline=$((SECONDS + START_TIMEOUT)) log_ok=0 port_ok=0
  pid=""
  while (( SECONDS < deadline )); do
    sleep 0.5
    if [[ -z "$pid" && -s "$PID_FILE" ]]; then pid="$(tr -dc '0-9' <"$PID_FILE")"; fi
    if [[ -n "$pid" ]] && ! kill -0 "$pid" 2>/dev/null; then
      err "the broker process (pid $pid) exited during start-up"
      rm -f "$PID_FILE"
      show_failure_logs
      exit 1
    fi
    if (( !port_ok )) && port_open "$KAFKA_PORT"; then port_ok=1; fi
    if (( !log_ok )) && [[ -f "$SERVER_LOG" ]]; then
      local size
      size="$(stat -c %s "$SERVER_LOG")"
      (( size < log_offset )) && log_offset=0   # log was rotated
      if tail -c +"$((log_offset + 1))" "$SERVER_LOG" | grep -q 'Kafka Server started'; then log_ok=1; fi
    fi
    if (( port_ok && log_ok )); then
      log "Kafka is up: bootstrap $HOST:$KAFKA_PORT, pid $pid, log $SERVER_LOG ($((SECONDS - started))s)"
      return 0
    fi
  done
  err "Kafka did not become ready within ${START_TIMEOUT}s (port open: $port_ok, 'Kafka Server started' logged: $log_ok)"
  show_failure_logs
  err "the process (pid ${pid:-?}) is left running for inspection; run '$0 stop' to stop it"
  exit 1
}

# ---------------------------------------------------------------- stop / reset / status

do_stop() {
  local pid
  if ! pid="$(running_pid)"; then
    rm -f "$PID_FILE"
    log "not running"
    return 0
  fi
  log "Stopping Kafka (pid $pid)…"
  kill -TERM "$pid" 2>/dev/null || true
  local deadline=$((SECONDS + STOP_TIMEOUT))
  while kill -0 "$pid" 2>/dev/null && (( SECONDS < deadline )); do
    sleep 0.5
  done
  if kill -0 "$pid" 2>/dev/null; then
    err "still running after ${STOP_TIMEOUT}s; sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null; do sleep 0.2; done
  fi
  rm -f "$PID_FILE"
  log "stopped"
}

do_reset() {
  do_stop
  case "$STATE_DIR" in
    */kafka/state) ;;
    *) die "refusing to delete unexpected state dir '$STATE_DIR'" ;;
  esac
  rm -rf -- "$STATE_DIR"
  log "deleted broker state $STATE_DIR (next start formats a fresh cluster)"
}

do_status() {
  local pid
  if pid="$(running_pid)"; then
    echo "kafka: running (pid $pid), Apache Kafka $KAFKA_VERSION, bootstrap $HOST:$KAFKA_PORT, controller $HOST:$CONTROLLER_PORT, log $SERVER_LOG"
    return 0
  fi
  echo "kafka: stopped (Apache Kafka $KAFKA_VERSION, port $KAFKA_PORT, log $SERVER_LOG)"
  return 3
}

do_logs() {
  [[ -f "$SERVER_LOG" ]] || die "no log yet at $SERVER_LOG"
  if [[ "${1:-}" == "--no-follow" ]]; then
    tail -n 100 "$SERVER_LOG"
  else
    tail -n 100 -F "$SERVER_LOG"
  fi
}

require_libs() {
  is_installed || die "Kafka $KAFKA_VERSION is not installed; run: $0 install"
  require_java
}

# ---------------------------------------------------------------- main

main() {
  local cmd="${1:-}"
  [[ $# -gt 0 ]] && shift
  case "$cmd" in
    install) take_lock; do_install ;;
    start) take_lock; do_start ;;
    stop) take_lock; do_stop ;;
    restart) take_lock; do_stop; do_start ;;
    reset) take_lock; do_reset ;;
    status) do_status ;;
    logs) do_logs "$@" ;;
    topics) require_libs; run_java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" "$@" ;;
    tool) require_libs; [[ $# -gt 0 ]] || die "usage: $0 tool <main class> [args…]"; run_java_tool "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
