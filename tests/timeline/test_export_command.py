"""`studio export` on a tiny project: a video as long as its timeline, narration alone, captions alone."""

from __future__ import annotations

import json

import pytest
import soundfile

from studio.cli.command import main
from studio.project.project import Project
from studio.render.from_project import build_timeline
from studio.render.probe import probe


def _timeline(folder):
    project = Project.open(folder)
    try:
        return build_timeline(project)
    finally:
        project.close()


def test_square_export_lasts_as_long_as_the_timeline(tiny_project, capsys):
    out = tiny_project / "out" / "tiny.mp4"
    assert main(["export", str(tiny_project), "--preset", "square", "--out", str(out), "--json",
                 "--captions", "srt"]) == 0
    captured = capsys.readouterr()
    record = json.loads(captured.out)
    assert "Encoding frame" in captured.err  # progress on stderr, the record alone on stdout
    timeline = _timeline(tiny_project)
    info = probe(out)
    assert (info.video.width, info.video.height, info.video.fps) == (1080, 1080, 30.0)
    assert info.audio is not None
    assert abs(info.duration - timeline.duration) <= 1 / 30 + 1e-3
    assert record["path"] == str(out) and record["sidecars"] == [str(out.with_suffix(".srt"))]
    assert "One short line." in out.with_suffix(".srt").read_text(encoding="utf-8")
    assert sorted(p.name for p in out.parent.iterdir()) == ["tiny.mp4", "tiny.srt"]  # no partial file


def test_narration_alone_as_wav(tiny_project, capsys):
    assert main(["export", str(tiny_project), "--narration", "wav"]) == 0
    out = tiny_project / "exports" / "stitch-studio-demo-narration.wav"
    assert str(out) in capsys.readouterr().out
    info = soundfile.info(str(out))
    assert info.duration == pytest.approx(_timeline(tiny_project).duration, abs=0.01)


def test_captions_alone_as_srt(tiny_project, capsys):
    out = tiny_project / "captions.srt"
    assert main(["export", str(tiny_project), "--captions-only", "srt", "--out", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert text.startswith("1\n00:00:00,000 --> ") and "The end." in text
    assert "3 captions" in capsys.readouterr().out


def test_lines_without_a_take_are_named_in_a_sentence_with_no_render(demo_project, capsys):
    assert main(["export", str(demo_project), "--preset", "square", "--no-render"]) == 2
    err = capsys.readouterr().err
    assert "Lines 1, 2, 3, 4, 5 have no take yet: render them first" in err and "Traceback" not in err
    assert not (demo_project / "exports").exists()


def test_render_flag_renders_missing_lines_first(demo_project, sine_registry, capsys):
    from studio.cli import export as export_command
    from studio.cli.command import render_project

    (demo_project / "script.md").write_text("# Only\n\nHello there.\n", encoding="utf-8")

    class Args:
        project, preset, out, captions, narration, captions_only = str(demo_project), None, None, "none", "wav", None
        render, json, script = True, True, None

    assert export_command.run(Args, render=render_project, registry=sine_registry) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["kind"] == "narration" and record["duration"] > 0.1


def test_a_video_export_renders_the_free_drafts_it_lacks_first_with_progress(demo_project, sine_registry, capsys):
    from studio.cli import export as export_command
    from studio.project.project import Project

    (demo_project / "script.md").write_text("# Only\n\nHello there.\n\nAnd again.\n", encoding="utf-8")

    class Args:
        project, preset, out, captions, narration, captions_only = str(demo_project), "square", None, "none", None, None
        render, json, script, quality, encoder = True, True, None, "quick", "x264"

    assert export_command.run(Args, registry=sine_registry) == 0
    captured = capsys.readouterr()
    assert "Rendering 2 lines without a take first" in captured.err
    assert "Rendered line 2 of 2" in captured.err and "Encoding frame" in captured.err
    record = json.loads(captured.out)
    assert record["quality"] == "quick" and record["path"].endswith("-square-quick.mp4")
    project = Project.open(demo_project)
    assert all(project.chosen_take(line.id) is not None for line in project.lines)
    project.close()


def test_ctrl_c_stops_the_export_and_leaves_no_file(tiny_project, monkeypatch, capsys):
    """Ctrl+C reaches the waiting thread: the worker is cancelled and cleans up before it returns."""
    from studio.cli import export as export_command
    from studio.render import export as render_export

    real = render_export.export
    seen = {}

    def interrupted_export(*args, state=None, **kwargs):
        seen["state"] = state
        state.cancel()  # what the waiting thread does on KeyboardInterrupt
        return real(*args, state=state, **kwargs)

    monkeypatch.setattr(render_export, "export", interrupted_export)
    out = tiny_project / "out" / "gone.mp4"
    assert main(["export", str(tiny_project), "--preset", "square", "--out", str(out)]) == 130
    assert "nothing was written to gone.mp4" in capsys.readouterr().err
    assert not out.exists() and not any(out.parent.glob("*partial*"))
    assert seen["state"].is_cancelled()


def test_the_command_burns_captions_in_the_style_stitch_toml_names(tiny_project, capsys):
    import numpy as np

    from studio.render.probe import frame_at

    toml = tiny_project / "stitch.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + '\n[captions]\nposition = "top"\nhighlight = "#ffd23f"\n',
                    encoding="utf-8")
    out = tiny_project / "out" / "styled.mp4"
    assert main(["export", str(tiny_project), "--preset", "square", "--out", str(out), "--json",
                 "--quality", "quick"]) == 0
    capsys.readouterr()
    picture = frame_at(out, 0.3)
    r, g, b = (picture[..., i].astype(int) for i in range(3))
    rows = np.nonzero(((r > 190) & (g > 160) & (b < 120)).any(axis=1))[0]
    assert len(rows), "the spoken word is drawn in the highlight colour"
    assert rows.max() < picture.shape[0] * 0.35  # at the top, as stitch.toml says
