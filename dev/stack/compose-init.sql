-- docker-compose only: the Debezium user (the native stack creates it in dev/stack/setup.sh).
CREATE USER IF NOT EXISTS 'debezium'@'%' IDENTIFIED BY 'debezium-dev';
GRANT SELECT, RELOAD, SHOW DATABASES, REPLICATION SLAVE, REPLICATION CLIENT, BINLOG MONITOR ON *.* TO 'debezium'@'%';
GRANT ALL PRIVILEGES ON `riskmonitor%`.* TO 'riskmonitor'@'%';
