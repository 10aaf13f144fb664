#!/bin/sh
# The container's entrypoint (Dockerfile, compose.yaml): secrets from files, then a pestbot command.
#   pestbot-entrypoint [serve]                 the web server with its worker (the default)
#   pestbot-entrypoint worker | purge | db upgrade | …   any pestbot command
#   pestbot-entrypoint every SECONDS COMMAND…  run a pestbot command again and again (the daily purge)
#   pestbot-entrypoint sh …                    anything else runs as it is
# NAME_FILE=/run/secrets/… sets NAME from that file (Docker and compose secrets), for the names below.
set -eu

for name in PESTBOT_ENCRYPTION_KEY PESTBOT_DATABASE_URL SLACK_SIGNING_SECRET SLACK_BOT_TOKEN SLACK_APP_TOKEN \
            SLACK_CLIENT_SECRET MICROSOFT_APP_PASSWORD; do
  eval "file=\${${name}_FILE:-}"
  if [ -n "$file" ]; then
    if [ ! -r "$file" ]; then
      echo "Pestbot kan niet starten: ${name}_FILE wijst naar ${file}, en dat bestand is niet te lezen." >&2
      exit 2
    fi
    value=$(cat "$file")
    export "$name=$value"
  fi
done

[ $# -eq 0 ] && set -- serve

case "$1" in
  every)
    if [ $# -lt 3 ]; then
      echo "Gebruik: every SECONDEN OPDRACHT…, bijvoorbeeld: every 86400 purge" >&2
      exit 2
    fi
    interval=$2
    shift 2
    trap 'exit 0' TERM INT
    while :; do
      pestbot "$@" || echo "pestbot $1 is mislukt (exit $?); over ${interval} s opnieuw." >&2
      sleep "$interval" &
      wait $! || true
    done
    ;;
  serve | worker | purge | db | outbox | key | check-config | diagram | stats | export | erase-student | inzage | chat | people | calendar | teams-package)
    exec pestbot "$@"
    ;;
  *)
    exec "$@"
    ;;
esac
