"""The rooms' import rules (README "Layout") are ruff's TID251 rule, run by `make test`: a
service that imports streamlit, or a page that reaches for the database, fails the lint."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def banned(path: str, source: str) -> list[str]:
    """The TID251 findings for `source` as if it were the file at `path` in the project."""
    result = subprocess.run(
        [sys.executable, "-m", "ruff", "check", "--select", "TID251", "--output-format",
         "concise", "--stdin-filename", path, "-"],
        input=source, capture_output=True, text=True, cwd=ROOT, check=False)
    return [line for line in result.stdout.splitlines() if "TID251" in line]


@pytest.mark.parametrize("path", ["lib/students.py", "lib/importing/absence.py",
                                  "lib/new_service.py"])
def test_a_service_may_not_import_streamlit(path):
    assert banned(path, "import streamlit as st\n")
    assert banned(path, "from streamlit import session_state\n")


@pytest.mark.parametrize("path", ["lib/ui/tables.py", "lib/ui/new_widget.py", "lib/db.py",
                                  "lib/settings.py"])
def test_the_ui_rooms_may_import_streamlit(path):
    assert banned(path, "import streamlit as st\n") == []


@pytest.mark.parametrize("path", ["pages/2_Skola.py", "pages/99_Ny.py", "app.py"])
@pytest.mark.parametrize("source", ["import sqlalchemy\n", "from sqlalchemy import select\n",
                                    "from data_models.models import Student\n",
                                    "import data_models.engine\n"])
def test_pages_may_not_reach_the_database(path, source):
    assert banned(path, source)


def test_pages_may_import_streamlit_and_services():
    assert banned("pages/2_Skola.py", "import streamlit as st\nfrom lib import students\n") == []


def test_services_reach_the_database():
    assert banned("lib/students.py", "from sqlalchemy import select\n"
                                     "from data_models.models import Student\n") == []


def test_the_tree_keeps_the_rules():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--select", "TID251", "."],
                            capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout
