"""A plan asked of fake OpenAI-compatible and Anthropic servers: parsing, asking again, costs, failures."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from studio.engines.base import NullState
from studio.engines.hosted.http import HostedError, KeyRefused, Retries, Timeouts, Unreachable
from studio.errors import EngineError
from studio.money.ledger import BudgetExceeded, Ledger
from studio.plan.parse import BadReply, parse_reply, unwrap
from studio.plan.prompt import PlanRefused
from studio.plan.run import make_plan, quote_plan

from .conftest import chat_engine, claude_engine
from .fakes import FakeChat, Fault, good_reply


def plan_entries(project):
    return [e for e in Ledger(project.folder).entries() if e.task == "plan"]


def test_unwrap_takes_off_fences_and_reasoning():
    body = '{"style": "ink"}'
    assert unwrap(f"```json\n{body}\n```") == body
    assert unwrap(f"<think>The user wants {{a plan}}. Let me think.</think>\n\n{body}") == body
    assert unwrap(f"<think>hmm</think>Here is the plan:\n```\n{body}\n```\nEnjoy!") == body
    assert unwrap(f"Sure! {body} Hope it helps.") == body
    assert parse_reply(f"<think>x</think>```json\n{body}\n```").style == "ink"


def test_a_local_server_plans_for_free_and_the_ledger_says_so(project, registry, chat):
    chat.replies.append(json.dumps(good_reply(project)))
    engine = chat_engine(chat)
    quote = quote_plan(project, registry, engine)
    assert not quote.paid and quote.money == 0 and "free" in quote.sentence()
    plan = make_plan(project, registry, engine=engine, quote=quote)
    assert len(plan.reply.scenes) == 3 and plan.reply.pronunciations[0].say == "KOH-koh-roh"
    assert plan.dropped == [] and plan.charged == "0.000000"
    body = chat.hits[-1].json()
    assert body["response_format"]["type"] == "json_schema"
    sent = body["messages"][1]["content"]
    for line in project.lines:  # every line, with its id, reached the model
        assert line.id in sent and line.text in sent
    [entry] = plan_entries(project)
    assert entry.charged == 0 and entry.charge_source == "free" and entry.status == "done"
    assert entry.usage == {"input_tokens": 1200, "output_tokens": 300, "cached_tokens": 200}


def test_a_paid_plan_is_quoted_held_in_the_budget_and_charged_by_the_providers_usage(project, registry, chat, paid):
    project.manifest.budget = 1.0
    chat.replies.append(json.dumps(good_reply(project)))
    engine = chat_engine(chat)
    quote = quote_plan(project, registry, engine)
    # Quoted from the prompt (about 4 characters a token) with the whole max_tokens as output.
    assert quote.paid and quote.input_tokens > 200
    expected = (Decimal(quote.input_tokens) * Decimal("0.40") + Decimal(4096) * Decimal("1.60")) / 1_000_000
    assert quote.money == expected.quantize(Decimal("0.000001"))
    plan = make_plan(project, registry, engine=engine, quote=quote)
    # 1000 tokens at $0.40/M, 200 cached at $0.10/M, 300 out at $1.60/M.
    assert Decimal(plan.charged) == Decimal("0.0009")
    [entry] = plan_entries(project)
    assert entry.charged == Decimal("0.0009") and entry.charge_source == "provider usage"
    assert entry.estimated == quote.money and entry.tier == "final"


def test_a_plan_over_the_budget_sends_nothing(project, registry, chat, paid):
    project.manifest.budget = 0.001
    with pytest.raises(BudgetExceeded):
        make_plan(project, registry, engine=chat_engine(chat))
    assert chat.hits == [] and plan_entries(project) == []


def test_fenced_json_and_think_blocks_are_read(project, registry, chat):
    chat.replies.append("<think>\nThe user wants a calm plan.\n</think>\n```json\n" + json.dumps(good_reply(project)) + "\n```")
    plan = make_plan(project, registry, engine=chat_engine(chat))
    assert plan.reply.style == "watercolour" and len(chat.hits) == 1


def test_a_malformed_reply_is_sent_back_once_with_its_problems(project, registry, chat):
    chat.replies.extend(['{"style": "ink", "scenes": [', json.dumps(good_reply(project))])
    plan = make_plan(project, registry, engine=chat_engine(chat))
    assert plan.reply.style == "watercolour"
    second = chat.hits[-1].json()["messages"]
    assert second[-2] == {"role": "assistant", "content": '{"style": "ink", "scenes": ['}
    assert "not valid JSON" in second[-1]["content"]
    assert len(plan_entries(project)) == 2  # each call is on the ledger


def test_two_bad_replies_refuse_the_plan_with_a_sentence(project, registry, chat):
    long = good_reply(project)
    long["scenes"][0]["prompt"] = "x" * 700
    chat.replies.extend([json.dumps(long), json.dumps(long)])
    with pytest.raises(PlanRefused) as caught:
        make_plan(project, registry, engine=chat_engine(chat))
    assert "asked twice" in caught.value.message and "scenes.0.prompt" in caught.value.message
    assert "nothing was applied" in caught.value.message
    assert "600 characters" in chat.hits[-1].json()["messages"][-1]["content"]


def test_a_pronunciation_the_dictionary_cannot_take_is_a_schema_violation(project):
    reply = good_reply(project, say="<say-as>koko</say-as>")
    with pytest.raises(BadReply) as caught:
        parse_reply(json.dumps(reply))
    assert "pronunciations.0.say" in caught.value.problems[0]
    assert parse_reply(json.dumps(good_reply(project, say="/kˈOkəɹO/"))).pronunciations[0].say == "/kˈOkəɹO/"


def test_a_gateway_that_refuses_json_schema_gets_json_mode(project, registry):
    with FakeChat(reject_schema=True) as fake:
        fake.replies.append(json.dumps(good_reply(project)))
        engine = chat_engine(fake)
        plan = make_plan(project, registry, engine=engine)
        assert [h.json()["response_format"]["type"] for h in fake.hits] == ["json_schema", "json_object"]
        assert plan.reply.style == "watercolour" and engine.use_schema is False
        [entry] = plan_entries(project)  # the refused try cost nothing and is not a second entry
        assert entry.status == "done"


@pytest.mark.parametrize("ollama", [False, True])
def test_a_model_the_server_does_not_know_is_named_with_the_servers_list(project, registry, ollama):
    with FakeChat(models=("llama3.2", "qwen2.5:7b"), ollama=ollama) as fake:
        with pytest.raises(EngineError) as caught:
            make_plan(project, registry, engine=chat_engine(fake, model="gpt-5-imaginary"))
    said = caught.value.message
    assert "gpt-5-imaginary" in said and "llama3.2, qwen2.5:7b" in said and "[engines.openai-chat]" in said


def test_unknown_ids_and_voices_are_dropped_and_reported(project, registry, chat):
    reply = good_reply(project)
    reply["scenes"].append({"scene_id": "nope", "prompt": "a cat", "negative_prompt": ""})
    reply["lines"].append({"line_id": "ghost", "speed": 1.2, "pause_after": None, "voice": None})
    reply["lines"].append({"line_id": project.lines[1].id, "speed": None, "pause_after": None, "voice": "zz_unknown"})
    chat.replies.append(json.dumps(reply))
    plan = make_plan(project, registry, engine=chat_engine(chat))
    assert {s.scene_id for s in plan.reply.scenes} == {s.id for s in project.scenes}
    assert "ghost" not in {line.line_id for line in plan.reply.lines}
    assert len(plan.dropped) == 3
    assert any("'nope'" in d for d in plan.dropped) and any("zz_unknown" in d for d in plan.dropped)


def test_an_empty_script_and_a_huge_one_are_refused_before_any_call(tmp_path, registry, chat):
    from studio.project.project import Project

    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "script.md").write_text("# Nothing yet\n", encoding="utf-8")
    with pytest.raises(PlanRefused, match="no lines to plan"):
        make_plan(Project.open(empty), registry, engine=chat_engine(chat))
    big = tmp_path / "big"
    big.mkdir()
    (big / "script.md").write_text("# One\n\n" + "\n\n".join(f"Line number {n} of the long script." for n in range(2000)),
                                   encoding="utf-8")
    with pytest.raises(PlanRefused) as caught:
        make_plan(Project.open(big), registry, engine=chat_engine(chat))
    # One scene of 2,000 lines: more than one reply can plan, and a scene is never cut (test_plan_long.py).
    assert "2,000 lines" in caught.value.message and "max_tokens" in caught.value.message
    assert chat.hits == []


def test_a_context_window_too_small_is_refused_naming_it(project, registry, chat):
    with pytest.raises(PlanRefused, match="reads at once"):
        make_plan(project, registry, engine=chat_engine(chat, context_tokens=3000))
    assert chat.hits == []


@pytest.mark.parametrize("fault, kind, words", [
    (Fault(status=401), KeyRefused, "refused the API key"),
    (Fault(status=403), KeyRefused, "does not let this API key"),
    (Fault(status=500), HostedError, "server error"),
])
def test_failures_are_sentences_and_cost_nothing(project, registry, paid, fault, kind, words):
    project.manifest.budget = 1.0
    with FakeChat() as fake:
        fake.script(*[fault] * 3)
        with pytest.raises(kind) as caught:
            make_plan(project, registry, engine=chat_engine(fake))
    assert words in caught.value.message
    assert all(e.charged == 0 and e.status == "failed" for e in plan_entries(project))


def test_429_with_retry_after_waits_then_plans(project, registry):
    with FakeChat() as fake:
        fake.script(Fault(status=429, headers={"Retry-After": "0.05"}))
        fake.replies.extend([json.dumps(good_reply(project))] * 2)  # the refused try takes one too
        plan = make_plan(project, registry, engine=chat_engine(fake))
        assert len(fake.hits) == 2 and plan.reply.style == "watercolour"
        fake.script(Fault(status=429, headers={"Retry-After": "120"}))
        with pytest.raises(HostedError, match="wait 120 s"):
            make_plan(project, registry, engine=chat_engine(fake))


def test_network_down_and_a_timeout_are_sentences(project, registry):
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    from studio.engines.hosted.openai_chat import OpenAIChatPlanner

    down = OpenAIChatPlanner(base_url=f"http://127.0.0.1:{port}/v1", retries=Retries(attempts=1))
    with pytest.raises(Unreachable, match="Could not reach"):
        make_plan(project, registry, engine=down)
    with FakeChat() as fake:
        fake.script(Fault(delay=3.0))
        slow = chat_engine(fake, timeouts=Timeouts(connect=1.0, read=0.3, total=5.0), retries=Retries(attempts=1))
        with pytest.raises(HostedError, match="did not answer within"):
            make_plan(project, registry, engine=slow)
    assert all(e.charged == 0 for e in plan_entries(project))


def test_cancel_while_the_model_thinks(project, registry):
    from hosted.conftest import State

    with FakeChat() as fake:
        fake.script(Fault(delay=5.0))
        state = State()
        state.cancel_after(0.2)
        from studio.errors import Cancelled

        with pytest.raises(Cancelled):
            make_plan(project, registry, engine=chat_engine(fake), state=state)
    assert all(e.charged == 0 for e in plan_entries(project))


def test_anthropic_answers_through_one_forced_tool(project, registry, claude, paid):
    project.manifest.budget = 1.0
    claude.replies.append(json.dumps(good_reply(project)))
    engine = claude_engine(claude)
    plan = make_plan(project, registry, engine=engine)
    assert plan.reply.style == "watercolour"
    body = claude.hits[-1].json()
    assert body["tools"][0]["input_schema"]["properties"]["scenes"]["type"] == "array"
    [entry] = plan_entries(project)
    assert entry.usage == {"input_tokens": 1100, "output_tokens": 400, "cached_tokens": 100}
    # 1000 at $3/M + 100 cached at $0.30/M + 400 out at $15/M
    assert entry.charged == Decimal("0.00903") and entry.engine == "anthropic"


def test_anthropic_text_reply_is_checked_and_sent_back(project, registry, paid):
    from .fakes import FakeAnthropic
    from .conftest import ANT_KEY

    project.manifest.budget = 1.0
    with FakeAnthropic(ANT_KEY, as_text=True) as fake:
        fake.replies.extend(["Here you go: {broken", "```json\n" + json.dumps(good_reply(project)) + "\n```"])
        plan = make_plan(project, registry, engine=claude_engine(fake))
        assert len(fake.hits) == 2 and plan.reply.style == "watercolour"
        with pytest.raises(EngineError) as caught:
            make_plan(project, registry, engine=claude_engine(fake, model="claude-haiku-4-5"))
        assert "'claude-haiku-4-5'" in caught.value.message and "it offers claude-sonnet-4-5" in caught.value.message
        assert fake.hits[-1].path == "/v1/models"


def test_the_key_never_reaches_the_ledger_or_the_plan(project, registry, paid, chat):
    from .conftest import KEY

    project.manifest.budget = 1.0
    chat.replies.append(json.dumps(good_reply(project)))
    plan = make_plan(project, registry, engine=chat_engine(chat))
    assert KEY not in json.dumps(plan.dump())
    assert KEY not in (project.folder / ".stitch" / "ledger.jsonl").read_text()
