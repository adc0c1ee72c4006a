#!/usr/bin/env bash
# Debian's python3-pika (1.2), the RabbitMQ publisher the services that feed the AMQP bridge run:
# the bridge's integration tests publish with it. Installed when /usr/bin/python3 cannot import it
# (needs root, as on CI and our machines); idempotent.
set -euo pipefail
if /usr/bin/python3 -c 'import pika' 2>/dev/null; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "[pika] /usr/bin/python3 has no pika; install Debian's python3-pika (apt-get install python3-pika) as root" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -qq python3-pika >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq python3-pika >/dev/null; }
/usr/bin/python3 -c 'import pika; print("[pika] python3-pika", pika.__version__)'
