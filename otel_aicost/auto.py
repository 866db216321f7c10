"""``import otel_aicost.auto``: one line, and every OpenAI call of this process is traced, measured and priced."""

from otel_aicost.export.configure import configure

instrumentor = configure()
