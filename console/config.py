"""Settings: a TOML file in the user config dir, overridden by environment variables.

``AGENT_CONSOLE_CONFIG`` names another config file; ``AGENT_CONSOLE_DB`` the database.
A broken file is reported with its line and the console starts on defaults.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from platformdirs import user_config_dir, user_data_dir

from console.data.records import priority_rank

APP_NAME = "agent-console"


def config_path() -> Path:
    """Where the config file is read from."""
    override = os.environ.get("AGENT_CONSOLE_CONFIG")
    if override:
        return Path(override).expanduser()
    return Path(user_config_dir(APP_NAME)) / "config.toml"


def data_dir() -> Path:
    """Where the embedded databases live."""
    return Path(user_data_dir(APP_NAME))


def default_db_path() -> Path:
    """The embedded SQLite database used when no other is named."""
    return data_dir() / "console.db"


def demo_db_path() -> Path:
    """The demo database: never the real one."""
    return data_dir() / "demo.db"


@dataclass
class Settings:
    """Everything the console and the command line read from the config file."""

    #: database URL or SQLite file path; ``None`` means the embedded default
    db: str | None = None
    #: SLA hours per priority: how long after creation a ticket is due
    sla_hours: dict[str, float] = field(
        default_factory=lambda: {"High": 4.0, "Medium": 24.0, "Low": 72.0}
    )
    #: binding id -> keys ("down,j"); applied with App.set_keymap
    keymap: dict[str, str] = field(default_factory=dict)
    #: Textual theme name
    theme: str = "textual-dark"
    #: problems found reading the file (shown at start, never fatal)
    problems: list[str] = field(default_factory=list)

    def database(self, cli_value: str | None = None) -> str:
        """The database to open: --db, then AGENT_CONSOLE_DB, then the file, then default."""
        return cli_value or os.environ.get("AGENT_CONSOLE_DB") or self.db or str(default_db_path())

    def sla(self) -> dict[int, timedelta]:
        """SLA per priority rank, as the ticket services take it."""
        return {priority_rank(k): timedelta(hours=v) for k, v in self.sla_hours.items()}


def load_settings(path: Path | None = None) -> Settings:
    """Read the config file; a missing file gives defaults, a broken one gives defaults
    plus a problem naming the file and line."""
    path = path or config_path()
    settings = Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return settings
    except OSError as exc:
        settings.problems.append(f"{path}: cannot read ({exc.strerror}); using defaults.")
        return settings
    except tomllib.TOMLDecodeError as exc:
        settings.problems.append(f"{path}: {exc}; using defaults.")
        return settings
    if isinstance(raw.get("db"), str):
        settings.db = raw["db"]
    if isinstance(raw.get("theme"), str):
        settings.theme = raw["theme"]
    sla = raw.get("sla", {})
    if isinstance(sla, dict):
        for name, hours in sla.items():
            if name.capitalize() not in settings.sla_hours:
                settings.problems.append(
                    f"{path}: [sla] {name} is not a priority (High, Medium, Low)."
                )
            elif not isinstance(hours, int | float) or hours <= 0:
                settings.problems.append(
                    f"{path}: [sla] {name} must be a positive number of hours."
                )
            else:
                settings.sla_hours[name.capitalize()] = float(hours)
    keymap = raw.get("keymap", {})
    if isinstance(keymap, dict):
        for binding_id, keys in keymap.items():
            if isinstance(keys, str):
                settings.keymap[binding_id] = keys
            else:
                settings.problems.append(f"{path}: [keymap] {binding_id} must be a string of keys.")
    return settings
