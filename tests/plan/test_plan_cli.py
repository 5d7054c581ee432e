"""`studio plan` and `studio cost` from the terminal, against a fake local planning server."""

from __future__ import annotations

import json

from studio.cli.command import main
from studio.plan.store import list_plans

from .fakes import good_reply


def routed(project, chat):
    project.manifest.plan_final = "openai-chat"
    project.manifest.set_engine_settings("openai-chat", {"base_url": f"{chat.url}/v1", "model": "llama3.2"})
    project.save()
    folder = project.folder
    return folder


def test_plan_show_apply_and_cost(project, chat, capsys):
    chat.replies.append(json.dumps(good_reply(project)))
    folder = routed(project, chat)
    project.close()
    assert main(["plan", str(folder), "--direction", "calm, for 12-year-olds, watercolour look"]) == 0
    said = capsys.readouterr().out
    assert "free (not billed: it runs on this computer or your own server)" in said and "Changes (apply with --apply)" in said
    assert "The word “Kokoro”: (none) → KOH-koh-roh" in said and "Review notes" in said
    [path] = list_plans(folder)
    assert path.with_suffix(".md").is_file()
    assert "calm, for 12-year-olds" in chat.hits[-1].json()["messages"][1]["content"]

    assert main(["plan", str(folder), "--show", "--json"]) == 0
    shown = json.loads(capsys.readouterr().out)
    assert shown["plan"] == path.name and len(shown["changes"]) == 9

    assert main(["plan", str(folder), "--apply", "--only", "pronunciations", "--yes"]) == 0
    said = capsys.readouterr().out
    assert "1 change(s) to apply" in said and "Applied 1 change: 2 lines and 0 scenes" in said
    assert json.loads((folder / ".stitch" / "pronunciation.json").read_text())["entries"] == {"kokoro": "KOH-koh-roh"}

    assert main(["plan", str(folder), "--apply", path.name, "--yes", "--json"]) == 0
    done = json.loads(capsys.readouterr().out)
    assert len(done["applied"]) == 8 and len(done["stale_scenes"]) == 3 and len(done["retimed"]) == 1
    assert main(["plan", str(folder), "--apply", "--yes"]) == 0
    assert "already follows this plan" in capsys.readouterr().out

    assert main(["cost", str(folder), "--json"]) == 0
    cost = json.loads(capsys.readouterr().out)
    assert cost["by_task"]["plan"]["renders"] == 1 and cost["by_task"]["plan"]["charged"] == "0.000000"
    assert main(["cost", str(folder)]) == 0
    said = capsys.readouterr().out
    assert "Per task:" in said and any(line.split()[:2] == ["Planning", "1"] for line in said.splitlines())


def test_asking_is_needed_for_a_paid_plan_and_no_answer_sends_nothing(project, chat, paid, capsys, monkeypatch):
    folder = routed(project, chat)
    project.manifest.budget = 1.0
    project.manifest.set_engine_settings("openai-chat", {"base_url": f"{chat.url}/v1", "model": "gpt-4.1-mini"})
    project.save()
    project.close()
    monkeypatch.setattr("builtins.input", lambda prompt: (_ for _ in ()).throw(EOFError))
    assert main(["plan", str(folder)]) == 1
    assert "Nothing was sent." in capsys.readouterr().out and chat.hits == []


def test_no_planning_engine_is_one_sentence(project, capsys):
    project.manifest.set_route("plan", draft="", final="")
    project.save()
    project.close()
    assert main(["plan", str(project.folder)]) == 2
    assert "no planning engine" in capsys.readouterr().err
    assert main(["plan", str(project.folder), "--show"]) == 2
    assert "has no plan yet" in capsys.readouterr().err


def test_a_plan_in_parts_from_the_terminal_says_each_part(project, chat, capsys):
    chat.replies.extend([json.dumps(good_reply(project))] * 2)
    folder = routed(project, chat)
    # Room in one reply for two of the three scenes: the script is planned in two calls.
    project.manifest.set_engine_settings("openai-chat", {"base_url": f"{chat.url}/v1", "model": "llama3.2",
                                                         "max_tokens": 700})
    project.save()
    project.close()
    assert main(["plan", str(folder)]) == 0
    captured = capsys.readouterr()
    assert "so 2 calls of a few scenes each" in captured.out and "free" in captured.out
    assert "Asking for a plan for part 1 of 2" in captured.err and "Asking for a plan for part 2 of 2" in captured.err
    [path] = list_plans(folder)
    assert json.loads(path.read_text())["parts"] == 2 and "in 2 parts" in path.with_suffix(".md").read_text()
    assert len(chat.hits) == 2
