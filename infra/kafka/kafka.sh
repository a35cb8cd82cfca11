#!/usr/bin/env bash
# Kanshi local Apache Kafka: a real single-node KRaft broker, no Docker.
# Jars come from Maven Central through `mvn` (see pom.xml); state lives outside the repo.
#
# The broker authenticates every client (SASL/SCRAM-SHA-512, or a client certificate on the
# mTLS listener) and authorises it with ACLs; the principals and their passwords are generated
# on the first start into $STATE_DIR/principals (see README.md).
#
# Usage: infra/kafka/kafka.sh install|start|stop|restart|reset|status|logs|topics|tool|principals
# Environment: KANSHI_KAFKA_PORT (9092), KANSHI_KAFKA_CONTROLLER_PORT (9093),
#              KANSHI_KAFKA_TLS_PORT (port + 2), KANSHI_KAFKA_MTLS_PORT (port + 3),
#              KANSHI_KAFKA_HEAP (512m), KANSHI_CACHE_DIR (~/.cache/kanshi), JAVA_HOME (optional)
set -euo pipefail

SCRIPT_DIR="$(cd -- "$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")" && pwd)"
POM="$SCRIPT_DIR/pom.xml"
LOG4J_CONFIG="$SCRIPT_DIR/log4j.properties"
TOOLS_LOG4J_CONFIG="$SCRIPT_DIR/tools-log4j.properties"

KAFKA_PORT="${KANSHI_KAFKA_PORT:-9092}"
CONTROLLER_PORT="${KANSHI_KAFKA_CONTROLLER_PORT:-9093}"
TLS_PORT="${KANSHI_KAFKA_TLS_PORT:-$((KAFKA_PORT + 2))}"
MTLS_PORT="${KANSHI_KAFKA_MTLS_PORT:-$((KAFKA_PORT + 3))}"
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
PRINCIPALS_FILE="$STATE_DIR/principals"
TLS_DIR="$STATE_DIR/tls"
ADMIN_PROPS="$STATE_DIR/admin-client.properties"

# Every principal the local broker knows. kanshi-broker and kanshi-controller are the broker's
# own (inter-broker SCRAM, controller PLAIN); kanshi-admin is the operator's super user
# (topics, ACLs, tests); the others are the apps' and the producers', authorised by ACLs
# (infra/scripts/kafka-acls.ts).
PRINCIPALS=(kanshi-admin kanshi-broker kanshi-controller kanshi-engine kanshi-gateway kanshi-producer kanshi-operator)

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
  tool      run any Kafka tool main class, e.g. tool org.apache.kafka.tools.consumer.group.ConsumerGroupCommand --bootstrap-server $HOST:$KAFKA_PORT --command-config $ADMIN_PROPS --list
  principals print the principals and their passwords ($PRINCIPALS_FILE)

Listeners: $HOST:$KAFKA_PORT SASL_PLAINTEXT (SCRAM-SHA-512), $HOST:$TLS_PORT SASL_SSL
(SCRAM-SHA-512 or PLAIN), $HOST:$MTLS_PORT SSL with client certificates (mTLS). The CA and the
client certificates are in $TLS_DIR; $ADMIN_PROPS signs the broker's tools in as kanshi-admin.
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

# The password of one principal, from $PRINCIPALS_FILE.
password_of() {
  sed -n "s/^$1=//p" "$PRINCIPALS_FILE" | head -n 1
}

# Random passwords for every principal, once per broker state (reset makes new ones).
ensure_principals() {
  mkdir -p "$STATE_DIR"
  local name missing=0
  for name in "${PRINCIPALS[@]}"; do
    if [[ ! -f "$PRINCIPALS_FILE" ]] || ! grep -q "^$name=" "$PRINCIPALS_FILE"; then missing=1; fi
  done
  (( missing )) || return 0
  log "Generating passwords for the local principals in $PRINCIPALS_FILE"
  local tmp="$PRINCIPALS_FILE.partial"
  (
    umask 077
    : >"$tmp"
    for name in "${PRINCIPALS[@]}"; do
      echo "$name=$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')" >>"$tmp"
    done
  )
  mv "$tmp" "$PRINCIPALS_FILE"
  # New passwords need new SCRAM users: the storage is formatted again.
  rm -f "$STATE_DIR/.sasl"
}

