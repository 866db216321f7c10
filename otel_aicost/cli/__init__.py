"""``otel-aicost``: prices, estimate, report, focus, demo. One module per command; each exposes ``command``."""

from __future__ import annotations

import importlib
from typing import Any

import click

from otel_aicost.version import __version__

COMMANDS = ("prices", "estimate", "report", "focus", "reconcile", "forecast", "anomalies", "demo")
# A library a command needs that an extra installs -> that extra. msgspec reads telemetry (report, focus, reconcile,
# forecast, anomalies): a core dependency on CPython, so missing only elsewhere or without dependencies; pyarrow reads
# and writes Parquet.
EXTRA_OF = {"msgspec": "finops", "pyarrow": "parquet"}


class MissingExtra(click.ClickException):
    """A command run without the extra it needs: the exact install command, exit 2, no traceback."""

    exit_code = 2

    def __init__(self, command: str, library: str) -> None:
        super().__init__(f"otel-aicost {command} needs {library}: pip install 'otel-aicost[{EXTRA_OF[library]}]'")


def _needs_extra(name: str, library: str) -> click.Command:
    """Stands in for a command whose module cannot load without an extra: listed in --help, says what to install."""

    def run() -> None:
        raise MissingExtra(name, library)

    return click.Command(
        name,
        callback=run,
        help=f"(needs the '{EXTRA_OF[library]}' extra: pip install 'otel-aicost[{EXTRA_OF[library]}]')",
        add_help_option=False,
        context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    )


class _Commands(click.Group):
    """Commands load lazily so that `otel-aicost --help` stays fast and one broken extra cannot break the others."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return [name for name in COMMANDS if self.get_command(ctx, name) is not None]

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        try:
            module = self._module(name)
        except ModuleNotFoundError as error:
            if error.name not in EXTRA_OF:
                raise
            return _needs_extra(name, error.name)
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

    def invoke(self, ctx: click.Context) -> Any:
        """Bad input is a ``ClickException`` (a clear line, exit 2); anything else is a bug of ours: one line that
        says so, exit 1, and the traceback only with ``--debug``."""
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except ModuleNotFoundError as error:  # an extra's library imported late, inside a command
            if error.name not in EXTRA_OF or ctx.params.get("debug"):
                raise
            raise MissingExtra(ctx.invoked_subcommand or "", error.name) from None
        except Exception as error:  # noqa: BLE001 - turned into one line, or re-raised with --debug
            if ctx.params.get("debug"):
                raise
            from otel_aicost.cost.shipped import ShippedDataError

            if isinstance(error, ShippedDataError):  # a broken install, not a bug: the message names the file
                click.echo(f"otel-aicost: {error}", err=True)
                ctx.exit(1)
            text = str(error).splitlines()[0][:200] if str(error) else ""
            click.echo(
                f"otel-aicost: internal error ({type(error).__name__}{': ' + text if text else ''}). This is a bug: "
                "please report it with the output of the same command run as 'otel-aicost --debug ...'.",
                err=True,
            )
            ctx.exit(1)


def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    """``--version``: the package version and the date of the price data it ships (prices are never fetched)."""
    if not value or ctx.resilient_parsing:
        return
    from otel_aicost.cost.pricing import azure_prices, openai_prices
    from otel_aicost.cost.shipped import ShippedDataError

    click.echo(f"otel-aicost, version {__version__}")
    try:
        click.echo(
            f"price data: Azure retail prices of {azure_prices.snapshot_date()}; OpenAI list prices: genai-prices "
            f"{openai_prices.version()} (latest price change {openai_prices.latest_price_change()})"
        )
    except ShippedDataError as error:  # a broken install: say which file, not a traceback
        click.echo(f"otel-aicost: {error}", err=True)
        ctx.exit(1)
    ctx.exit()


@click.group(cls=_Commands)
@click.option("--version", is_flag=True, expose_value=False, is_eager=True, callback=_show_version,
              help="Show the version and the date of the shipped price data, then exit.")  # fmt: skip
@click.option("--debug", is_flag=True, help="Show the full traceback of an unexpected error.")
def main(debug: bool) -> None:
    """Exact cost for every OpenAI and Azure OpenAI call: prices, estimates, reports and FOCUS export."""
