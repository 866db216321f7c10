"""``otel-aicost``: prices, estimate, report, focus, demo. One module per command; each exposes ``command``."""

from __future__ import annotations

import importlib

import click

from otel_aicost.version import __version__

COMMANDS = ("prices", "estimate", "report", "focus", "reconcile", "demo")


class _Commands(click.Group):
    """Commands load lazily so that `otel-aicost --help` stays fast and one broken extra cannot break the others."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self._module(name) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        module = self._module(name)
        return getattr(module, "command", None) if module is not None else None

    @staticmethod
    def _module(name: str):  # type: ignore[no-untyped-def]
        if name not in COMMANDS:
            return None
        try:
            return importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as error:
            if error.name == f"{__name__}.{name}":
                return None
            raise


@click.group(cls=_Commands)
@click.version_option(__version__, prog_name="otel-aicost")
def main() -> None:
    """Exact cost for every OpenAI and Azure OpenAI call: prices, estimates, reports and FOCUS export."""
