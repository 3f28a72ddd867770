#!/bin/sh
# Entrypoint of the Coop ERP image: one role per container.
#   setup   create the database, or upgrade its modules, then exit
#   serve   setup (unless COOP_SKIP_SETUP=1: a setup service did it), then
#           trytond under gunicorn with the web client at /
#   worker  trytond-worker: the queue of long tasks (first queueing again
#           the tasks a killed worker left taken: run one worker service,
#           with COOP_WORKER_PROCESSES processes)
#   cron    trytond-cron: the scheduled tasks
# Anything else is run as a command. Configuration is by environment:
#   TRYTOND_DATABASE__URI      postgresql://user:password@host:5432/ (required)
#   COOP_DATABASE              database name (default coop)
#   COOP_DATABASES             several databases, one per coop, separated
#                              by spaces or commas (instead of COOP_DATABASE)
#   COOP_ADMIN_PASSWORD[_FILE] admin password, used when the database is new
#   COOP_ADMIN_EMAIL           admin e-mail, used when the database is new
#   COOP_MODULES               modules to activate, comma-separated (default:
#                              all of the suite's; a coop may leave out addons)
#   COOP_WORKERS, COOP_THREADS gunicorn workers (4) and threads per worker (4)
#   COOP_LISTEN                address (0.0.0.0:8000)
#   COOP_CONFIG                configuration file (/etc/coop/production.conf)
#   TRYTOND_<SECTION>__<OPTION> any other trytond option
set -eu

COOP_DATABASE="${COOP_DATABASE:-coop}"
# One database, or one per coop: a list separated by spaces or commas
COOP_DATABASES="$(echo "${COOP_DATABASES:-$COOP_DATABASE}" | tr ',' ' ')"
COOP_CONFIG="${COOP_CONFIG:-/etc/coop/production.conf}"
COOP_WORKERS="${COOP_WORKERS:-4}"
COOP_THREADS="${COOP_THREADS:-4}"
COOP_LISTEN="${COOP_LISTEN:-0.0.0.0:8000}"
TRYTOND_CONFIG="${TRYTOND_CONFIG:-$COOP_CONFIG}"
# Preloading the database works around the 8.0.12 login failure
# (every database of the list, comma-separated)
TRYTOND_DATABASE_NAMES="$(echo $COOP_DATABASES | tr ' ' ',')"
export COOP_CONFIG TRYTOND_CONFIG TRYTOND_DATABASE_NAMES

if [ -z "${TRYTOND_DATABASE__URI:-}" ]; then
    echo "coop-entrypoint: error: set TRYTOND_DATABASE__URI to" \
        "postgresql://user:password@host:5432/" >&2
    exit 2
fi

setup() {
    set -- --config "$COOP_CONFIG" --create-missing
    if [ -n "${COOP_ADMIN_PASSWORD_FILE:-}" ]; then
        set -- "$@" --admin-password-file "$COOP_ADMIN_PASSWORD_FILE"
    fi
    if [ -n "${COOP_ADMIN_EMAIL:-}" ]; then
        set -- "$@" --admin-email "$COOP_ADMIN_EMAIL"
    fi
    if [ -n "${COOP_MODULES:-}" ]; then
        set -- "$@" --modules "$COOP_MODULES"
    fi
    # Exit code 3: the server does not answer yet, it may be starting
    tries=1
    while :; do
        status=0
        # shellcheck disable=SC2086 # the list splits into names
        coop db upgrade "$@" --json $COOP_DATABASES || status=$?
        if [ "$status" -ne 3 ] || [ "$tries" -ge "${COOP_SETUP_TRIES:-12}" ]
        then
            return "$status"
        fi
        tries=$((tries + 1))
        sleep 5
    done
}

role="${1:-serve}"
case "$role" in
    setup)
        setup
        ;;
    serve)
        if [ "${COOP_SKIP_SETUP:-0}" != 1 ]; then
            setup
        fi
        # Threaded workers: a sync worker waits on each idle connection a
        # phone or a browser opens ahead of its requests (portal p95 636 ms
        # against 8.5 ms, docs/benchmarks.md)
        exec gunicorn --workers "$COOP_WORKERS" --worker-class gthread \
            --threads "$COOP_THREADS" --bind "$COOP_LISTEN" \
            --access-logfile - coop_cli.wsgi:app
        ;;
    worker)
        # A worker killed midway left its task taken, its work rolled
        # back: queued again (no other worker runs on these databases)
        # shellcheck disable=SC2086
        coop db requeue --config "$COOP_CONFIG" $COOP_DATABASES
        # shellcheck disable=SC2086
        exec trytond-worker --config "$TRYTOND_CONFIG" \
            -n "${COOP_WORKER_PROCESSES:-2}" --database $COOP_DATABASES
        ;;
    cron)
        # shellcheck disable=SC2086
        exec trytond-cron --config "$TRYTOND_CONFIG" \
            --database $COOP_DATABASES
        ;;
    *)
        exec "$@"
        ;;
esac
