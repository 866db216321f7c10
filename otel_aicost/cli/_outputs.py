"""Output files of the FinOps commands: their folder is made before the read (which may take minutes), so a path
that cannot be written fails at once, naming what is in the way."""

from __future__ import annotations

from pathlib import Path

from otel_aicost.finops.telemetry_input import InputError


def make_folder_for(path: str, *, is_folder: bool = False) -> None:
    """Create the folder ``path`` goes in (``path`` itself when ``is_folder``), or stop naming the problem."""
    folder = Path(path) if is_folder else Path(path).parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise InputError(f"cannot write {path}: {_first_file(folder)} is a file, not a folder") from None
    except OSError as exc:
        raise InputError(f"cannot write {path}: {exc.strerror or exc}") from None


def _first_file(folder: Path) -> Path:
    """The part of ``folder``'s path that exists as a file (what stops it being made)."""
    for part in reversed((folder, *folder.parents)):
        if part.exists() and not part.is_dir():
            return part
    return folder
