#!/bin/sh
# Creates each service's database when it does not exist yet; safe to run at
# every start. Connection from the standard PG* variables (PGHOST, PGUSER,
# PGPASSWORD); the databases belong to PGUSER.
set -eu
for db in ${RELAIS_DATABASES:-scheduler notifier calendar}; do
  if [ "$(psql -d postgres -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" != "1" ]; then
    psql -d postgres -v ON_ERROR_STOP=1 -c "CREATE DATABASE \"$db\""
    echo "database $db created"
  else
    echo "database $db present"
  fi
done
