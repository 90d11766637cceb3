"""Tests of the SQL store: tables, engine, migrations and repositories."""
