#!/usr/bin/env bash
# Side-by-side comparison of Spool, Kafka's UnifiedLog and Chronicle Queue (docs/benchmarks.md).
#
#   spool-bench/compare.sh [--quick] [options]      (--help lists them)
#
# Builds spool-bench/target/spool-benchmarks.jar first when it is missing or older than a source
# file or pom.xml (SPOOL_BENCH_BUILD=1 forces a build, 0 skips it), then runs
# dev.spool.bench.Compare with the JVM flags below.
# Extra JVM flags: JAVA_OPTS="-XX:StartFlightRecording=filename=compare.jfr,settings=profile" compare.sh ...
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$here")"
jar="$here/target/spool-benchmarks.jar"
stale() {
  [[ ! -f "$jar" ]] && return 0
  [[ -n "$(find "$repo" -path "$repo/.git" -prune -o \( -path '*/src/main/*' -o -name pom.xml \) \
      -type f -newer "$jar" -print -quit 2>/dev/null)" ]]
}
build="${SPOOL_BENCH_BUILD:-auto}"
if [[ "$build" == 1 || ( "$build" == auto && stale ) ]]; then
  echo "building spool-bench/target/spool-benchmarks.jar..." >&2
  (cd "$repo" && mvn -B -q -pl spool-bench -am -DskipTests package)
fi
# Chronicle Queue reaches into JDK internals; on Java 17+ it needs these opened/exported.
chronicle_flags=(
  --add-exports=java.base/jdk.internal.ref=ALL-UNNAMED
  --add-exports=java.base/sun.nio.ch=ALL-UNNAMED
  --add-exports=jdk.unsupported/sun.misc=ALL-UNNAMED
  --add-exports=jdk.compiler/com.sun.tools.javac.file=ALL-UNNAMED
  --add-opens=jdk.compiler/com.sun.tools.javac=ALL-UNNAMED
  --add-opens=java.base/java.lang=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED
  --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED
  --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
)
# Same heap as the JMH benchmarks, touched before the run starts (a cell that allocates would
# otherwise pay the first touch of the heap in its first seconds); Chronicle's and the page cache's
# memory is off-heap.
# shellcheck disable=SC2086
exec java -Xms2g -Xmx2g -XX:+AlwaysPreTouch "${chronicle_flags[@]}" -Dchronicle.analytics.disable=true \
  -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dspool.compare.json="$here/target/compare-results.json" ${JAVA_OPTS:-} \
  -cp "$jar" dev.spool.bench.Compare "$@"
