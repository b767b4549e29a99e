#!/usr/bin/env bash
# Kafka wire protocol benchmark: Kafka's Java producer and consumer against Spool's Kafka-compatible
# server and against a real Apache Kafka broker (KRaft, single node), each in its own child JVM, in
# the same run (figures: docs/benchmarks.md; the method in detail: docs/benchmark-history.md, "Kafka
# wire protocol: Spool server vs Apache Kafka broker").
#
#   spool-bench/wire-bench.sh [--quick] [options]      (--help lists them)
#
# Builds spool-bench/target/spool-benchmarks.jar first (skip with SPOOL_BENCH_BUILD=0 when it is
# current), then runs dev.spool.bench.kafka.WireBenchmark. The clients run in this JVM; the brokers'
# JVMs get their flags from WireBenchmark (the same for both). Brokers' logs, and JFR recordings
# with --jfr, go to spool-bench/target/wire-bench/; the output is also saved there as results-*.txt.
# Extra flags for the clients' JVM: JAVA_OPTS="..." wire-bench.sh ...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
jar="$here/target/spool-benchmarks.jar"
if [[ ! -f "$jar" || "${SPOOL_BENCH_BUILD:-1}" == 1 ]]; then
  (cd "$repo" && mvn -B -q -pl spool-bench -am -DskipTests package)
fi
out="$here/target/wire-bench"
mkdir -p "$out"
results="$out/results-$(date -u +%Y%m%dT%H%M%SZ).txt"
# shellcheck disable=SC2086
java -Xms1g -Xmx1g -XX:+UseG1GC -Dorg.slf4j.simpleLogger.defaultLogLevel=warn ${JAVA_OPTS:-} \
  -cp "$jar" dev.spool.bench.kafka.WireBenchmark --logs "$out" "$@" | tee "$results"
