"""A short key for the values a table or a chart shows, so that the work of drawing them
for one person is found again for the next who sees the same values.

Streamlit's own hashing of a data frame argument (`st.cache_resource`) took about three
times as long as pandas' vectorised row hashes used here, and was about a twentieth of the
server's time with 20 simulated users. The key covers the values, the column names, the
dtypes and the index: two frames with the same key show the same thing."""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd


def digest(*values) -> str:
    """The key of `values`: data frames, series, arrays, containers of them, and plain
    values (numbers, text, dates, None) whose repr says all they hold."""
    hasher = hashlib.blake2b(digest_size=16)
    for value in values:
        _feed(hasher, value)
    return hasher.hexdigest()


def _feed(hasher, value) -> None:
    if isinstance(value, pd.DataFrame):
        hasher.update(b"frame" + repr((
            [str(c) for c in value.columns], [str(t) for t in value.dtypes],
            list(value.index.names), value.shape)).encode())
        hasher.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, pd.Series):
        hasher.update(b"series" + repr((str(value.name), str(value.dtype),
                                        list(value.index.names), len(value))).encode())
        hasher.update(pd.util.hash_pandas_object(value, index=True).to_numpy().tobytes())
    elif isinstance(value, np.ndarray):
        _feed(hasher, pd.Series(value.ravel()))
        hasher.update(repr(value.shape).encode())
    elif isinstance(value, (list, tuple)):
        hasher.update(f"{type(value).__name__}{len(value)}(".encode())
        for item in value:
            _feed(hasher, item)
        hasher.update(b")")
    elif isinstance(value, dict):
        hasher.update(f"dict{len(value)}{{".encode())
        for key, item in value.items():
            _feed(hasher, key)
            _feed(hasher, item)
        hasher.update(b"}")
    elif value is None or isinstance(value, (str, bytes, int, float, bool, np.generic)) \
            or hasattr(value, "isoformat"):
        hasher.update(f"{type(value).__name__}:{value!r};".encode())
    else:
        raise TypeError(f"no digest for {type(value).__name__}")
