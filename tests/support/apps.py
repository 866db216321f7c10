"""Small applications run in a subprocess, the way a user runs theirs: the loopback fake as their OpenAI."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CHAT_APP = '''
import sys
{imports}
import openai
from otel_aicost.demo import FakeOpenAI

with FakeOpenAI() as server:
    client = openai.OpenAI(base_url=server.base_url, api_key="sk-app-secret-key-123", max_retries=0)
    client.chat.completions.create(model="gpt-4o-mini", messages=[{{"role": "user", "content": "PROMPT-XYZZY"}}])
    stream = client.chat.completions.create(model="gpt-4o", messages=[{{"role": "user", "content": "hi"}}],
                                            stream=True)
    print("".join(c.choices[0].delta.content or "" for c in stream if c.choices))
'''


def write_app(directory: Path, imports: str = "import otel_aicost.auto") -> Path:
    path = directory / "app.py"
    path.write_text(CHAT_APP.format(imports=imports))
    return path


def environment(env: dict[str, str] | None = None) -> dict[str, str]:
    """A clean environment: no OTEL_* from the test process, our internal-error switch off; ``env`` on top."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("OTEL_", "APPLICATIONINSIGHTS_"))}
    clean.update(env or {})
    clean["PYTHONPATH"] = os.pathsep.join([str(Path(__file__).resolve().parents[2]), clean.get("PYTHONPATH", "")])
    return clean


def run(args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run with a clean environment (see ``environment``)."""
    return subprocess.run(args, cwd=cwd, env=environment(env), capture_output=True, text=True, timeout=timeout)


def python(*args: str) -> list[str]:
    return [sys.executable, *args]


def script(name: str) -> str:
    """A console script installed next to this interpreter (e.g. ``opentelemetry-instrument``)."""
    return str(Path(sys.executable).with_name(name))
