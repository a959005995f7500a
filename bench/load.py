"""`make load`: N simulated users against the served app, over Streamlit's own protocol.

    python -m bench.load                          # 1, 10, 20, 40 users on SQLite and PostgreSQL
    python -m bench.load --users 40 --database sqlite
    python -m bench.load --url http://127.0.0.1:8501 --server-pid 1234 --users 10

Without --url the harness starts the app itself (`streamlit run serve.py`) on a free port,
on a fresh demo database (`python -m lib.cli prepare` with AKTIV_DEMO=1 in a temporary
AKTIV_DATA_DIR; for PostgreSQL a new database on `scripts/pg_test_server.sh`'s server), and
a new server process for each number of users.

What it simulates. Each user is a person with a browser of their own (cookie jar) who, once
per pass, opens the app in a new tab and: logs in through the login form (two text inputs
and the form's submit button), opens Översikt, then Skola, changes a filter there (Årskurs,
else Program or Klass), opens a student from the school's list (Elev), opens Möten, opens a
meeting, steps to the next student (Nästa), types a note and saves it (Spara). Between actions
the user thinks for 2–5 s (uniform). On the meeting page the live panel refreshes itself every
few seconds, as in the browser (reported as `live_refresh`, not a user action). The
protocol is the browser's (bench/load_protocol.py says how): first message with the address,
page changes as reruns with the page's script hash, widget values as WidgetStates with the
ids from the deltas, the XSRF cookie and token, the login cookie's image request, and a
rerun is done when its `script_finished` arrives.

Users are spread over the meetings of the current term (user i opens meeting i mod M) and
write different fields when they share one, so that saves do not conflict by design; a
conflict is still reported (`conflicts`), apart from errors. An action is an error when the
run shows an error or an exception, the page expected does not come, the server closes the
connection or no `script_finished` comes within 60 s; the user's pass ends there. A login that
fails (the form is shown again, or says so) is an error of the action `login`.

What it does not simulate: rendering and the browser's own static files, dataframe row
selection (students and meetings are opened through the select boxes under the tables),
reconnects, and people leaving a tab open between passes (each pass is a new tab, closed
at its end).

Reported per number of users: per action the count, p50, p95, max and errors, the mean
number of script runs per action (a page change that reruns itself shows here), the server
process's CPU (% of one core, from /proc/<pid>/stat) and peak memory (VmRSS), the harness's
own CPU, and the load average, into bench/load.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from bench.load_protocol import Browser, ProtocolError, Run, Tab

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "bench" / "load.json"
DEMO_ACCOUNT = "coach"
DEMO_PASSWORD = "Demo-lösenord-2026"  # lib/demo.py, README "Demo accounts"
FILTERS = ("Årskurs", "Program", "Klass")
TICKS = os.sysconf("SC_CLK_TCK")


class ActionError(Exception):
    """The page did not do what the user asked."""


# --- one user -----------------------------------------------------------------------------
@dataclass
class Scenario:
    account: str = DEMO_ACCOUNT
    password: str = DEMO_PASSWORD
    think: tuple[float, float] = (2.0, 5.0)
    passes: int = 1


@dataclass
class Results:
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    runs: dict[str, list[int]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    conflicts: int = 0
    live: list[float] = field(default_factory=list)
    live_errors: int = 0


def _expect(run: Run, heading: str | None = None) -> Run:
    if run.errors():
        raise ActionError("; ".join(run.errors())[:300])
    if heading is not None and not any(text.startswith(heading) for text in run.texts):
        raise ActionError(f"the page {heading!r} did not come")
    return run


class User:
    def __init__(self, number: int, base_url: str, scenario: Scenario, results: Results,
                 rng: random.Random) -> None:
        self.number, self.base_url, self.scenario = number, base_url, scenario
        self.results, self.rng = results, rng

    async def think(self) -> None:
        await asyncio.sleep(self.rng.uniform(*self.scenario.think))

    async def timed(self, action: str, step) -> Run:
        started = time.perf_counter()
        try:
            run = await step
        except (ActionError, ProtocolError, OSError) as error:
            self.results.errors[action].append(f"{type(error).__name__}: {error}"[:300])
            raise
        self.results.times[action].append(time.perf_counter() - started)
        self.results.runs[action].append(run.script_runs)
        return run

    async def act(self, action: str, step, check) -> Run:
        """One user action, timed to its script_finished, then checked."""
        run = await self.timed(action, step)
        try:
            check(run)
        except ActionError as error:
            self.results.times[action].pop()
            self.results.runs[action].pop()
            self.results.errors[action].append(f"ActionError: {error}"[:300])
            raise
        return run

    async def run(self) -> None:
        for number in range(self.scenario.passes):
            tab = Tab(Browser(self.base_url))
            try:
                await self.one_pass(tab, number)
            except (ActionError, ProtocolError, OSError):
                pass  # recorded with its action; the person starts over in a new tab
            finally:
                self.results.live.extend(tab.fragment_times)
                self.results.live_errors += tab.fragment_errors
                await tab.close()

    async def one_pass(self, tab: Tab, number: int) -> None:
        await self.act("login_page", tab.open("/"), self.login_form)
        await self.think()
        await self.log_in(tab)
        await self.think()
        await self.act("overview", tab.follow("Översikt"), lambda run: _expect(run, "Översikt"))
        await self.think()
        await self.act("school", tab.follow("Skola"), lambda run: _expect(run, "Skola"))
        await self.think()
        await self.change_filter(tab)
        await self.think()
        await self.open_student(tab)
        await self.think()
        await self.act("meetings", tab.follow("Möten"), lambda run: _expect(run, "Möten"))
        await self.think()
        await self.hold_meeting(tab, number)

    @staticmethod
    def login_form(run: Run) -> None:
        _expect(run)
        if not any(w.kind == "text_input" and w.label == "Användarnamn" for w in run.widgets):
            raise ActionError("no login form")

    async def log_in(self, tab: Tab) -> None:
        tab.fill(tab.widget("text_input", "Användarnamn"), self.scenario.account)
        tab.fill(tab.widget("text_input", "Lösenord"), self.scenario.password)

        def logged_in(run: Run) -> None:
            # A wrong password is an error alert: _expect reports it as the login's error.
            _expect(run)
            if not (run.has_text("Välkommen") and any(w.kind == "button" and
                                                      w.label == "Logga ut"
                                                      for w in run.widgets)):
                raise ActionError("the login failed: the form again, without a message")

        await self.act("login", tab.click(tab.widget("button", "Logga in")), logged_in)
        await tab.fetch_images()  # the login cookie, as the browser fetches it

    async def change_filter(self, tab: Tab) -> None:
        for label in FILTERS:
            select = tab.widget("selectbox", label)
            options = [o for o in select.proto.options if o != "Alla"]
            if options:
                option = options[self.number % len(options)]
                await self.act("filter", tab.select(select, option),
                               lambda run: _expect(run, "Skola"))
                return
        raise ActionError("no filter with a choice on the school page")

    async def open_student(self, tab: Tab) -> None:
        try:
            select = tab.widget("selectbox", "Öppna elev")
        except ProtocolError:
            # The filter left no students: the user takes the school's whole list again.
            await tab.follow("Skola")
            select = tab.widget("selectbox", "Öppna elev")
        options = list(select.proto.options)
        student = options[self.rng.randrange(len(options))]
        await self.act("student", tab.select(select, student), lambda run: _expect(run, student))

    async def hold_meeting(self, tab: Tab, number: int) -> None:
        select = tab.widget("selectbox", "Öppna möte")
        meetings = list(select.proto.options)
        await self.act("open_meeting", tab.select(select, meetings[self.number % len(meetings)]),
                       lambda run: _expect(run, "Genomgång"))
        await self.think()
        await self.act("next_student", tab.click(tab.widget("button", "Nästa")),
                       lambda run: _expect(run, "Genomgång"))
        await self.think()
        # Users who share a meeting write different fields, so that their saves merge.
        fields = tab.widgets("text_area")
        if not fields:
            raise ActionError("no text fields in the meeting")
        share = self.number // len(meetings)
        area = fields[share % len(fields)]
        current = tab.value(area.id)
        note = f"Lasttest: användare {self.number}, varv {number}."
        await self.act("type_note", tab.type_text(area, f"{current}\n{note}".strip()),
                       lambda run: _expect(run, "Genomgång"))
        await self.act("save_note", tab.click(tab.widget("button", "Spara")), self.saved)

    def saved(self, run: Run) -> None:
        _expect(run)
        if any(body.startswith("Sparat") for _kind, body in run.alerts):
            return
        if run.has_text("Din version"):
            self.results.conflicts += 1
            return
        raise ActionError(f"the save said nothing ({run.script_runs} runs, alerts "
                          f"{[body[:60] for _kind, body in run.alerts]})")


# --- many users ---------------------------------------------------------------------------
async def drive(base_url: str, users: int, scenario: Scenario, ramp: float,
                seed: int) -> Results:
    results = Results()

    async def start(number: int) -> None:
        rng = random.Random(seed * 1000 + number)
        await asyncio.sleep(ramp * number / max(users, 1))
        await User(number, base_url, scenario, results, rng).run()

    await asyncio.gather(*(start(n) for n in range(users)))
    return results


def _percentile(values: list[float], share: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def _figures(times: list[float], errors: list[str], runs: list[int] | None = None) -> dict:
    def rounded(value):
        return None if value is None else round(value, 3)

    figures = {"count": len(times), "p50": rounded(_percentile(times, 0.5)),
               "p95": rounded(_percentile(times, 0.95)),
               "max": rounded(max(times) if times else None), "errors": len(errors)}
    if runs:
        figures["script_runs"] = round(statistics.mean(runs), 2)
    if errors:
        figures["error_examples"] = sorted(set(errors))[:3]
    return figures


def summarise(results: Results) -> dict:
    actions = {}
    for action in dict.fromkeys([*results.times, *results.errors]):
        actions[action] = _figures(results.times[action], results.errors[action],
                                   results.runs[action])
    actions["live_refresh"] = _figures(results.live, ["timeout"] * results.live_errors)
    everything = [t for times in results.times.values() for t in times]
    return {"actions": actions, "all_actions": _figures(everything, [
        e for errors in results.errors.values() for e in errors]),
        "conflicts": results.conflicts}


# --- measuring a process ------------------------------------------------------------------
def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def _sample_memory(pid: int | None, peak: list[float]) -> None:
    while pid is not None:
        try:
            peak[0] = max(peak[0], _rss_mb(pid))
        except OSError:
            return
        await asyncio.sleep(1.0)


async def measure(base_url: str, users: int, scenario: Scenario, ramp: float, seed: int,
                  server_pid: int | None) -> dict:
    """Drive the users and say what it cost the server and the harness."""
    peak = [0.0]
    server_cpu = _cpu_seconds(server_pid) if server_pid else None
    own = resource.getrusage(resource.RUSAGE_SELF)
    started = time.monotonic()
    sampler = asyncio.create_task(_sample_memory(server_pid, peak))
    results = await drive(base_url, users, scenario, ramp, seed)
    wall = time.monotonic() - started
    sampler.cancel()
    after = resource.getrusage(resource.RUSAGE_SELF)
    harness = (after.ru_utime + after.ru_stime - own.ru_utime - own.ru_stime) / wall
    report = {"users": users, "passes": scenario.passes, "seconds": round(wall, 1),
              **summarise(results),
              "cpu_percent": None, "rss_mb": None,
              "harness_cpu_percent": round(100 * harness, 1),
              "load_average": [round(x, 2) for x in os.getloadavg()],
              "cores": os.cpu_count()}
    if server_pid:
        report["cpu_percent"] = round(100 * (_cpu_seconds(server_pid) - server_cpu) / wall, 1)
        report["rss_mb"] = round(max(peak[0], _rss_mb(server_pid)), 1)
    return report


# --- the app under test -------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _app_env(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(AKTIV_DEMO="1", AKTIV_DATA_DIR=str(data_dir), DATABASE_URL=database_url)
    return env


def prepare(data_dir: Path, database_url: str) -> None:
    """Migrate and seed the demo region into an empty database."""
    subprocess.run([sys.executable, "-m", "lib.cli", "prepare"], cwd=ROOT, check=True,
                   env=_app_env(data_dir, database_url), stdout=subprocess.DEVNULL)


@contextmanager
def serve(data_dir: Path, database_url: str, log_path: Path) -> Iterator[tuple[str, int]]:
    """The app as `make run` serves it, on a free port: its address and process id."""
    port = _free_port()
    with open(log_path, "ab") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "serve.py"),
             f"--server.port={port}", "--server.address=127.0.0.1",
             "--server.headless=true", "--browser.gatherUsageStats=false"],
            cwd=ROOT, env=_app_env(data_dir, database_url), stdout=log,
            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"the app did not start; see {log_path}") from None
                time.sleep(0.3)
        yield url, process.pid
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()


@contextmanager
def _postgresql_database(server: str, template: str | None = None) -> Iterator[str]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"aktiv_load_{secrets.token_hex(4)}"
    copy = f' TEMPLATE "{make_url(template).database}"' if template else ""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"{copy}'))
    try:
        yield make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@contextmanager
def seeded_demo(kind: str, work: Path) -> Iterator[tuple[str, str | None]]:
    """A demo database seeded once (the template), and the PostgreSQL server it is on."""
    started = time.monotonic()
    if kind == "sqlite":
        url, server = f"sqlite:///{work / 'template.db'}", None
        prepare(work / "data", url)
        yield url, server
        return
    server = subprocess.run([str(ROOT / "scripts" / "pg_test_server.sh")], check=True,
                            capture_output=True, text=True).stdout.strip().splitlines()[-1]
    with _postgresql_database(server) as url:
        prepare(work / "data", url)
        print(f"{kind}: demo database seeded in {time.monotonic() - started:.0f} s",
              file=sys.stderr)
        yield url, server


@contextmanager
def fresh_copy(template: str, server: str | None, work: Path, name: str) -> Iterator[str]:
    """A fresh copy of the seeded demo for one measurement: every run starts alike."""
    if server is None:
        source = Path(template.removeprefix("sqlite:///"))
        target = work / f"{name}.db"
        shutil.copy(source, target)
        yield f"sqlite:///{target}"
        return
    with _postgresql_database(server, template) as url:
        yield url


def run_database(kind: str, counts: list[int], scenario: Scenario, ramp: float,
                 seed: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="aktiv-load-") as tmp:
        work = Path(tmp)
        by_users = {}
        with seeded_demo(kind, work) as (template, server):
            for users in counts:
                with fresh_copy(template, server, work, f"users-{users}") as url, serve(
                        work / "data", url, work / f"server-{users}.log") as (base, pid):
                    report = asyncio.run(measure(base, users, scenario, ramp, seed, pid))
                by_users[str(users)] = report
                _print(kind, report)
    largest = by_users[str(max(counts))]
    return {**largest, "database": kind, "by_users": by_users}


def _print(kind: str, report: dict) -> None:
    every = report["all_actions"]
    print(f"{kind} {report['users']:>3} users: p50 {every['p50']} s, p95 {every['p95']} s, "
          f"max {every['max']} s, errors {every['errors']}, server CPU "
          f"{report['cpu_percent']} %, harness CPU {report['harness_cpu_percent']} %, "
          f"RSS {report['rss_mb']} MB, load {report['load_average']}", file=sys.stderr)
    for action, figures in report["actions"].items():
        print(f"    {action:<13} n={figures['count']:<4} p50 {figures['p50']} p95 "
              f"{figures['p95']} max {figures['max']} errors {figures['errors']} runs "
              f"{figures.get('script_runs', '-')}", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__.split(
        "\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--users", default="1,10,20,40",
                        help="numbers of users, one measurement each (default 1,10,20,40)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"],
                        default="both")
    parser.add_argument("--url", help="an app already running (then no database is made)")
    parser.add_argument("--server-pid", type=int, help="its process, for CPU and memory")
    parser.add_argument("--passes", type=int, default=2, help="passes per user (default 2)")
    parser.add_argument("--think", default="2,5", help="think time in s, min,max")
    parser.add_argument("--ramp", type=float, default=10.0,
                        help="seconds over which the users arrive")
    parser.add_argument("--account", default=DEMO_ACCOUNT)
    parser.add_argument("--password", default=DEMO_PASSWORD)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--output", type=Path, default=OUTPUT)
    args = parser.parse_args(argv)
    counts = [int(n) for n in args.users.split(",")]
    low, high = (float(x) for x in args.think.split(","))
    scenario = Scenario(args.account, args.password, (low, high), args.passes)
    if args.url:
        report = {}
        for users in counts:
            report[str(users)] = asyncio.run(measure(args.url, users, scenario, args.ramp,
                                                     args.seed, args.server_pid))
            _print(args.url, report[str(users)])
        print(json.dumps(report, indent=2, ensure_ascii=False))
        return 0
    kinds = ["sqlite", "postgresql"] if args.database == "both" else [args.database]
    output = json.loads(args.output.read_text()) if args.output.exists() else {}
    for kind in kinds:
        output[kind] = run_database(kind, counts, scenario, args.ramp, args.seed)
        args.output.write_text(json.dumps(output, indent=2, ensure_ascii=False) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
