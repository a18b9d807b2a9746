"""The PostgreSQL backend (``UPDECK_DB=postgresql://...``); psycopg is imported by its modules only."""
