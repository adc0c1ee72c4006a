#!/usr/bin/env bash
# Kafka with TLS, SASL/SCRAM-SHA-512 and ACLs for docker compose (infra/docker-compose.secure.yml):
# the same broker `pnpm infra:up --secure` runs (tools/launcher/src/kafka-secure.ts, kafka-acls.ts),
# made with the JDK's keytool and Kafka's own tools only, so it runs in the apache/kafka image.
# A test (tools/launcher/test/compose-secure.integration.test.ts) runs this very script against the
# launcher's jars and checks the broker it starts.
#
# Writes to $SECURE_DIR (the launcher's .local/secure; keep it out of version control): ca.pem, the
# keystores, admin.properties and producer.env / consumer.env / reports.env for the apps, whose
# KAFKA_SSL_CA_FILE names $HOST_SECURE_DIR/ca.pem (the same folder as the host sees it).
#
# Passwords: secrets.json, the launcher's own file and format, is their only home. If it exists (written
# by `pnpm infra:up --secure`, changed by `pnpm infra:rotate-password`), its store password and each
# principal's password are used as they are, and the app principals' SCRAM credentials on this broker
# are set to them at every start; if not, new ones are made and written there for the launcher to use.
#
# Run as root (docker compose runs it so), everything it writes, $SECURE_DIR itself and, if it is
# root-owned (Docker made the missing bind-mount source), $LOCAL_DIR (not recursively) are given to the
# owner of the repository checkout: $SECURE_OWNER, else the uid:gid of this script file (bind-mounted
# from the checkout). Files stay 0600, folders it makes 0700.
set -euo pipefail

KAFKA_LIBS=${KAFKA_LIBS:-/opt/kafka/libs}
LOCAL_DIR=${LOCAL_DIR:-}
SECURE_DIR=${SECURE_DIR:-${LOCAL_DIR:-/var/lib/kafka}/secure}
HOST_SECURE_DIR=${HOST_SECURE_DIR:-$SECURE_DIR}
DATA_DIR=${DATA_DIR:-/var/lib/kafka/data}
READY_FILE=${READY_FILE:-/tmp/tally-kafka-secure.ready}
LISTEN_HOST=${LISTEN_HOST:-0.0.0.0}
BROKER_PORT=${BROKER_PORT:-9092}
CONTROLLER_PORT=${CONTROLLER_PORT:-9192}
CLUSTER_ID=${CLUSTER_ID:-dGFsbHktbG9jYWwta2Fmaw}
REPORT_TOPIC=${REPORT_TOPIC:-report-events}
DEAD_LETTER_TOPIC=${DEAD_LETTER_TOPIC:-report-events.dlq}
CONSUMER_GROUP=${CONSUMER_GROUP:-tally-aggregator}
PARTITIONS=${PARTITIONS:-12}
DEAD_LETTER_PARTITIONS=${DEAD_LETTER_PARTITIONS:-3}
BROKER_DN="CN=tally-kafka-broker"
PRINCIPALS=(admin tally-producer tally-consumer tally-reports)
# Every file this script writes in $SECURE_DIR (the launcher writes the same names, less keytool.log).
WRITTEN=(secrets.json ca.p12 ca.pem broker.p12 broker.pem truststore.p12 keytool.log server.properties
  admin.properties producer.env consumer.env reports.env)

