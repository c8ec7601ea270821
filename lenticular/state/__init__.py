"""Persistence shared by every service: the data dir, SQLite databases and blob files."""
