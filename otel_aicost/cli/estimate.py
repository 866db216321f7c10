"""``otel-aicost estimate --model M (--file F | --text T)``: what a call would cost at most, before sending it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from otel_aicost.cost.pricer import Pricer
from otel_aicost.cost.estimate import estimate_cost
from otel_aicost.cli._pricing_common import DEPLOYMENT_TYPE, BadInput, emit, money, settings, unknown_model


@click.command("estimate")
@click.option("--model", "-m", required=True, help="Model to price, e.g. gpt-4o-mini.")
@click.option(
    "--file",
    "-f",
    "file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help='Prompt text, or JSON: a list of chat messages or {"messages": [...], "tools": [...]}.',
)
@click.option("--text", "-t", help="Prompt text (sent as one user message).")
@click.option("--max-output", type=click.IntRange(min=0), help="Output tokens to allow for (worst case).")
@click.option("--deployment-type", type=DEPLOYMENT_TYPE, help="Azure deployment type to price for.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
def command(
    model: str, file: Path | None, text: str | None, max_output: int | None, deployment_type: str | None, as_json: bool
) -> None:
    """Count the prompt's tokens with tiktoken (offline) and price the worst case: no cache hits, and
    --max-output output tokens (without it, the output is not counted: the total is the input's cost).
    Embeddings models count the raw text, as the API bills it."""
    if (file is None) == (text is None):
        raise click.UsageError("give exactly one of --file or --text")
    embeddings = "embedding" in model.lower()
    if embeddings and file is not None and file.suffix.lower() == ".json":
        raise click.UsageError("embeddings input is text: give --text or a text file, not chat messages (.json)")
    if embeddings:  # the raw input is what embeddings bill: no chat framing
        request: dict[str, Any] = {"prompt": text if text is not None else _read_text(file)}  # type: ignore[arg-type]
    else:
        messages, tools = _read(file) if file is not None else ([{"role": "user", "content": text}], None)
        request = {"messages": messages, "tools": tools}
    pricer = Pricer(settings())
    try:
        estimate = estimate_cost(
            model, **request, max_output_tokens=max_output, deployment_type=deployment_type, pricer=pricer
        )
    except ValueError as error:
        raise BadInput(str(error)) from None
    if estimate.status == "unknown_model":
        from otel_aicost.cli.prices import known_names

        raise unknown_model(model, known_names(pricer))
    row = {
        "model": estimate.model,
        "priced_as": estimate.pricing_model,
        "status": estimate.status,
        "input_tokens": estimate.input_tokens,
        "max_output_tokens": estimate.max_output_tokens,
        "input_cost": money(estimate.input_cost),
        "max_output_cost": money(estimate.max_output_cost) if max_output is not None and not embeddings else None,
        "total": money(estimate.total),
        "excludes": _excluded(embeddings, max_output),
        "currency": estimate.currency,
        "source": estimate.source,
    }
    if as_json:
        emit([row], "json", list(row))
        return
    width = max(len(key) for key in row)
    for key, value in row.items():
        if value is not None:
            click.echo(f"{key.ljust(width)}  {value}")


def _excluded(embeddings: bool, max_output: int | None) -> str | None:
    """What the total leaves out, said plainly (None when it is the whole worst case)."""
    if embeddings:
        return None  # embeddings bill their input only
    if max_output is None:
        return "output tokens: not counted; pass --max-output N for the worst case with N output tokens"
    return None


def _read_text(file: Path) -> str:
    try:
        return file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise BadInput(f"{file}: cannot read as UTF-8 text: {error}") from None


def _read(file: Path) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None]:
    content = _read_text(file)
    if file.suffix.lower() == ".json":
        try:
            data = json.loads(content)
        except json.JSONDecodeError as error:
            raise BadInput(f"{file}: not valid JSON: {error}") from None
        if isinstance(data, dict) and isinstance(data.get("messages"), list):
            tools = data.get("tools")
            return data["messages"], tools if isinstance(tools, list) else None
        if isinstance(data, list) and all(isinstance(item, dict) for item in data):
            return data, None
        raise BadInput(f"{file}: expected a list of chat messages or an object with 'messages'")
    return [{"role": "user", "content": content}], None
