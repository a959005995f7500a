"""The rooms stay small enough to read: no page over 120 lines, no module in lib over 450
lines except the demo generator (one long recipe for a synthetic region), and the importer
is in parts by what each does, with no import cycle between them. The test reads the
files, not the code."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LIMIT = 450
EXEMPT = {"lib/demo.py"}
IMPORTER = ROOT / "lib" / "importing"


def lib_modules() -> list[str]:
    return sorted(path.relative_to(ROOT).as_posix() for path in (ROOT / "lib").rglob("*.py")
                  if path.relative_to(ROOT).as_posix() not in EXEMPT)


def lines(path: str) -> int:
    return len((ROOT / path).read_text(encoding="utf-8").splitlines())


@pytest.mark.parametrize("path", lib_modules())
def test_no_lib_module_is_over_the_limit(path):
    assert lines(path) <= LIMIT, f"{path}: {lines(path)} lines, at most {LIMIT}"


def test_the_importer_is_in_parts():
    assert not (IMPORTER / "service.py").exists()
    for part in ("checks", "absence", "enrolment", "batches"):
        assert (IMPORTER / f"{part}.py").is_file(), part


def importer_imports(path: Path) -> set[str]:
    """The lib.importing modules that one of them imports."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = ([node.module] if node.module != "lib.importing"
                     else [f"lib.importing.{a.name}" for a in node.names])
            found |= {n.rsplit(".", 1)[1] for n in names if n.startswith("lib.importing.")}
        elif isinstance(node, ast.Import):
            found |= {a.name.rsplit(".", 1)[1] for a in node.names
                      if a.name.startswith("lib.importing.")}
    return found


def test_the_importer_s_parts_import_one_way():
    graph = {path.stem: importer_imports(path) for path in IMPORTER.glob("*.py")}
    done: set[str] = set()

    def visit(module: str, path: tuple[str, ...]) -> None:
        assert module not in path, " → ".join((*path, module))
        if module in done:
            return
        for imported in graph.get(module, ()):
            visit(imported, (*path, module))
        done.add(module)

    for module in graph:
        visit(module, ())


PAGE_LIMIT = 120
ENTRY_POINTS = sorted([*(ROOT / "pages").glob("*.py"), ROOT / "app.py"])


@pytest.mark.parametrize("path", ENTRY_POINTS, ids=lambda p: p.name)
def test_pages_stay_short(path):
    """A page is guard → widgets → one or two service calls → render; what is longer is a
    part of the UI with a name of its own in lib/ui/."""
    count = len(path.read_text(encoding="utf-8").splitlines())
    assert count <= PAGE_LIMIT, f"{path.name}: {count} lines, at most {PAGE_LIMIT}"


def test_pages_find_every_code_set_in_lib_codes():
    import enum

    import data_models.codes as stored
    import lib.codes as shared

    sets = {name for name, value in vars(stored).items() if isinstance(value, type)
            and issubclass(value, enum.StrEnum) and value is not enum.StrEnum}
    assert sets <= set(shared.__all__)


def test_today_is_the_swedish_date_everywhere():
    """A date on screen and in a record is today in Sweden (lib.clock.local_today), not the
    server's: between midnight and one o'clock a server on UTC is still on yesterday."""
    files = [*sorted((ROOT / "lib").rglob("*.py")), *sorted((ROOT / "pages").glob("*.py")),
             ROOT / "app.py"]
    using_the_server_s_date = [path.relative_to(ROOT).as_posix() for path in files
                               if "date.today()" in path.read_text(encoding="utf-8")]
    assert using_the_server_s_date == []
