#!/usr/bin/env bash
# Starts the broker of docker-compose.yml's `kafka` service (the apache/kafka image) with
# SASL/SCRAM users. KRaft takes SCRAM users only when the storage is formatted, and the image's
# own start-up (/etc/kafka/docker/run) formats it without any. So this script formats it first,
# with the users, then hands over to the image: its format then finds the storage formatted,
# which its run script lets pass, renders server.properties from the KAFKA_* variables and
# starts the broker. On later starts the storage is already formatted and nothing changes.
#
# Environment (the `kafka` service's; only KAFKA_* variables become broker properties):
#   KAFKA_*                     the broker's properties, as the image reads them (KAFKA_FOO_BAR: foo.bar)
#   CLUSTER_ID                  the KRaft cluster id
#   KAFKA_OPTS                  must name the JAAS file this script writes:
#                               -Djava.security.auth.login.config=<file>
#   SCRAM_PASSWORD_<PRINCIPAL>  one SCRAM-SHA-512 user per variable (SCRAM_PASSWORD_KANSHI_ENGINE
#                               is kanshi-engine); KANSHI_BROKER (the broker signing in to itself)
#                               and KANSHI_ADMIN (the super user) are required
#   CONTROLLER_PASSWORD         the broker's password on its own controller listener (PLAIN, as
#                               kanshi-controller)
#   ADMIN_CLIENT_CONFIG         file to write kanshi-admin's client settings to, for the
#                               healthcheck and the Kafka tools (--command-config)
#   BROKER_HOME, BROKER_RUN     the image's /opt/kafka and /etc/kafka/docker/run; set only by
#                               test/e2e/compose-kafka.e2e-spec.ts, which runs this script outside
#                               a container against the same Kafka release
set -euo pipefail

BROKER_HOME="${BROKER_HOME:-/opt/kafka}"
BROKER_RUN="${BROKER_RUN:-/etc/kafka/docker/run}"

log() { printf '===> [kanshi] %s\n' "$*"; }
die() { printf '===> [kanshi] ERROR: %s\n' "$*" >&2; exit 1; }

# A password goes into a JAAS file, a properties file and the format command's
# [name=…,password=…]: only characters none of them has to escape.
check_password() {
  local name="$1" value="${!1:-}"
  [[ -n "$value" ]] || die "$name is not set (see deploy/README.md, Kafka principals)"
  [[ "$value" =~ ^[A-Za-z0-9._~+/=-]{12,}$ ]] \
    || die "$name: use 12 or more of A-Z a-z 0-9 . _ ~ + / = - (for example: openssl rand -base64 24)"
  if [[ "$value" == *NOTSECRET* ]]; then
    log "WARNING: $name is the public default of docker-compose.yml; set your own in .env for anything but a laptop"
  fi
}

[[ -n "${CLUSTER_ID:-}" ]] || die "CLUSTER_ID is not set"
[[ -n "${ADMIN_CLIENT_CONFIG:-}" ]] || die "ADMIN_CLIENT_CONFIG is not set"
JAAS_FILE="$(sed -n 's/.*-Djava\.security\.auth\.login\.config=\([^ ]*\).*/\1/p' <<<"${KAFKA_OPTS:-}")"
[[ -n "$JAAS_FILE" ]] || die "KAFKA_OPTS must name the JAAS file: -Djava.security.auth.login.config=<file>"
check_password CONTROLLER_PASSWORD
for required in SCRAM_PASSWORD_KANSHI_BROKER SCRAM_PASSWORD_KANSHI_ADMIN; do
  [[ -n "${!required:-}" ]] || die "$required is not set: the broker signs in to itself as kanshi-broker, the healthcheck as kanshi-admin"
done

scram=()
users=()
while read -r variable; do
  check_password "$variable"
  user="${variable#SCRAM_PASSWORD_}"
  user="${user,,}"
  user="${user//_/-}"
  users+=("$user")
  scram+=(--add-scram "SCRAM-SHA-512=[name=$user,password=${!variable}]")
done < <(compgen -e | grep '^SCRAM_PASSWORD_' | sort)

# The listener names CLIENT and CONTROLLER are docker-compose.yml's: a JAAS section per listener.
(
  umask 077
  cat >"$JAAS_FILE" <<EOF
/* Written by deploy/kafka/start-kafka.sh at each start, from the environment. */
/* CLIENT: clients sign in with SCRAM (their credentials live in the cluster metadata); the
   broker signs in to itself as kanshi-broker. */
client.KafkaServer {
  org.apache.kafka.common.security.scram.ScramLoginModule required
    username="kanshi-broker"
    password="$SCRAM_PASSWORD_KANSHI_BROKER";
};
/* CONTROLLER: the controller serves the metadata that holds the SCRAM credentials, so it cannot
   use them: PLAIN, for the broker itself only, as kanshi-controller. */
controller.KafkaServer {
  org.apache.kafka.common.security.plain.PlainLoginModule required
    username="kanshi-controller"
    password="$CONTROLLER_PASSWORD"
    user_kanshi-controller="$CONTROLLER_PASSWORD";
};
EOF
  cat >"$ADMIN_CLIENT_CONFIG" <<EOF
# kanshi-admin, the super user (written by deploy/kafka/start-kafka.sh at each start).
security.protocol=SASL_PLAINTEXT
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="kanshi-admin" password="$SCRAM_PASSWORD_KANSHI_ADMIN";
EOF
)

# The properties the image renders from the environment (kafka.docker.KafkaDockerWrapper: every
# KAFKA_* variable but the JVM's, KAFKA_ dropped, lower case, "_" to ".", "___" to "-", "__" to "_").
FORMAT_PROPERTIES="$(mktemp "${TMPDIR:-/tmp}/kanshi-format.XXXXXX")"
trap 'rm -f "$FORMAT_PROPERTIES"' EXIT
while read -r variable; do
  case "$variable" in
    KAFKA_VERSION | KAFKA_HEAP_OPTS | KAFKA_LOG4J_OPTS | KAFKA_OPTS | KAFKA_JMX_OPTS | KAFKA_JVM_PERFORMANCE_OPTS | \
      KAFKA_GC_LOG_OPTS | KAFKA_LOG4J_ROOT_LOGLEVEL | KAFKA_LOG4J_LOGGERS | KAFKA_TOOLS_LOG4J_LOGLEVEL | KAFKA_JMX_HOSTNAME) continue ;;
  esac
  key="${variable#KAFKA_}"
  key="${key,,}"
  key="${key//_/.}"
  key="${key//.../-}"
  key="${key//../_}"
  printf '%s=%s\n' "$key" "${!variable}" >>"$FORMAT_PROPERTIES"
done < <(compgen -e | grep '^KAFKA_' | sort)

log "Formatting the storage with SCRAM-SHA-512 users ${users[*]} (first start only; later starts keep the formatted storage)"
"$BROKER_HOME/bin/kafka-storage.sh" format --cluster-id "$CLUSTER_ID" -c "$FORMAT_PROPERTIES" --ignore-formatted "${scram[@]}"

rm -f "$FORMAT_PROPERTIES"
trap - EXIT
exec "$BROKER_RUN"
