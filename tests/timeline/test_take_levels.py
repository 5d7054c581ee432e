"""Loudness per take: measured once, kept beside the take, applied as the voice clip's gain."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import soundfile

from studio.render.audio import mix
from studio.render.from_project import build_timeline, save_timeline
from studio.render.loudness import integrated_loudness
from studio.render.take_levels import LEVELS_FILE, take_gain, take_loudness, voice_target


def _quiet_take(project, line_id, amplitude=0.05):
    rate = 24000
    t = np.arange(int(2.0 * rate)) / rate
    soundfile.write(project.folder / "renders" / "quiet.wav", (amplitude * np.sin(2 * np.pi * 220 * t)).astype(np.float32),
                    rate, subtype="PCM_16")
    take = replace(project.chosen_take(line_id), id="quiet0000001", path="renders/quiet.wav", cache_key="q" * 64,
                   duration=2.0)
    project.add_take(take, choose=True)
    return take


def _rms(samples):
    return float(np.sqrt(np.mean(np.square(samples)))) if samples.size else 0.0


def test_a_quiet_take_gets_a_positive_gain_and_its_file_is_untouched(rendered_demo):
    project = rendered_demo
    line = project.lines[0].id
    take = _quiet_take(project, line)
    before = (project.folder / take.path).read_bytes()
    gain = take_gain(project.folder, take)
    assert voice_target(project.folder) == -16.0
    assert gain > 10.0
    assert (project.folder / LEVELS_FILE).is_file()
    assert (project.folder / take.path).read_bytes() == before  # never rewritten

    timeline = build_timeline(project, previous=False)
    clip = timeline.clip(f"voice:{line}")
    assert clip.gain_db == pytest.approx(gain)
    flat = replace(timeline, clips=tuple(replace(c, gain_db=0.0) if c.id == clip.id else c for c in timeline.clips))
    rate = 48000
    a, b = round(clip.start * rate), round(clip.end * rate)
    louder, plain = mix(timeline, project.folder, ("voice",), rate)[a:b], mix(flat, project.folder, ("voice",), rate)[a:b]
    assert _rms(louder) > 3 * _rms(plain)
    assert integrated_loudness(louder[:, 0], rate) == pytest.approx(-16.0, abs=0.5)
    assert (project.folder / take.path).read_bytes() == before


def test_the_target_comes_from_stitch_toml_and_a_gain_set_by_hand_is_kept(rendered_demo):
    project = rendered_demo
    line = project.lines[0].id
    take = _quiet_take(project, line)
    with open(project.folder / "stitch.toml", "a", encoding="utf-8") as f:
        f.write("\n[timeline]\nvoice_loudness = -20\n")
    assert voice_target(project.folder) == -20.0
    lufs = take_loudness(project.folder, take)
    timeline = build_timeline(project, previous=False)
    assert timeline.clip(f"voice:{line}").gain_db == pytest.approx(-20.0 - lufs, abs=0.01)
    save_timeline(project, timeline.set_gain(f"voice:{line}", 3.0))
    assert build_timeline(project).clip(f"voice:{line}").gain_db == 3.0


def test_silence_and_missing_files_get_no_gain(rendered_demo, tmp_path):
    project = rendered_demo
    line = project.lines[0].id
    take = _quiet_take(project, line, amplitude=0.0)
    assert take_gain(project.folder, take) == 0.0
    assert take_gain(project.folder, replace(take, path="renders/gone.wav")) == 0.0
