from alembic import context
from sqlalchemy import event

import data_models.windows  # noqa: F401  (its tables share the metadata)
from data_models.engine import make_engine
from data_models.models import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata,
                      literal_binds=True, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    sqlite = engine.dialect.name == "sqlite"
    if sqlite:
        _foreign_keys_off(engine)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata,
                          render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
            if sqlite:
                _check_foreign_keys(connection)
    engine.dispose()


def _foreign_keys_off(engine) -> None:
    """Batch mode rebuilds a SQLite table by copying it and dropping the original. With
    foreign keys on, that drop first deletes every row, and the delete cascades: rebuilding
    `measure` would delete every follow-up. SQLite's own recipe for a rebuild turns them off
    outside the transaction (a PRAGMA inside one does nothing), so it is done as the
    connection opens, after make_engine's own settings."""
    @event.listens_for(engine, "connect")
    def _off(dbapi_connection, _record):
        dbapi_connection.execute("PRAGMA foreign_keys=OFF")


def _check_foreign_keys(connection) -> None:
    """The recipe's last step: the migrated data must still satisfy every foreign key, or
    nothing is committed. Names the tables only, never values."""
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
    if broken:
        tables = sorted({row[0] for row in broken})
        raise RuntimeError(f"Migreringen bryter främmande nycklar i: {', '.join(tables)}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
