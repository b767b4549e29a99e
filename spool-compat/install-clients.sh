#!/usr/bin/env bash
# Installs the clients the compatibility matrix (spool-compat) runs that Maven does not bring:
# kcat and the two Python clients as Debian packages for /usr/bin/python3 (with the codec
# libraries kafka-python needs for snappy, lz4 and zstd), and kafkajs from package-lock.json.
# Installs only what is missing; apt-get needs root. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")"

missing=()
command -v kcat >/dev/null 2>&1 || missing+=(kcat)
/usr/bin/python3 -c 'import confluent_kafka' >/dev/null 2>&1 || missing+=(python3-confluent-kafka)
/usr/bin/python3 -c 'import kafka' >/dev/null 2>&1 || missing+=(python3-kafka)
/usr/bin/python3 -c 'import snappy' >/dev/null 2>&1 || missing+=(python3-snappy)
/usr/bin/python3 -c 'import lz4.frame' >/dev/null 2>&1 || missing+=(python3-lz4)
/usr/bin/python3 -c 'import zstandard' >/dev/null 2>&1 || missing+=(python3-zstandard)
command -v npm >/dev/null 2>&1 || missing+=(nodejs npm)
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-clients: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "install-clients: apt-get needs root; run: sudo $0" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

if [ ! -d src/test/node/node_modules/kafkajs ]; then
  echo "install-clients: npm ci in src/test/node (kafkajs)"
  (cd src/test/node && npm ci --no-audit --no-fund)
fi
