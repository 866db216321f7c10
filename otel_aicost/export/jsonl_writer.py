"""Append-only JSON lines file with size rotation, safe against crashes, full disks and many threads.

Every export becomes exactly one line written by a single ``os.write`` of the complete bytes on an
``O_APPEND`` descriptor: a process killed with SIGKILL leaves every earlier line intact and at most a torn
last line. When a write was cut short (or a previous process died mid-line) the next write starts with a
newline, so a torn fragment stays on its own line and never corrupts the line after it.

Several processes append to one file (a pre-fork server's workers). Each write holds an exclusive ``flock`` on
the file, and a newly opened file's last byte is looked at under it: without the lock, a process opening the
file while another was half-way through a large line took that line for a torn one and started an empty line.
(Where ``fcntl`` is missing, Windows, the writes go unlocked as before.)

When the file would grow past ``max_bytes`` it is renamed to ``<stem>-<UTC timestamp>.jsonl`` and a new
file started; at most ``max_rotated_files`` rotated files are kept, the oldest deleted.

Errors (disk full, permissions, a path that is not a directory) never reach the caller: ``write`` returns
False, the caller counts what it dropped, and one WARNING names the path until a write succeeds again.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
import time
import weakref
from datetime import datetime, timezone
from pathlib import Path

try:
    from fcntl import LOCK_EX, LOCK_UN, flock
except ImportError:  # Windows: no flock; writes go unlocked
    flock = None

_logger = logging.getLogger("otel_aicost.exporters")

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_ROTATED_FILES = 10
_REOPEN_CHECK_SECONDS = 1.0  # how often to notice another process rotated or deleted the file
# Read-write only to look at the last byte when opening; every write appends.
_OPEN_FLAGS = os.O_RDWR | os.O_APPEND | os.O_CREAT | getattr(os, "O_CLOEXEC", 0)


class JsonLinesWriter:
    """One ``<directory>/<stem>.jsonl`` file. Thread-safe; never raises from ``write``."""

    def __init__(
        self,
        directory: str | os.PathLike[str],
        stem: str,
        *,
        max_bytes: int = DEFAULT_MAX_BYTES,
        max_rotated_files: int = DEFAULT_MAX_ROTATED_FILES,
        file_mode: int = 0o600,
    ) -> None:
        if max_bytes <= 0:
            raise ValueError(f"max_bytes must be positive, got {max_bytes}")
        if max_rotated_files < 0:
            raise ValueError(f"max_rotated_files must be >= 0, got {max_rotated_files}")
        self.directory = Path(directory)
        self.stem = stem
        self.path = self.directory / f"{stem}.jsonl"
        self.max_bytes = max_bytes
        self.max_rotated_files = max_rotated_files
        self._file_mode = file_mode
        self._rotated_name = re.compile(rf"^{re.escape(stem)}-\d{{8}}T\d{{6}}\.\d{{6}}Z(?:-\d+)?\.jsonl$")
        self._lock = threading.Lock()
        self._fd: int | None = None
        self._inode: tuple[int, int] | None = None
        self._next_reopen_check = 0.0
        self._needs_newline = False
        self._tail_unread = False
        self._failing = False
        self._closed = False
        if hasattr(os, "register_at_fork"):  # a fork while another thread held the lock must not deadlock the child
            weak_self = weakref.ref(self)
            os.register_at_fork(after_in_child=lambda: _reset_after_fork(weak_self))

    def write(self, line: bytes) -> bool:
        """Append one complete line (without its newline). Returns False when it could not be written."""
        data = line + b"\n"
        recovered = False
        with self._lock:
            if self._closed:
                return False
            try:
                self._write_locked(data)
            except OSError as error:
                self._close_fd()  # reopen on the next write (the disk may have room again) and look at the last byte
                if not self._failing:
                    self._failing = True
                    _logger.warning(
                        "otel-aicost: cannot write telemetry to %s (%s); dropping it until writing works again",
                        self.path,
                        error,
                    )
                return False
            if self._failing:
                self._failing = False
                recovered = True
        if recovered:
            _logger.info("otel-aicost: writing telemetry to %s works again", self.path)
        return True

    def _write_locked(self, data: bytes) -> None:
        fd = self._open_locked()
        size = os.fstat(fd).st_size
        if size and size + len(data) > self.max_bytes:
            self._rotate_locked()
            fd = self._open_locked()
        locked = _lock(fd)  # no other process is half-way through a line while we look at the tail or write
        try:
            self._append(fd, data)
        finally:
            if locked:
                with contextlib.suppress(OSError):
                    flock(fd, LOCK_UN)

    def _append(self, fd: int, data: bytes) -> None:
        if self._tail_unread:  # a file we just opened: did a write of ours, or a process that died, tear a line?
            self._tail_unread = False
            size = os.fstat(fd).st_size
            self._needs_newline = bool(size) and _last_byte(fd, size) != b"\n"
        if self._needs_newline:
            data = b"\n" + data
            self._needs_newline = False
        written = os.write(fd, data)
        while written < len(data):  # short write (disk nearly full, signal): finish it or fail
            more = os.write(fd, memoryview(data)[written:])
            if more <= 0:
                raise OSError(f"short write to {self.path}")
            written += more

    def _open_locked(self) -> int:
        now = time.monotonic()
        if self._fd is not None and now >= self._next_reopen_check:
            self._next_reopen_check = now + _REOPEN_CHECK_SECONDS
            try:
                on_disk = os.stat(self.path)
                if (on_disk.st_dev, on_disk.st_ino) != self._inode:
                    self._close_fd()  # another process rotated it (or someone moved it): follow the name
            except FileNotFoundError:
                self._close_fd()
        if self._fd is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(self.path, _OPEN_FLAGS, self._file_mode)
            stat = os.fstat(fd)
            self._fd = fd
            self._inode = (stat.st_dev, stat.st_ino)
            self._next_reopen_check = now + _REOPEN_CHECK_SECONDS
            # A previous write of ours failed half-way, or an earlier process died mid-line: the next write looks
            # at the last byte, under the file lock, and starts a fresh line if it is not a newline.
            self._tail_unread = True
        return self._fd

    def _rotate_locked(self) -> None:
        self._close_fd()
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%S.%fZ")
        target = self.directory / f"{self.stem}-{stamp}.jsonl"
        counter = 1
        while target.exists():
            target = self.directory / f"{self.stem}-{stamp}-{counter}.jsonl"
            counter += 1
        try:
            os.rename(self.path, target)
        except FileNotFoundError:
            return  # another process rotated it first
        self._prune_locked()

    def _prune_locked(self) -> None:
        rotated = sorted(name for name in os.listdir(self.directory) if self._rotated_name.match(name))
        for name in rotated[: max(0, len(rotated) - self.max_rotated_files)]:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(self.directory / name)

    def rotated_files(self) -> list[Path]:
        """Rotated files of this stream, oldest first."""
        try:
            names = os.listdir(self.directory)
        except OSError:
            return []
        return [self.directory / name for name in sorted(names) if self._rotated_name.match(name)]

    def _close_fd(self) -> None:
        if self._fd is not None:
            fd, self._fd = self._fd, None
            self._inode = None
            with contextlib.suppress(OSError):
                os.close(fd)

    def flush(self) -> None:
        """Lines go to the kernel at once; flushing asks it to put them on disk."""
        with self._lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.fsync(self._fd)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            self._close_fd()


def _reset_after_fork(weak_self: weakref.ref) -> None:
    writer = weak_self()
    if writer is not None:
        writer._lock = threading.Lock()  # the inherited descriptor stays: O_APPEND keeps both processes' lines whole
        writer._next_reopen_check = 0.0


def _lock(fd: int) -> bool:
    """Take the file's exclusive lock; False where there is none to take (Windows, a file system without flock)."""
    if flock is None:
        return False
    try:
        flock(fd, LOCK_EX)
    except OSError:  # e.g. ENOLCK on some network file systems: write unlocked, as before
        return False
    return True


def _last_byte(fd: int, size: int) -> bytes:
    try:
        if hasattr(os, "pread"):
            return os.pread(fd, 1, size - 1)
        os.lseek(fd, size - 1, os.SEEK_SET)  # Windows; writes still append (O_APPEND)
        return os.read(fd, 1)
    except OSError:  # unreadable: assume clean; at worst one torn line swallows its successor
        return b"\n"