# A private CA, the broker's certificate (for 127.0.0.1 and localhost) and client certificates
# whose common name is the principal (the mTLS listener maps CN=<name> to User:<name>).
ensure_tls_material() {
  [[ -f "$TLS_DIR/.complete" ]] && return 0
  command -v openssl >/dev/null 2>&1 || die "openssl not found; it makes the local broker's TLS certificates: apt-get install -y openssl"
  log "Making a local CA and TLS certificates in $TLS_DIR (first start only)"
  rm -rf "$TLS_DIR"
  mkdir -p "$TLS_DIR"
  (
    umask 077
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 3650 -subj "/CN=Kanshi local Kafka CA" \
      -keyout ca.key -out ca.pem >/dev/null 2>&1
    issue() { # name, subject, extensions
      openssl req -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key.tmp" -out "$1.csr" >/dev/null 2>&1
      printf '%s\n' "$3" >"$1.ext"
      openssl x509 -req -in "$1.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 -sha256 \
        -extfile "$1.ext" -out "$1.pem" >/dev/null 2>&1
      openssl pkcs8 -topk8 -nocrypt -in "$1.key.tmp" -out "$1.key"
      rm -f "$1.csr" "$1.ext" "$1.key.tmp"
    }
    issue broker "/CN=localhost" "subjectAltName=IP:127.0.0.1,DNS:localhost
extendedKeyUsage=serverAuth,clientAuth"
    # The broker reads one PEM file holding its key and its certificate.
    cat broker.key broker.pem >broker-keystore.pem
    issue kanshi-admin "/CN=kanshi-admin" "extendedKeyUsage=clientAuth"
    issue kanshi-producer "/CN=kanshi-producer" "extendedKeyUsage=clientAuth"
  ) || die "making TLS certificates with openssl failed"
  touch "$TLS_DIR/.complete"
}

# The JAAS options of the PLAIN login module that list the client principals: user_<name>="<password>".
plain_users() {
  local name
  for name in kanshi-admin kanshi-engine kanshi-gateway kanshi-producer kanshi-operator; do
    printf ' user_%s="%s"' "$name" "$(password_of "$name")"
  done
}

write_server_properties() {
  mkdir -p "$DATA_DIR" "$LOGS_DIR"
  local broker_pw controller_pw
  broker_pw="$(password_of kanshi-broker)"
  controller_pw="$(password_of kanshi-controller)"
  (
    umask 077
    cat >"$SERVER_PROPS" <<EOF
# Generated by infra/kafka/kafka.sh on each start; edit the script, not this file.
# Single-node KRaft broker for local development and tests (Apache Kafka $KAFKA_VERSION),
# with authentication (SASL/SCRAM, mTLS) and ACLs, as a bank's cluster would run.
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@$HOST:$CONTROLLER_PORT
listeners=CLIENT://$HOST:$KAFKA_PORT,CONTROLLER://$HOST:$CONTROLLER_PORT,CLIENT_TLS://$HOST:$TLS_PORT,CLIENT_MTLS://$HOST:$MTLS_PORT
advertised.listeners=CLIENT://$HOST:$KAFKA_PORT,CLIENT_TLS://$HOST:$TLS_PORT,CLIENT_MTLS://$HOST:$MTLS_PORT
controller.listener.names=CONTROLLER
inter.broker.listener.name=CLIENT
listener.security.protocol.map=CONTROLLER:SASL_PLAINTEXT,CLIENT:SASL_PLAINTEXT,CLIENT_TLS:SASL_SSL,CLIENT_MTLS:SSL

# Authentication. Clients: SCRAM-SHA-512 (PLAIN too, over TLS only); the broker to itself:
# SCRAM as kanshi-broker; to its controller: PLAIN as kanshi-controller (SCRAM credentials live
# in the metadata the controller serves, so the controller listener cannot use them).
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.client.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="kanshi-broker" password="$broker_pw";
listener.name.client_tls.sasl.enabled.mechanisms=SCRAM-SHA-512,PLAIN
listener.name.client_tls.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.client_tls.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required$(plain_users);
sasl.mechanism.controller.protocol=PLAIN
listener.name.controller.sasl.enabled.mechanisms=PLAIN
listener.name.controller.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username="kanshi-controller" password="$controller_pw" user_kanshi-controller="$controller_pw";

# TLS (PEM files from ensure_tls_material); the mTLS listener requires a client certificate
# and takes the principal from its common name.
ssl.keystore.type=PEM
ssl.keystore.location=$TLS_DIR/broker-keystore.pem
ssl.truststore.type=PEM
ssl.truststore.location=$TLS_DIR/ca.pem
listener.name.client_mtls.ssl.client.auth=required
ssl.principal.mapping.rules=RULE:^CN=([^,]+)(,.*)?\$/\$1/,DEFAULT

# Authorisation: nothing is allowed without an ACL (infra/scripts/kafka-acls.ts writes them).
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
allow.everyone.if.no.acl.found=false
super.users=User:kanshi-admin;User:kanshi-broker;User:kanshi-controller

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
    # For the broker's own command-line tools (topics, tool): kanshi-admin over SCRAM.
    cat >"$ADMIN_PROPS" <<EOF
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="kanshi-admin" password="$(password_of kanshi-admin)";
EOF
  )
}

