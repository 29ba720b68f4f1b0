-- PostgreSQL roles for Simpul (docs/deployment.md, docs/audit.md "Append-only in the database").
--
--   simpul_owner  owns the schema and every table: runs `flask --app app init` (migrations)
--                 and `flask backup`/`restore`. Used by operators, never by the instances.
--   simpul_app    what the instances connect as: reads and writes data, but may only append to
--                 the audit log (SELECT, INSERT), cannot TRUNCATE anything, cannot alter or
--                 drop tables or the append-only triggers (it owns nothing).
--
-- Run as a superuser, with psql, and run it again after every `flask init` (it is idempotent;
-- the second half grants on the tables the migrations created):
--
--   psql -h DBHOST -U postgres -d postgres -v ON_ERROR_STOP=1 -f deploy/postgres/roles.sql
--   SIMPUL_DATABASE_URL=postgresql+psycopg://simpul_owner@DBHOST/simpul flask --app app init
--   psql -h DBHOST -U postgres -d postgres -v ON_ERROR_STOP=1 -f deploy/postgres/roles.sql
--
-- Passwords are not set here: `\password simpul_owner` and `\password simpul_app` (SCRAM), kept
-- in the operators' secret store and in /etc/simpul/simpul.env respectively.

SELECT 'CREATE ROLE simpul_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'simpul_owner')\gexec
SELECT 'CREATE ROLE simpul_app LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'simpul_app')\gexec
-- 3 instances x 4 workers x 5 connections = 60, plus one instance reloading (20): docs/deployment.md.
-- Bounded so that the instances can never take the connections operators and backups need.
ALTER ROLE simpul_app CONNECTION LIMIT 80;
ALTER ROLE simpul_app SET statement_timeout = '60s';
ALTER ROLE simpul_app SET idle_in_transaction_session_timeout = '60s';

SELECT 'CREATE DATABASE simpul OWNER simpul_owner ENCODING ''UTF8'' TEMPLATE template0'
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = 'simpul')\gexec

\connect simpul

REVOKE ALL ON DATABASE simpul FROM PUBLIC;
-- TEMPORARY: the statistics pack derives its categories into per-connection temporary tables.
GRANT CONNECT, TEMPORARY ON DATABASE simpul TO simpul_app;
GRANT CONNECT ON DATABASE simpul TO simpul_owner;

ALTER SCHEMA public OWNER TO simpul_owner;
REVOKE ALL ON SCHEMA public FROM PUBLIC;
GRANT USAGE ON SCHEMA public TO simpul_app;   -- no CREATE: the app role makes no objects

-- Tables the owner's migrations create from now on: ordinary data access for the app role.
-- The audit tables are narrowed below, after every `flask init`.
ALTER DEFAULT PRIVILEGES FOR ROLE simpul_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO simpul_app;
ALTER DEFAULT PRIVILEGES FOR ROLE simpul_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO simpul_app;

-- The tables that exist now (after `flask init`): the same, then narrowed.
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN SELECT tablename FROM pg_tables WHERE schemaname = 'public' LOOP
        EXECUTE format('REVOKE ALL ON TABLE public.%I FROM simpul_app', t.tablename);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON TABLE public.%I TO simpul_app', t.tablename);
    END LOOP;
    FOR t IN SELECT sequencename FROM pg_sequences WHERE schemaname = 'public' LOOP
        EXECUTE format('GRANT USAGE, SELECT ON SEQUENCE public.%I TO simpul_app', t.sequencename);
    END LOOP;

    -- The audit log is append-only for the app role (docs/audit.md). The triggers of migration
    -- 0011 refuse UPDATE, DELETE and TRUNCATE for everyone; these privileges make the refusal
    -- independent of them, and the app role cannot drop the triggers, not owning the tables.
    IF to_regclass('public.audit_events') IS NOT NULL THEN
        REVOKE ALL ON audit_events, audit_checkpoints, audit_witness_signatures, audit_nodes FROM simpul_app;
        GRANT SELECT, INSERT ON audit_events, audit_checkpoints, audit_witness_signatures, audit_nodes TO simpul_app;
        -- The one row every append moves forward (size, root, frontier).
        REVOKE ALL ON audit_tree_head FROM simpul_app;
        GRANT SELECT, UPDATE ON audit_tree_head TO simpul_app;
    END IF;
    -- The schema version is the owner's business; the app reads it (start-up checks).
    IF to_regclass('public.alembic_version') IS NOT NULL THEN
        REVOKE ALL ON alembic_version FROM simpul_app;
        GRANT SELECT ON alembic_version TO simpul_app;
    END IF;
    -- Key check values: recorded at start and by `keys rotate`, removed by `keys retire`.
    IF to_regclass('public.keyring_checks') IS NOT NULL THEN
        REVOKE ALL ON keyring_checks FROM simpul_app;
        GRANT SELECT, INSERT, DELETE ON keyring_checks TO simpul_app;
    END IF;
END
$$;
