#!/usr/bin/env bash
# PostgreSQL (127.0.0.1:5432, trust auth, database test) and Redis (127.0.0.1:6379) for test:pg and
# test:cluster: each is checked, and started with the machine's own command when it does not answer.
set -euo pipefail

wait_for() {
  for _ in $(seq 1 30); do
    if eval "$1" >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "$2 does not answer" >&2
  return 1
}

if ! pg_isready -h 127.0.0.1 -p 5432 -q; then
  echo "Starting PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
fi
wait_for "psql -h 127.0.0.1 -U postgres -d test -Atc 'SELECT 1'" PostgreSQL

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  echo "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
fi
wait_for "redis-cli -h 127.0.0.1 -p 6379 ping | grep -q PONG" Redis
echo "PostgreSQL and Redis answer"
