"""Azure OpenAI: calls to deployments declared in aicost.toml, priced by their model and deployment type."""

import os
from pathlib import Path

# Before the import that configures otel-aicost: use this folder's aicost.toml unless you chose another file.
os.environ.setdefault("OTEL_AICOST_CONFIG", str(Path(__file__).with_name("aicost.toml")))

import otel_aicost.auto  # noqa: E402,F401
from openai import AzureOpenAI  # noqa: E402

from otel_aicost import allocate  # noqa: E402
from otel_aicost.demo import fake_openai_unless_configured  # noqa: E402

# The loopback fake serves these deployments (a real resource has its own); unused when AZURE_OPENAI_ENDPOINT is set.
FAKE_DEPLOYMENTS = {"chat-prod": "gpt-4o", "embed-prod": "text-embedding-3-small"}

with fake_openai_unless_configured(azure=True, deployments=FAKE_DEPLOYMENTS):  # see README.md
    client = AzureOpenAI()  # AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY, OPENAI_API_VERSION
    with allocate(team="support", cost_center="cc-1042"):
        reply = client.chat.completions.create(
            model="chat-prod", messages=[{"role": "user", "content": "Summarise our refund policy."}]
        )
        vectors = client.embeddings.create(model="embed-prod", input=["refund policy", "returns"])
    print(f"chat-prod answered with {reply.model}: {reply.usage.total_tokens} tokens")
    print(f"embed-prod embedded {len(vectors.data)} texts: {vectors.usage.prompt_tokens} tokens")
