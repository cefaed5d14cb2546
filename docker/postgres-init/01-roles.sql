-- The app's role owns nothing and bypasses nothing: row-level security applies to it, and the append-only
-- tables (ledger entries, postings, outbox, audit log) accept only INSERT and SELECT from it.
-- Migrations run as thermo_owner (the database owner); the app connects as thermo_app.
CREATE ROLE thermo_app LOGIN PASSWORD 'change-me' NOSUPERUSER NOBYPASSRLS NOCREATEDB NOCREATEROLE;
GRANT CONNECT ON DATABASE thermodynasty TO thermo_app;
GRANT USAGE ON SCHEMA public TO thermo_app;
-- After each migration run (as thermo_owner), re-grant: see README "Database roles".
