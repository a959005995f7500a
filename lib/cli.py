"""Command line: migrate, seed the demo region, seed a region-scale benchmark set.

    python -m lib.cli migrate
    python -m lib.cli prepare              # migrate; in demo mode also seed an empty database
    python -m lib.cli seed-demo            # only when the database is empty
    python -m lib.cli seed-bench --students 60000 --url sqlite:///bench/region.db
    python -m lib.cli backup PATH          # while the app runs; checksums beside the file
    python -m lib.cli restore PATH         # into a new, empty database (--force: over one)
    python -m lib.cli send-mail            # alert mail due and the day's digests (cron)
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
import time
from pathlib import Path

from data_models.engine import analyze, make_engine, unit_of_work
from data_models.migrate import upgrade
from lib import backup, summaries
from lib.clock import local_today
from lib.demo import DemoSpec, database_is_empty, seed_demo
from lib.i18n import _
from lib.settings import ConfigurationError, cookie_key, load_settings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m lib.cli")
    parser.add_argument("command", choices=["migrate", "prepare", "seed-demo", "seed-bench",
                                            "backup", "restore", "send-mail"])
    parser.add_argument("path", nargs="?", help="the backup file (backup, restore)")
    parser.add_argument("--url", help="database URL (default: DATABASE_URL or the SQLite file)")
    parser.add_argument("--students", type=int, default=None)
    parser.add_argument("--terms", type=int, default=None)
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=None)
    parser.add_argument("--force", action="store_true",
                        help="restore over a database that already has tables")
    args = parser.parse_args(argv)
    settings = load_settings()
    url = args.url or settings.database_url
    if args.command in ("backup", "restore"):
        return _backup_or_restore(args.command, args.path, url, args.force)
    if args.command == "send-mail":
        from lib.mail import send_mail_run

        return send_mail_run(url)
    if args.command == "prepare":
        try:
            cookie_key(settings)  # refuse to start without a proper key; demo mode makes one
        except ConfigurationError as error:
            print(error, file=sys.stderr)
            return 2
    upgrade(url)
    _rebuild_stale_summaries(url)
    if args.command == "migrate" or (args.command == "prepare" and not settings.demo_mode):
        print("Databasen är migrerad.")
        return 0
    spec = DemoSpec(
        students=args.students or (60_000 if args.command == "seed-bench" else 3000),
        terms=args.terms or (2 if args.command == "seed-bench" else 4),
        end_date=args.end_date or local_today(),
        bcrypt_rounds=settings.bcrypt_rounds,
    )
    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        if not database_is_empty(session):
            print("Databasen har redan innehåll; inget demodata lades till.")
            return 0
        started = time.perf_counter()
        counts = seed_demo(session, spec)
        analyze(session)
    print(f"Demoregionen skapad på {time.perf_counter() - started:.1f} s: "
          f"{counts['students']} elever, {counts['schools']} skolor, "
          f"{counts['absence_rows']} frånvarorader, {counts['users']} konton.")
    return 0


def _backup_or_restore(command: str, path: str | None, url: str, force: bool) -> int:
    """Never migrates: a backup reads the database as it is, a restore needs an empty one."""
    if not path:
        print(_("Ange säkerhetskopians fil: python -m lib.cli {command} FIL").format(
            command=command), file=sys.stderr)
        return 2
    try:
        if command == "backup":
            sums = backup.backup(url, path)
            done = _("Säkerhetskopian är sparad i {path}.").format(path=path)
        else:
            sums = backup.restore(path, url, force=force)
            done = _("Databasen är återställd från {path}.").format(path=path)
    except backup.BackupError as error:
        print(error, file=sys.stderr)
        return error.exit_code
    print(done)
    print("\n".join(backup.describe(sums)))
    if command == "restore" and backup.read_checksums(backup.sums_path(Path(path))):
        print(_("Kontrollsummorna stämmer med säkerhetskopians."))
    return 0


def _rebuild_stale_summaries(url: str) -> None:
    """A database migrated from before the summaries has raw absence but no summaries."""
    engine = make_engine(url)
    with unit_of_work(engine, write=True) as session:
        if summaries.is_stale(session):
            summaries.refresh_all(session)
            print("Sammanställningarna är uppbyggda.")
        else:
            for done in summaries.catch_up(session):
                print(done)
        analyze(session)
    engine.dispose()


if __name__ == "__main__":
    raise SystemExit(main())
