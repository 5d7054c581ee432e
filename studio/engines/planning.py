"""What a planning engine (a language model that plans the work) takes and gives back.

A `PlanRequest` is the whole call as a value: the system text, the creator's
project as a user message, the JSON schema the reply must follow, and the most
tokens the reply may take. Planning engines (`hosted/openai_chat.py`,
`hosted/anthropic.py`) turn it into their API's request and return a `Completion`:
the reply's text and what the provider said it used.

Tokens before the call are counted the simple way: about four characters of
English per token, rounded up, plus a few per message for the API's framing.
That is what providers' own rule of thumb says; the quote then prices the whole
`max_tokens` as output, so the budget is never under-estimated, and the ledger
records the provider's own figures once the call is done.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field

from studio.money.prices import Usage

CHARS_PER_TOKEN = 4
TOKENS_PER_MESSAGE = 4


def count_tokens(text: str) -> int:
    """About how many tokens `text` is: ceil(characters / 4)."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


@dataclass(frozen=True)
class PlanRequest:
    engine: str
    model: str
    system: str
    user: str
    schema: dict = field(hash=False, compare=False, default_factory=dict)
    schema_name: str = "stitch_plan"
    max_tokens: int = 4096
    retry_of: str = ""  # the earlier reply and its errors, when the model is asked again
    task: str = "plan"

    def messages(self) -> list[dict]:
        said = [{"role": "user", "content": self.user}]
        if self.retry_of:
            said += [{"role": "assistant", "content": self.retry_of.split("\n\x00\n")[0]},
                     {"role": "user", "content": self.retry_of.split("\n\x00\n")[-1]}]
        return said

    def input_tokens(self) -> int:
        texts = [self.system, json.dumps(self.schema)] + [m["content"] for m in self.messages()]
        return sum(count_tokens(t) for t in texts) + TOKENS_PER_MESSAGE * (len(texts))

    def estimated_usage(self) -> Usage:
        """What the call may use at most: the prompt as counted, and the whole `max_tokens` back."""
        return Usage(input_tokens=self.input_tokens(), output_tokens=int(self.max_tokens))

    def cache_key(self) -> str:
        data = json.dumps([self.engine, self.model, self.system, self.user, self.retry_of, self.max_tokens])
        return hashlib.sha256(data.encode("utf-8")).hexdigest()

    def asking_again(self, reply: str, errors: str) -> "PlanRequest":
        """The same request, with the model's reply and what was wrong with it."""
        from dataclasses import replace

        return replace(self, retry_of=f"{reply}\n\x00\n{errors}")


@dataclass
class Completion:
    """A planning engine's reply: its text (JSON, perhaps wrapped) and what the provider reported."""

    text: str
    usage: Usage
    info: dict = field(default_factory=dict)  # charged, charge_source, host, attempts, model, mode
