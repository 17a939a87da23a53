"""The names we emit, pinned to one version of the OpenTelemetry GenAI semantic conventions.

We follow the GenAI conventions (status: Development) of **OpenTelemetry Semantic
Conventions v1.41.0**, the last release before they moved to their own repository; the
spans and metrics follow its `gen-ai-agent-spans.md`, `gen-ai-spans.md` and
`gen-ai-metrics.md`. Spelled out here rather than imported, because the semantic-conventions
package marks these names as moved and may drop them; the tracer and meter carry the
matching schema URL. Names of our own live under `orchestrate.`.
"""

from __future__ import annotations

from typing import Final

SEMCONV_VERSION: Final = "1.41.0"
SCHEMA_URL: Final = f"https://opentelemetry.io/schemas/{SEMCONV_VERSION}"
INSTRUMENTATION: Final = "orchestrate"

# -- span names and operations (gen_ai.operation.name) --------------------------------------
INVOKE_WORKFLOW: Final = "invoke_workflow"  # the run of one item: `invoke_workflow orchestrate`
INVOKE_AGENT: Final = "invoke_agent"  # one role run: `invoke_agent dev`
CHAT: Final = "chat"  # one model call (one attempt): `chat gpt-5.3-codex`
WORKFLOW_NAME: Final = "orchestrate"

# -- GenAI attributes ---------------------------------------------------------------------
OPERATION_NAME: Final = "gen_ai.operation.name"
PROVIDER_NAME: Final = "gen_ai.provider.name"
AGENT_NAME: Final = "gen_ai.agent.name"
WORKFLOW: Final = "gen_ai.workflow.name"
REQUEST_MODEL: Final = "gen_ai.request.model"
RESPONSE_MODEL: Final = "gen_ai.response.model"
OUTPUT_TYPE: Final = "gen_ai.output.type"
INPUT_TOKENS: Final = "gen_ai.usage.input_tokens"
OUTPUT_TOKENS: Final = "gen_ai.usage.output_tokens"
TOKEN_TYPE: Final = "gen_ai.token.type"
SYSTEM_INSTRUCTIONS: Final = "gen_ai.system_instructions"  # opt-in content
INPUT_MESSAGES: Final = "gen_ai.input.messages"  # opt-in content
OUTPUT_MESSAGES: Final = "gen_ai.output.messages"  # opt-in content
ERROR_TYPE: Final = "error.type"

# -- ours -----------------------------------------------------------------------------------
REQUEST_ID: Final = "orchestrate.request.id"
KIND: Final = "orchestrate.item.kind"
STATE: Final = "orchestrate.item.state"
LEDGER_SEQ: Final = "orchestrate.ledger.seq"  # the ledger event that records this step
ROUND: Final = "orchestrate.role.round"
RUNTIME: Final = "orchestrate.runtime"  # our runtime name (codex, claude-code, mock, ...)
ATTEMPTS: Final = "orchestrate.attempts"
RESUMED: Final = "orchestrate.resumed"
EVENT_PREFIX: Final = "orchestrate."  # span events: orchestrate.runtime_retry, ...

# -- metrics (gen-ai-metrics.md) ------------------------------------------------------------
TOKEN_USAGE: Final = "gen_ai.client.token.usage"
OPERATION_DURATION: Final = "gen_ai.client.operation.duration"
TOKEN_BUCKETS: Final = (
    1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864,
)  # fmt: skip
DURATION_BUCKETS: Final = (
    0.01, 0.02, 0.04, 0.08, 0.16, 0.32, 0.64, 1.28, 2.56, 5.12, 10.24, 20.48, 40.96, 81.92,
)  # fmt: skip

# gen_ai.provider.name by runtime: the well-known values where one applies, else our name
_PROVIDERS: Final = {
    "claude": "anthropic",
    "claude-code": "anthropic",
    "codex": "openai",
    "codex-cli": "openai",
    "copilot": "github",
    "copilot-cli": "github",
}


def provider(runtime: str) -> str:
    return _PROVIDERS.get(runtime, runtime)
