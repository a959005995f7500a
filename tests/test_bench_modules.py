"""`make bench` and `make load` are not run by the suite (they need a region-scale set), but
their modules must keep up with the code they time: a service that moves breaks them."""

import importlib

import pytest


@pytest.mark.parametrize("name", ["bench.run", "bench.load", "bench.importing",
                                  "bench.national", "bench.load_protocol",
                                  "bench.access_review", "bench.connectedness"])
def test_the_benchmark_modules_import(name):
    module = importlib.import_module(name)
    assert callable(getattr(module, "main", None)) or name not in {"bench.run", "bench.load"}
