-- The app's role owns nothing and bypasses nothing: row-level security applies to it, and the append-only
-- tables (ledger entries, postings, outbox, audit log) accept only INSERT and SELECT from it.
-- Migrations run as thermo_owner (the database owner); the app connects as thermo_app.
CREATE ROLE thermo_app LOGIN PASSWORD 'change-me' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
-- The app's system context (workers, back office) is SET ROLE thermo_system: a privilege of the app's login, not a
-- session setting any role could change. INHERIT FALSE: none of its rights apply before the SET ROLE.
CREATE ROLE thermo_system NOLOGIN NOSUPERUSER BYPASSRLS NOCREATEDB NOCREATEROLE;
GRANT thermo_system TO thermo_app WITH INHERIT FALSE, SET TRUE;
GRANT CONNECT ON DATABASE thermodynasty TO thermo_app;
GRANT USAGE ON SCHEMA public TO thermo_app, thermo_system;
-- After each migration run (as thermo_owner), re-grant: see README "Database roles".
