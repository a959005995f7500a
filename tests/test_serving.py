"""How the app is served (`.streamlit/config.toml`): Streamlit's source watcher is off. It
walks every imported module on the server's event loop after each session's runs, which
held every open tab's messages and reruns for seconds on a loaded machine."""

import tomllib
from pathlib import Path

from streamlit import config

CONFIG = Path(__file__).resolve().parent.parent / ".streamlit" / "config.toml"


def _served_options() -> dict[str, object]:
    raw = tomllib.loads(CONFIG.read_text(encoding="utf-8"))
    return {f"{section}.{name}": value for section, options in raw.items()
            for name, value in options.items()}


def test_the_served_app_does_not_watch_its_source_files():
    assert _served_options()["server.fileWatcherType"] == "none"


def test_every_served_option_is_one_streamlit_knows():
    # A misspelt option is ignored without a word, and the watcher would be back.
    unknown = set(_served_options()) - set(config._config_options_template)
    assert unknown == set()