kafka_class() { java ${KAFKA_JAVA_OPTS:-} -cp "$KAFKA_LIBS/*" "$@"; }
# Kafka's command-line tools on a light JVM: they start about twice as fast.
tool_class() { kafka_class -Xmx128m -XX:TieredStopAtLevel=1 -XX:+UseSerialGC "$@"; }
secret() { head -c 24 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n'; }
fail() { echo "kafka-secure.sh: $*" >&2; exit 1; }

OWNER=
if [ "$(id -u)" = 0 ]; then OWNER=${SECURE_OWNER:-$(stat -c %u:%g "$0")}; fi
# Gives what this script wrote back to the checkout's owner (when run as root; a no-op otherwise).
give_back() {
  [ -n "$OWNER" ] || return 0
  local files=() f
  for f in "${WRITTEN[@]}"; do [ -e "$SECURE_DIR/$f" ] && files+=("$SECURE_DIR/$f"); done
  chown "$OWNER" "$SECURE_DIR" "${files[@]}"
}

umask 077
rm -f "$READY_FILE"
mkdir -p "$SECURE_DIR" "$DATA_DIR"
if [ -n "$OWNER" ] && [ -n "$LOCAL_DIR" ] && [ "$(stat -c %u "$LOCAL_DIR")" = 0 ]; then chown "$OWNER" "$LOCAL_DIR"; fi
cd "$SECURE_DIR"
rm -f secrets.env # the former copy of the passwords: secrets.json is the only one now

# Passwords: one per principal and one for the keystores, made once, kept in the launcher's secrets.json.
declare -A PASSWORD
if [ -f secrets.json ]; then
  # The launcher writes JSON.stringify(…, null, 2); its values are base64url (no quotes, no escapes).
  json_value() { grep -o "\"$1\": *\"[A-Za-z0-9_-]*\"" secrets.json | head -n 1 | sed 's/.*"\([A-Za-z0-9_-]*\)"$/\1/' || true; }
  STORE_PASSWORD=$(json_value storePassword)
  [ -n "$STORE_PASSWORD" ] || fail "$SECURE_DIR/secrets.json has no base64url storePassword"
  for p in "${PRINCIPALS[@]}"; do
    PASSWORD[$p]=$(json_value "$p")
    [ -n "${PASSWORD[$p]}" ] || fail "$SECURE_DIR/secrets.json has no base64url password for $p"
  done
else
  STORE_PASSWORD=$(secret)
  for p in "${PRINCIPALS[@]}"; do PASSWORD[$p]=$(secret); done
  # Byte for byte what the launcher writes (kafka-secure.ts): two-space JSON, no final newline.
  {
    printf '{\n  "storePassword": "%s",\n  "passwords": {\n' "$STORE_PASSWORD"
    last=${PRINCIPALS[-1]}
    for p in "${PRINCIPALS[@]}"; do
      printf '    "%s": "%s"%s\n' "$p" "${PASSWORD[$p]}" "$([ "$p" = "$last" ] || echo ,)"
    done
    printf '  }\n}'
  } > secrets.json.partial
  mv secrets.json.partial secrets.json
fi
password_of() { echo "${PASSWORD[$1]}"; }
give_back

# A local CA and the broker's certificate for 127.0.0.1 and localhost, signed by it.
if [ ! -f truststore.p12 ]; then
  rm -f ca.p12 broker.p12 ca.pem
  store() { echo -keystore "$1" -storetype PKCS12 -storepass "$STORE_PASSWORD"; }
  key="-keyalg RSA -keysize 2048 -validity 825"
  # shellcheck disable=SC2046,SC2086
  {
    keytool -genkeypair -alias ca -dname "CN=Tally local CA" -ext bc:c $key $(store ca.p12)
    keytool -exportcert -rfc -alias ca -file ca.pem $(store ca.p12)
    keytool -genkeypair -alias broker -dname "$BROKER_DN" $key $(store broker.p12)
    keytool -certreq -alias broker -file broker.csr $(store broker.p12)
    keytool -gencert -alias ca -infile broker.csr -outfile broker.pem -rfc -validity 825 \
      -ext SAN=ip:127.0.0.1,dns:localhost -ext KU=digitalSignature,keyEncipherment -ext EKU=serverAuth,clientAuth $(store ca.p12)
    keytool -importcert -noprompt -alias ca -file ca.pem $(store broker.p12)
    keytool -importcert -noprompt -alias broker -file broker.pem $(store broker.p12)
    keytool -importcert -noprompt -alias ca -file ca.pem $(store truststore.p12)
  } 2> keytool.log
  rm -f broker.csr
  give_back
fi

# The launcher's settings (serverProperties + secureServerProperties), for one node.
cat > server.properties <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@localhost:$CONTROLLER_PORT
listeners=SASL_SSL://$LISTEN_HOST:$BROKER_PORT,CONTROLLER://$LISTEN_HOST:$CONTROLLER_PORT
advertised.listeners=SASL_SSL://127.0.0.1:$BROKER_PORT
listener.security.protocol.map=SASL_SSL:SASL_SSL,CONTROLLER:SSL
controller.listener.names=CONTROLLER
inter.broker.listener.name=SASL_SSL
log.dirs=$DATA_DIR
auto.create.topics.enable=false
num.partitions=12
default.replication.factor=1
min.insync.replicas=1
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
group.initial.rebalance.delay.ms=0
log.retention.hours=168
sasl.enabled.mechanisms=SCRAM-SHA-512
sasl.mechanism.inter.broker.protocol=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password_of admin)";
ssl.keystore.type=PKCS12
ssl.keystore.location=$SECURE_DIR/broker.p12
ssl.keystore.password=$STORE_PASSWORD
ssl.key.password=$STORE_PASSWORD
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURE_DIR/truststore.p12
ssl.truststore.password=$STORE_PASSWORD
ssl.enabled.protocols=TLSv1.3,TLSv1.2
listener.name.controller.ssl.client.auth=required
authorizer.class.name=org.apache.kafka.metadata.authorizer.StandardAuthorizer
super.users=User:admin;User:$BROKER_DN
allow.everyone.if.no.acl.found=false
EOF