format_storage_if_needed() {
  if [[ -f "$DATA_DIR/meta.properties" ]]; then
    [[ -f "$STATE_DIR/.sasl" ]] && return 0
    # Storage formatted before the broker required authentication (or before new passwords)
    # has no matching SCRAM users, and KRaft takes them only at format time: start afresh.
    log "The local broker's data has no SCRAM users for the current principals; deleting it and formatting anew"
    rm -rf -- "$DATA_DIR"
    mkdir -p "$DATA_DIR"
  fi
  local cluster_id
  if [[ -s "$CLUSTER_ID_FILE" ]]; then
    cluster_id="$(tr -d '[:space:]' <"$CLUSTER_ID_FILE")"
  else
    cluster_id="$(run_java_tool kafka.tools.StorageTool random-uuid | tail -n 1 | tr -d '[:space:]')"
    [[ -n "$cluster_id" ]] || die "kafka.tools.StorageTool random-uuid returned nothing"
    echo "$cluster_id" >"$CLUSTER_ID_FILE"
  fi
  local scram=() name
  for name in "${PRINCIPALS[@]}"; do
    [[ "$name" == kanshi-controller ]] && continue
    scram+=(--add-scram "SCRAM-SHA-512=[name=$name,password=$(password_of "$name")]")
  done
  log "Formatting storage in $DATA_DIR (cluster id $cluster_id, $(( ${#scram[@]} / 2 )) SCRAM users; first start only)"
  run_java_tool kafka.tools.StorageTool format -t "$cluster_id" -c "$SERVER_PROPS" --ignore-formatted "${scram[@]}" >/dev/null \
    || die "formatting storage failed"
  touch "$STATE_DIR/.sasl"
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
  for port in "$KAFKA_PORT" "$CONTROLLER_PORT" "$TLS_PORT" "$MTLS_PORT"; do
    if port_open "$port"; then
      owner="$(port_owner "$port")"
      die "port $HOST:$port is already in use by another process${owner:+ ($owner)}; stop it or set KANSHI_KAFKA_PORT / KANSHI_KAFKA_CONTROLLER_PORT / KANSHI_KAFKA_TLS_PORT / KANSHI_KAFKA_MTLS_PORT"
    fi
  done

  ensure_principals
  ensure_tls_material
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
    echo "kafka: running (pid $pid), Apache Kafka $KAFKA_VERSION, bootstrap $HOST:$KAFKA_PORT (SASL), $HOST:$TLS_PORT (SASL_SSL), $HOST:$MTLS_PORT (mTLS), controller $HOST:$CONTROLLER_PORT, log $SERVER_LOG"
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
    topics) require_libs; run_java_tool org.apache.kafka.tools.TopicCommand --bootstrap-server "$HOST:$KAFKA_PORT" --command-config "$ADMIN_PROPS" "$@" ;;
    principals) [[ -f "$PRINCIPALS_FILE" ]] || die "no principals yet; run: $0 start"; cat "$PRINCIPALS_FILE" ;;
    tool) require_libs; [[ $# -gt 0 ]] || die "usage: $0 tool <main class> [args…]"; run_java_tool "$@" ;;
    -h | --help | help) usage ;;
    *) usage >&2; exit 2 ;;
  esac
}

main "$@"
