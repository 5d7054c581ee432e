"""Fake planning servers on 127.0.0.1: OpenAI-compatible chat completions and Anthropic Messages.

They speak the real wire formats (request bodies checked, replies shaped as the
APIs document them, usage figures included), answer with scripted reply texts
(`fake.replies.append(text)`), and can behave like a gateway that refuses
`response_format: json_schema`, or a server that knows only some models.
"""

from __future__ import annotations

import json
from collections import deque

from hosted.fakes import FakeService, Fault  # noqa: F401  (Fault: for the tests' fault scripts)


def good_reply(project, *, speed_line: int = 0, word: str = "Kokoro", say: str = "KOH-koh-roh", style: str = "watercolour") -> dict:
    """A plan for `project` that changes one prompt per scene, one word, one line's speed."""
    lines = project.lines
    return {
        "style": style,
        "scenes": [{"scene_id": s.id, "prompt": f"a calm picture of {s.title.lower() or 'the start'}, {style}",
                    "negative_prompt": "text, watermark"} for s in project.scenes],
        "pronunciations": [{"word": word, "say": say}],
        "lines": [{"line_id": lines[speed_line].id, "speed": 0.9, "pause_after": 0.5, "voice": None}],
        "splits": [],
        "merges": [],
        "notes": [{"line_id": lines[0].id, "kind": "hook", "text": "The hook could come sooner."}],
    }


class FakeChat(FakeService):
    """`POST /v1/chat/completions`, `GET /v1/models`."""

    def __init__(self, key: str | None = None, *, models=("gpt-4.1-mini", "llama3.2"), reject_schema: bool = False,
                 usage: dict | None = None, ollama: bool = False):
        super().__init__(key)
        self.replies: deque[str] = deque()
        self.models = list(models)
        self.reject_schema = reject_schema
        self.usage = usage if usage is not None else {"prompt_tokens": 1200, "completion_tokens": 300,
                                                      "prompt_tokens_details": {"cached_tokens": 200}}
        self.ollama = ollama  # errors shaped like Ollama's

    def refuse_key(self, given):
        return 401, json.dumps({"error": {"message": "Incorrect API key provided.", "code": "invalid_api_key"}}).encode(), \
            "application/json", {}

    def answer(self, hit):
        if self.key is not None and self.key_given(hit) != self.key:
            return self.refuse_key(self.key_given(hit))
        if hit.path == "/v1/models" and hit.method == "GET":
            return 200, json.dumps({"object": "list", "data": [{"id": m, "object": "model"} for m in self.models]}).encode(), \
                "application/json", {}
        if hit.path != "/v1/chat/completions":
            return 404, b'{"error": {"message": "Unknown request URL"}}', "application/json", {}
        body = hit.json()
        assert {"model", "messages"} <= set(body), body
        assert body["messages"][0]["role"] == "system"
        if body["model"] not in self.models:
            if self.ollama:
                said = {"error": {"message": f'model "{body["model"]}" not found, try pulling it first', "type": "api_error"}}
            else:
                said = {"error": {"message": f"The model `{body['model']}` does not exist or you do not have access to it.",
                                  "type": "invalid_request_error", "code": "model_not_found"}}
            return 404, json.dumps(said).encode(), "application/json", {}
        fmt = body.get("response_format", {})
        if self.reject_schema and fmt.get("type") == "json_schema":
            said = {"error": {"message": "Invalid parameter: 'response_format' of type 'json_schema' is not supported "
                                         "with this model.", "type": "invalid_request_error", "param": "response_format"}}
            return 400, json.dumps(said).encode(), "application/json", {}
        if fmt.get("type") == "json_schema":
            schema = fmt["json_schema"]
            assert schema["strict"] is True and schema["schema"]["additionalProperties"] is False
        text = self.replies.popleft() if self.replies else "{}"
        reply = {"id": "chatcmpl-1", "object": "chat.completion", "model": body["model"],
                 "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}]}
        if self.usage:
            reply["usage"] = {**self.usage, "total_tokens": self.usage.get("prompt_tokens", 0) + self.usage.get("completion_tokens", 0)}
        return 200, json.dumps(reply).encode(), "application/json", {}


class FakeAnthropic(FakeService):
    """`POST /v1/messages` with one forced tool; `GET /v1/models`."""

    key_header = "x-api-key"

    def __init__(self, key: str, *, models=("claude-sonnet-4-5",), as_text: bool = False):
        super().__init__(key)
        self.replies: deque[str] = deque()
        self.models = list(models)
        self.as_text = as_text  # answer in a text block instead of the tool

    def refuse_key(self, given):
        said = {"type": "error", "error": {"type": "authentication_error", "message": "invalid x-api-key"}}
        return 401, json.dumps(said).encode(), "application/json", {}

    def answer(self, hit):
        if self.key_given(hit) != self.key:
            return self.refuse_key(self.key_given(hit))
        assert hit.headers.get("anthropic-version") == "2023-06-01"
        if hit.path == "/v1/models":
            return 200, json.dumps({"data": [{"id": m, "type": "model"} for m in self.models]}).encode(), "application/json", {}
        if hit.path != "/v1/messages":
            return 404, b'{"type": "error", "error": {"type": "not_found_error", "message": "Not found"}}', "application/json", {}
        body = hit.json()
        if body["model"] not in self.models:
            said = {"type": "error", "error": {"type": "not_found_error", "message": f"model: {body['model']}"}}
            return 404, json.dumps(said).encode(), "application/json", {}
        assert body["tool_choice"] == {"type": "tool", "name": body["tools"][0]["name"]}
        assert body["tools"][0]["input_schema"]["type"] == "object"
        assert isinstance(body["system"], str) and body["max_tokens"] > 0
        text = self.replies.popleft() if self.replies else "{}"
        if self.as_text:
            content = [{"type": "text", "text": text}]
        else:
            try:
                content = [{"type": "tool_use", "id": "toolu_1", "name": body["tools"][0]["name"], "input": json.loads(text)}]
            except ValueError:
                content = [{"type": "text", "text": text}]
        reply = {"id": "msg_1", "type": "message", "role": "assistant", "model": body["model"], "content": content,
                 "stop_reason": "tool_use", "usage": {"input_tokens": 1000, "output_tokens": 400,
                                                      "cache_read_input_tokens": 100, "cache_creation_input_tokens": 0}}
        return 200, json.dumps(reply).encode(), "application/json", {}
