"""Reading a config file: TOML, YAML or JSON by its suffix, UTF-8, into a mapping; errors name the file.

Parser errors never quote the file's text (a key pasted into the wrong file must not reach a log), and a file
that is not UTF-8 says which byte, where.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from otel_aicost.config.errors import ConfigError
from otel_aicost.quoting import without_credentials


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Parse a TOML, YAML or JSON config file into a mapping; fail with the file name and the parser's reason."""
    file = Path(path)
    where = without_credentials(str(path))  # a URL with user:password@ given as the config file is not echoed
    try:
        text = file.read_text(encoding="utf-8-sig")  # a byte-order mark (PowerShell 5, old Notepad) is skipped
    except OSError as error:
        raise ConfigError(f"{where}: cannot read config file: {error.strerror or error}") from None
    except UnicodeDecodeError as error:
        raise ConfigError(
            f"{where}: not UTF-8 text (byte 0x{error.object[error.start]:02x} at offset {error.start}); "
            "save the config file as UTF-8"
        ) from None
    suffix = file.suffix.lower()
    try:
        if suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                import tomli as tomllib  # type: ignore[no-redef]
            data = tomllib.loads(text)
        elif suffix in (".yaml", ".yml"):
            try:
                import yaml
            except ModuleNotFoundError:
                raise ConfigError(f"{where}: YAML config needs PyYAML: pip install 'otel-aicost[yaml]'") from None
            data = yaml.safe_load(text) or {}
        elif suffix == ".json":
            data = json.loads(text)
        else:
            raise ConfigError(f"{where}: unknown config file type '{suffix}' (use .toml, .yaml, .yml or .json)")
    except ConfigError:
        raise
    except Exception as error:  # each parser has its own error class; all mean the same here
        raise ConfigError(f"{where}: not valid {suffix[1:].upper()}: {_parse_problem(error)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{where}: the top level must be a table/mapping, not {type(data).__name__}")
    return data


def _parse_problem(error: Exception) -> str:
    """The parser's reason and position, never the file's text: PyYAML quotes the offending lines, which may hold
    a secret (a key pasted into the wrong file); TOML and JSON errors carry only the position."""
    problem = getattr(error, "problem", None)
    mark = getattr(error, "problem_mark", None)
    if isinstance(problem, str) and mark is not None:
        return f"{problem} (at line {mark.line + 1}, column {mark.column + 1})"
    if hasattr(error, "problem_mark") or hasattr(error, "context_mark"):  # a YAML error without a problem text
        return type(error).__name__
    return str(error)
