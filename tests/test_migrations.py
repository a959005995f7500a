"""The models and the migrations describe the same schema: after `upgrade head`, Alembic finds
nothing to add, drop or change, on SQLite and on PostgreSQL."""

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from data_models.models import Base


def _differences(engine) -> list:
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True,
                                                               "compare_server_default": False})
        return compare_metadata(context, Base.metadata)


def test_the_migrated_schema_is_the_models_schema(engine):
    assert _differences(engine) == []


def test_the_check_finds_a_drift(engine):
    """The comparison above must be able to fail: a column the models lack is found."""
    from sqlalchemy import text

    with engine.begin() as connection:
        connection.execute(text("ALTER TABLE region ADD COLUMN stray INTEGER"))
    assert any(diff[0] == "remove_column" for diff in _differences(engine))
