"""Which opentelemetry-sdk versions the fast paths' private reads were checked against (``FAST_PATHS``)."""

from __future__ import annotations

import logging
from importlib.metadata import PackageNotFoundError, version

_logger = logging.getLogger("otel_aicost")
CHECKED_SDK_VERSIONS = ">=1.30,<=1.45"
_CHECKED = ((1, 30), (1, 45))  # the same range, as (major, minor)


_HISTOGRAM_FAST_PATH_SINCE = (1, 45)  # checked there; 1.30 and 1.39 lack _hash_attributes (plain records)


def _sdk_version() -> tuple[int, int]:
    try:
        major, minor = (int(part) for part in version("opentelemetry-sdk").split(".")[:2])
    except (PackageNotFoundError, ValueError):
        return (0, 0)
    return major, minor


def _sdk_checked() -> bool:
    """Whether the installed opentelemetry-sdk is one whose privates the fast paths were checked against."""
    major, minor = _sdk_version()
    checked = _CHECKED[0] <= (major, minor) <= _CHECKED[1]
    if not checked:
        _logger.debug("otel_aicost: opentelemetry-sdk %s.%s not checked (%s): plain span and metric paths",
                      major, minor, CHECKED_SDK_VERSIONS)  # fmt: skip
    return checked


FAST_PATHS = _sdk_checked()
