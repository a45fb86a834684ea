# Installs what the native stack needs and is missing: MariaDB and supervisord from Debian's
# packages, and the Kafka / Kafka Connect / Debezium / Apicurio artifacts from Maven Central into
# $CACHE. Sourced by dev/up after dev/lib.sh.
# shellcheck shell=bash

install_debian_packages() {
  local missing=()
  command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || missing+=(mariadb-server)
  command -v supervisord >/dev/null 2>&1 || missing+=(supervisor)
  command -v mvn >/dev/null 2>&1 || missing+=(maven)
  command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
  command -v python3 >/dev/null 2>&1 || missing+=(python3)
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=()
  [ "$(id -u)" -eq 0 ] || sudo=(sudo)
  say "installing Debian packages: ${missing[*]}"
  run_step "apt-get update" "$LOGS/install-apt.log" "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  # policy-rc.d keeps the packaged MariaDB from starting its own system instance.
  run_step "apt-get install ${missing[*]}" "$LOGS/install-apt-install.log" \
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

# maven_copy NAME POM_DIR DEST: resolves the pom's runtime dependencies into DEST (once).
maven_copy() {
  local name=$1 pom_dir=$2 dest=$3
  [ -f "$dest/.complete" ] && return 0
  rm -rf "$dest.tmp"
  mkdir -p "$dest.tmp"
  run_step "downloading $name from Maven Central" "$LOGS/install-$name.log" \
    mvn -B -f "$pom_dir/pom.xml" dependency:copy-dependencies -DincludeScope=runtime -DoutputDirectory="$dest.tmp"
  rm -rf "$dest"
  mv "$dest.tmp" "$dest"
  touch "$dest/.complete"
}

install_artifacts() {
  local maven="$ROOT/dev/stack/maven"
  mkdir -p "$CACHE"
  maven_copy kafka-$KAFKA_VERSION "$maven/kafka" "$CACHE/kafka-$KAFKA_VERSION/libs"

  local plugins="$CACHE/connect-plugins-$DEBEZIUM_VERSION"
  if [ ! -f "$plugins/.complete" ]; then
    maven_copy debezium-$DEBEZIUM_VERSION "$maven/debezium" "$CACHE/debezium-$DEBEZIUM_VERSION"
    maven_copy apicurio-converter "$maven/apicurio-converter" "$CACHE/apicurio-converter-2.6.13"
    rm -rf "$plugins"
    mkdir -p "$plugins/debezium-mariadb" "$plugins/apicurio-converter"
    cp "$CACHE/debezium-$DEBEZIUM_VERSION"/*.jar "$plugins/debezium-mariadb/"
    cp "$CACHE/apicurio-converter-2.6.13"/*.jar "$plugins/apicurio-converter/"
    # The Connect runtime provides these; a second copy inside a plugin breaks class loading.
    ( cd "$plugins" && rm -f ./*/connect-api-*.jar ./*/connect-json-*.jar ./*/kafka-clients-*.jar \
        ./*/slf4j-api-*.jar ./*/lz4-java-*.jar ./*/snappy-java-*.jar ./*/zstd-jni-*.jar \
        apicurio-converter/jackson-annotations-*.jar apicurio-converter/jackson-core-*.jar \
        apicurio-converter/jackson-databind-*.jar apicurio-converter/jackson-datatype-jdk8-*.jar )
    touch "$plugins/.complete"
  fi

  local registry="$CACHE/apicurio-registry-$APICURIO_VERSION"
  if [ ! -f "$registry/.complete" ]; then
    rm -rf "$registry" "$registry.tmp"
    mkdir -p "$registry.tmp"
    run_step "downloading Apicurio Registry $APICURIO_VERSION (160 MB) from Maven Central" "$LOGS/install-apicurio-registry.log" \
      mvn -B dependency:copy -Dartifact="io.apicurio:apicurio-registry-app:$APICURIO_VERSION:tar.gz:all" -DoutputDirectory="$registry.tmp"
    run_step "unpacking Apicurio Registry" "$LOGS/install-apicurio-registry-unpack.log" \
      tar -xzf "$registry.tmp/apicurio-registry-app-$APICURIO_VERSION-all.tar.gz" -C "$registry.tmp"
    rm -f "$registry.tmp"/*.tar.gz
    mv "$registry.tmp" "$registry"
    touch "$registry/.complete"
  fi
  REGISTRY_JAR=$(find "$registry" -name quarkus-run.jar | head -n 1)
  [ -n "$REGISTRY_JAR" ] || die "quarkus-run.jar not found under $registry"
}
