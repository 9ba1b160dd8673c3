"""Database: SQLModel tables, the engine with its single writer, Alembic migrations."""
