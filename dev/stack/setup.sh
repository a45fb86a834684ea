# One-time and idempotent setup steps of the native stack: data directories, database users,
# migrations, topics, the Debezium connector. Sourced by dev/up.
# shellcheck shell=bash

init_mariadb_datadir() {
  [ -d "$DATA/mariadb/mysql" ] && return 0
  mkdir -p "$DATA/mariadb"
  run_step "initialising the MariaDB data directory" "$LOGS/mariadb-install-db.log" \
    mariadb-install-db --defaults-file="$CONF/mariadb.cnf" --auth-root-authentication-method=normal --skip-test-db
}

init_kafka_storage() {
  [ -f "$DATA/kafka/meta.properties" ] && return 0
  local libs="$CACHE/kafka-$KAFKA_VERSION/libs" cluster_id
  cluster_id=$(java -cp "$libs/*" kafka.tools.StorageTool random-uuid 2>/dev/null | tail -n 1)
  run_step "formatting Kafka KRaft storage (cluster $cluster_id)" "$LOGS/kafka-format.log" \
    java -Dlog4j2.configurationFile="$CONF/log4j2.properties" -cp "$libs/*" kafka.tools.StorageTool \
      format --standalone -t "$cluster_id" -c "$CONF/kafka.properties"
}

mariadb_root() { mariadb --defaults-file="$CONF/mariadb.cnf" -uroot "$@"; }

setup_database() {
  # mariadb-install-db creates anonymous users; until they are gone, 'x'@'%' is refused from
  # 127.0.0.1. Debezium's grants are the documented minimum for the MariaDB connector.
  mariadb_root <<SQL
DELETE FROM mysql.global_priv WHERE User = '';
FLUSH PRIVILEGES;
CREATE DATABASE IF NOT EXISTS \`$DB_NAME\` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
ALTER USER '$DB_USER'@'%' IDENTIFIED BY '$DB_PASSWORD';
GRANT ALL PRIVILEGES ON \`riskmonitor%\`.* TO '$DB_USER'@'%';
CREATE USER IF NOT EXISTS '$DBZ_USER'@'%' IDENTIFIED BY '$DBZ_PASSWORD';
ALTER USER '$DBZ_USER'@'%' IDENTIFIED BY '$DBZ_PASSWORD';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO '$DBZ_USER'@'%';
FLUSH PRIVILEGES;
SQL
}

register_connector() {
  run_step "registering the Debezium connector ($CDC_FORMAT)" "$LOGS/connector-register.log" \
    python3 "$ROOT/debezium/register.py" --connect "$CONNECT_URL" --format "$CDC_FORMAT" \
      --name riskmonitor-positions --topic positions_cdc --server-id 5401 --profile tuned \
      --db-port "$MARIADB_PORT" --db-user "$DBZ_USER" --db-password "$DBZ_PASSWORD" \
      --brokers "$KAFKA_BROKERS" --registry "$REGISTRY_URL"
  note "$(tail -n 1 "$LOGS/connector-register.log")"
}
