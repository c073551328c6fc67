#!/bin/sh
# One PostgreSQL login role per LogLens service, each owning its own schema and granted nothing else:
#   loglens_ingest -> schema ingest, loglens_analysis -> schema analysis, loglens_gateway -> schema gateway
# (accounts only). Each service's migrations then run as its own role (the owner), so a table a migration
# adds needs no GRANT, and no service can read or change another's tables ("permission denied for schema").
#
# Run once, as an admin, before the first migration. The postgres image runs it on its first start from
# /docker-entrypoint-initdb.d (compose, the Kubernetes dev overlay); against your own server:
#   PGHOST=db.example.internal PGUSER=admin PGDATABASE=loglens \
#   INGEST_DB_PASSWORD=... ANALYSIS_DB_PASSWORD=... GATEWAY_DB_PASSWORD=... sh deploy/postgres/init-roles.sh
# Running it again sets the passwords again (a rotation) and changes nothing else.
# `make run` and the tests make the same roles (tools/loglens_devstack/stack.py, Stack.provision_database).
set -eu
: "${INGEST_DB_PASSWORD:?}" "${ANALYSIS_DB_PASSWORD:?}" "${GATEWAY_DB_PASSWORD:?}"

psql -v ON_ERROR_STOP=1 --no-psqlrc \
  --username "${POSTGRES_USER:-${PGUSER:-postgres}}" --dbname "${POSTGRES_DB:-${PGDATABASE:-postgres}}" \
  -v ingest_password="$INGEST_DB_PASSWORD" \
  -v analysis_password="$ANALYSIS_DB_PASSWORD" \
  -v gateway_password="$GATEWAY_DB_PASSWORD" <<'SQL'
-- Nothing of LogLens lives in public; no role but the admin may create there.
REVOKE ALL ON SCHEMA public FROM PUBLIC;

SELECT format('CREATE ROLE %I LOGIN', name)
  FROM unnest(ARRAY['loglens_ingest', 'loglens_analysis', 'loglens_gateway']) AS name
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) \gexec

ALTER ROLE loglens_ingest LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'ingest_password';
ALTER ROLE loglens_analysis LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'analysis_password';
ALTER ROLE loglens_gateway LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'gateway_password';

CREATE SCHEMA IF NOT EXISTS ingest AUTHORIZATION loglens_ingest;
CREATE SCHEMA IF NOT EXISTS analysis AUTHORIZATION loglens_analysis;
CREATE SCHEMA IF NOT EXISTS gateway AUTHORIZATION loglens_gateway;
ALTER SCHEMA ingest OWNER TO loglens_ingest;
ALTER SCHEMA analysis OWNER TO loglens_analysis;
ALTER SCHEMA gateway OWNER TO loglens_gateway;
SQL
