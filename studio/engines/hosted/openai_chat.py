"""Planning through any server that speaks OpenAI's chat completions API.

`https://api.openai.com/v1` (paid, with the creator's OpenAI key) or a model the
creator runs: Ollama (`http://localhost:11434/v1`), the llama.cpp server
(`http://localhost:8080/v1`), vLLM, LM Studio (`http://localhost:1234/v1`). Those
are on this machine or the local network, so they are free (the price list's rule
for every hosted engine) and need no key.

The reply is asked for as `response_format: json_schema` (strict). A server or
gateway that refuses that field (HTTP 400/422 naming it) is asked again at once
with `json_object`, and the studio validates the JSON itself; the engine remembers
that for the next call. A model the server does not know is named in a sentence
with the server's own `/models` list.
"""

from __future__ import annotations

import json

from studio.engines.base import TaskState
from studio.engines.hosted.http import HostedError, MalformedReply
from studio.engines.hosted.openai_compat import OpenAICompatible, _json, _malformed
from studio.engines.planning import Completion, PlanRequest
from studio.money.prices import Quote, Usage
from studio.errors import EngineError


class PlanningEngine:
    """What both planning engines share: their request, quote and the sentence for an unknown model."""

    task = "plan"
    kind = "planning"
    max_tokens = 4096
    context_tokens = 128_000  # what the model reads at once; a script beyond it is refused

    def request(self, system: str, user: str, schema: dict, max_tokens: int | None = None) -> PlanRequest:
        return PlanRequest(self.id, self.model_name, system, user, schema, max_tokens=int(max_tokens or self.max_tokens))

    def usage(self, request: PlanRequest) -> Usage:
        return request.estimated_usage()

    def expected_seconds(self, request: PlanRequest) -> float:
        return 5.0 + request.max_tokens / 60.0

    def quote(self, request: PlanRequest) -> Quote:
        usage = self.usage(request)
        return Quote(self.charge(request.model, usage), usage, self.paid)

    def reported(self, request: PlanRequest, usage: Usage | None, **info) -> dict:
        """The info of a completed call: the provider's usage at the price list's rate."""
        if usage is None:  # nothing reported: the estimate stands in, so the budget is not fooled
            usage, source = request.estimated_usage(), "estimate (no usage reported)"
        else:
            source = "provider usage"
        charged = self.charge(request.model, usage)
        return dict(info, host=self.host, model=request.model, usage=usage.to_dict(), charged=str(charged),
                    charge_source=source if self.paid else "free")

    def unknown_model(self, exc: HostedError, state: TaskState) -> EngineError:
        listed = self.server_models(state)
        offers = f"it offers {', '.join(listed[:20])}" if listed else "it did not list the models it has"
        return EngineError(
            f"{self.client.name} does not know the model '{self.model_name}' ({offers}): set model under "
            f"[engines.{self.id}] in stitch.toml to one of them.",
            detail=exc.detail,
        )

    def server_models(self, state: TaskState) -> list[str]:
        try:
            reply = self.client.call("GET", "models", state)
            items = json.loads(reply.body.decode("utf-8")).get("data", [])
            return sorted(str(item["id"]) for item in items if isinstance(item, dict) and "id" in item)
        except (HostedError, ValueError, AttributeError, UnicodeDecodeError):
            return []


def says_model_unknown(exc: HostedError) -> bool:
    text = f"{exc.message} {exc.detail}".lower()
    return exc.status in (400, 404) and "model" in text and any(
        w in text for w in ("not found", "does not exist", "model_not_found", "unknown model", "not_found_error", "try pulling"))


class OpenAIChatPlanner(PlanningEngine, OpenAICompatible):
    """`/chat/completions` with a JSON schema: the plan as one JSON object."""

    id = "openai-chat"
    label = "OpenAI-compatible chat (planning)"
    default_model = "gpt-4.1-mini"

    def __init__(self, store=None, *, max_tokens: int = 4096, context_tokens: int = 128_000,
                 json_schema: bool = True, temperature: float = 0.2, **kw):
        super().__init__(store, **kw)
        self.max_tokens = int(max_tokens)
        self.context_tokens = int(context_tokens)
        self.use_schema = bool(json_schema)  # False once a server refused it
        self.temperature = float(temperature)

    def plan(self, request: PlanRequest, state: TaskState) -> Completion:
        body = {
            "model": request.model,
            "messages": [{"role": "system", "content": request.system}] + request.messages(),
            "max_tokens": request.max_tokens,
            "temperature": self.temperature,
        }
        state.set_progress(0.05, f"Waiting for {self.client.name}")
        mode = "json_schema" if self.use_schema else "json_object"
        try:
            reply = self.client.call("POST", "chat/completions", state, json=_with_format(body, mode, request))
        except HostedError as exc:
            if says_model_unknown(exc):
                raise self.unknown_model(exc, state) from None
            if mode != "json_schema" or not _refuses_schema(exc):
                raise
            # A gateway or older server that does not take json_schema: JSON mode, validated here.
            self.use_schema, mode = False, "json_object"
            reply = self.client.call("POST", "chat/completions", state, json=_with_format(body, mode, request))
        data = _json(reply, self.client.name, "a chat completion")
        choices = data.get("choices")
        message = choices[0].get("message") if isinstance(choices, list) and choices and isinstance(choices[0], dict) else None
        if not isinstance(message, dict):
            raise _malformed(self.client.name, "a chat completion without a message")
        if message.get("refusal"):
            raise EngineError(f"{self.client.name} declined to plan this script ({str(message['refusal'])[:200]}).")
        text = message.get("content")
        if not isinstance(text, str):
            raise _malformed(self.client.name, "a message without text")
        state.set_progress(1.0, "Plan received")
        info = self.reported(request, _usage(data.get("usage")), attempts=reply.attempts, mode=mode,
                             finish=str(choices[0].get("finish_reason", "")))
        return Completion(text, Usage.from_dict(info["usage"]), info)


def _with_format(body: dict, mode: str, request: PlanRequest) -> dict:
    if mode == "json_schema":
        fmt = {"type": "json_schema", "json_schema": {"name": request.schema_name, "schema": request.schema, "strict": True}}
    else:
        fmt = {"type": "json_object"}
    return {**body, "response_format": fmt}


def _refuses_schema(exc: HostedError) -> bool:
    text = f"{exc.message} {exc.detail}".lower()
    return exc.status in (400, 422) and any(w in text for w in ("response_format", "json_schema", "schema"))


def _usage(figures) -> Usage | None:
    """OpenAI's `usage`: prompt_tokens, completion_tokens, prompt_tokens_details.cached_tokens."""
    if not isinstance(figures, dict):
        return None
    try:
        details = figures.get("prompt_tokens_details") or {}
        return Usage(input_tokens=int(figures.get("prompt_tokens", 0)), output_tokens=int(figures.get("completion_tokens", 0)),
                     cached_tokens=int(details.get("cached_tokens", 0) if isinstance(details, dict) else 0))
    except (TypeError, ValueError):
        return None


__all__ = ["OpenAIChatPlanner", "PlanningEngine", "MalformedReply"]
