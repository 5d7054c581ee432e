"""Planning through Anthropic's Messages API (`POST /v1/messages`).

The plan comes back as the input of one tool whose `input_schema` is the plan's
schema, with `tool_choice` naming that tool, so the model answers with a JSON
object and nothing else. The key (`x-api-key`) comes from ANTHROPIC_API_KEY or the
OS keyring and goes only to Anthropic's own host. Usage as Anthropic reports it:
`input_tokens` (not counting cache reads), `cache_read_input_tokens`,
`cache_creation_input_tokens`, `output_tokens`.
"""

from __future__ import annotations

import json

from studio.engines.base import TaskState
from studio.engines.hosted import HostedEngine
from studio.engines.hosted.http import HostedError
from studio.engines.hosted.openai_chat import PlanningEngine, says_model_unknown
from studio.engines.hosted.openai_compat import _json, _malformed
from studio.engines.planning import Completion, PlanRequest
from studio.money.prices import Usage
from studio.errors import EngineError

ANTHROPIC_URL = "https://api.anthropic.com/v1"
API_VERSION = "2023-06-01"
TOOL = "submit_plan"


class AnthropicPlanner(PlanningEngine, HostedEngine):
    id = "anthropic"
    label = "Anthropic Claude (planning)"
    default_model = "claude-sonnet-4-5"
    provider_host = "api.anthropic.com"
    provider_name = "Anthropic"
    key_for_provider = "anthropic"
    key_for_others = "anthropic-compatible"
    default_url_env = "STITCH_ANTHROPIC_BASE_URL"
    default_url = ANTHROPIC_URL

    def __init__(self, store=None, *, max_tokens: int = 4096, context_tokens: int = 200_000,
                 temperature: float = 0.2, **kw):
        super().__init__(store, **kw)
        self.max_tokens = int(max_tokens)
        self.context_tokens = int(context_tokens)
        self.temperature = float(temperature)

    def auth_headers(self, key: str) -> dict:
        return {"x-api-key": key, "anthropic-version": API_VERSION}

    def plan(self, request: PlanRequest, state: TaskState) -> Completion:
        body = {
            "model": request.model,
            "max_tokens": request.max_tokens,
            "temperature": self.temperature,
            "system": request.system,
            "messages": request.messages(),
            "tools": [{"name": TOOL, "description": "Hand the studio the plan for this script.",
                       "input_schema": request.schema}],
            "tool_choice": {"type": "tool", "name": TOOL},
        }
        state.set_progress(0.05, f"Waiting for {self.client.name}")
        try:
            reply = self.client.call("POST", "messages", state, json=body)
        except HostedError as exc:
            if says_model_unknown(exc):
                raise self.unknown_model(exc, state) from None
            raise
        data = _json(reply, self.client.name, "a message")
        blocks = data.get("content")
        if not isinstance(blocks, list):
            raise _malformed(self.client.name, "a message without content")
        used = next((b for b in blocks if isinstance(b, dict) and b.get("type") == "tool_use" and b.get("name") == TOOL), None)
        if used is not None and isinstance(used.get("input"), dict):
            text = json.dumps(used["input"], ensure_ascii=False)
        else:  # no tool call: whatever text it wrote is parsed (and checked) like any reply
            text = "".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict) and b.get("type") == "text")
            if not text.strip():
                raise EngineError(f"{self.client.name} answered without a plan (stop reason: "
                                  f"{data.get('stop_reason', 'none given')}): try again, or give it more room (max_tokens).")
        state.set_progress(1.0, "Plan received")
        info = self.reported(request, _usage(data.get("usage")), attempts=reply.attempts, mode="tool",
                             finish=str(data.get("stop_reason", "")))
        return Completion(text, Usage.from_dict(info["usage"]), info)


def _usage(figures) -> Usage | None:
    if not isinstance(figures, dict):
        return None
    try:
        cached = int(figures.get("cache_read_input_tokens") or 0)
        created = int(figures.get("cache_creation_input_tokens") or 0)
        return Usage(input_tokens=int(figures.get("input_tokens", 0)) + cached + created,
                     output_tokens=int(figures.get("output_tokens", 0)), cached_tokens=cached)
    except (TypeError, ValueError):
        return None
