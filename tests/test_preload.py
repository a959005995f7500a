"""The server loads the app's modules and number formats before anyone opens a page."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_preload_imports_every_module_of_the_app_and_the_number_formats():
    """In a fresh interpreter (this one has imported much already): after preload, every
    module under lib/ is loaded and the number formats are read, and nothing was said."""
    script = """
import pkgutil, sys, lib
from lib import formats
from lib.preload import preload
names = [m.name for m in pkgutil.walk_packages(lib.__path__, "lib.")]
assert "lib.visit_pack" not in sys.modules and "openpyxl" not in sys.modules
seconds = preload()
missing = [name for name in names if name not in sys.modules]
assert not missing, missing
assert "openpyxl" in sys.modules and "fpdf" in sys.modules
assert formats._symbols.cache_info().currsize == 2
print(f"{seconds:.2f}")
"""
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout) > 0
    assert "ScriptRunContext" not in done.stderr