# Kafka's tools as admin; the compose healthcheck uses it too.
cat > admin.properties <<EOF
security.protocol=SASL_SSL
sasl.mechanism=SCRAM-SHA-512
sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username="admin" password="$(password_of admin)";
ssl.truststore.type=PKCS12
ssl.truststore.location=$SECURE_DIR/truststore.p12
ssl.truststore.password=$STORE_PASSWORD
EOF
give_back

# SCRAM users exist before the first start (the inter-broker login needs admin's).
scram=()
for p in "${PRINCIPALS[@]}"; do scram+=(--add-scram "SCRAM-SHA-512=[name=$p,password=$(password_of "$p")]"); done
tool_class kafka.tools.StorageTool format -t "$CLUSTER_ID" -c server.properties --ignore-formatted "${scram[@]}" > /dev/null

kafka_class -Xms256m -Xmx1g kafka.Kafka server.properties &
broker=$!
trap 'kill -TERM "$broker" 2> /dev/null; wait "$broker"' TERM INT

admin_tool() { tool_class "$@" --bootstrap-server "127.0.0.1:$BROKER_PORT" --command-config admin.properties; }
ready=
for _ in $(seq 1 120); do
  if answer=$(admin_tool org.apache.kafka.tools.TopicCommand --list 2>&1); then ready=1 && break; fi
  case $answer in *"Authentication failed"*)
    kill -TERM "$broker" 2> /dev/null
    fail "admin's password in $SECURE_DIR/secrets.json is not the one this broker's data was formatted with" \
      "(secrets.json was made anew, e.g. by infra:reset): remove the broker's data, e.g. \`docker volume rm tally_kafka-secure-data\`"
    ;;
  esac
  kill -0 "$broker" 2> /dev/null || exit 1
  sleep 1
done
[ -n "$ready" ] || fail "the broker did not answer admin at 127.0.0.1:$BROKER_PORT: $answer"
# The apps' passwords are secrets.json's, also on a broker formatted with older ones (infra:rotate-password).
for p in "${PRINCIPALS[@]:1}"; do
  admin_tool kafka.admin.ConfigCommand --alter --entity-type users --entity-name "$p" \
    --add-config "SCRAM-SHA-512=[iterations=4096,password=$(password_of "$p")]" > /dev/null
done
for topic_partitions in "$REPORT_TOPIC:$PARTITIONS" "$DEAD_LETTER_TOPIC:$DEAD_LETTER_PARTITIONS"; do
  admin_tool org.apache.kafka.tools.TopicCommand --create --if-not-exists --topic "${topic_partitions%:*}" \
    --partitions "${topic_partitions##*:}" > /dev/null
done
# kafka-acls: org.apache.kafka.tools.AclCommand since Kafka 4.0, kafka.admin.AclCommand before.
acl_class=org.apache.kafka.tools.AclCommand
admin_tool "$acl_class" --list > /dev/null 2>&1 || acl_class=kafka.admin.AclCommand
allow() { admin_tool "$acl_class" --add --allow-principal "User:$1" "${@:2}" > /dev/null; }
allow tally-producer --operation Write --operation Describe --topic "$REPORT_TOPIC"
allow tally-consumer --operation Read --operation Describe --topic "$REPORT_TOPIC"
allow tally-consumer --operation Read --operation Describe --group "$CONSUMER_GROUP"
allow tally-consumer --operation Write --operation Describe --topic "$DEAD_LETTER_TOPIC"
allow tally-reports --operation Describe --topic "$REPORT_TOPIC"
allow tally-reports --operation Describe --group "$CONSUMER_GROUP"

for app in producer consumer reports; do
  cat > "$app.env" <<EOF
# tally-$app: source this before starting the app against the secure broker
KAFKA_BROKERS=127.0.0.1:$BROKER_PORT
KAFKA_SSL_CA_FILE=$HOST_SECURE_DIR/ca.pem
KAFKA_SASL_MECHANISM=scram-sha-512
KAFKA_SASL_USERNAME=tally-$app
KAFKA_SASL_PASSWORD=$(password_of "tally-$app")
EOF
done
give_back
touch "$READY_FILE" # the healthcheck's first half: topics, ACLs and env files are in place
echo "secure Kafka ready at 127.0.0.1:$BROKER_PORT; client settings in $HOST_SECURE_DIR"
wait "$broker"
