"""The data layer: typed SQLAlchemy models, the engine and migrations."""
