"""The comparison as one HTML page a browser opens and a collaborator can be sent.

`.stitch/comparisons/<id>.html` sits beside `<id>.json` and the folder `<id>/` that holds
the takes (A-<line>.wav, B-<line>.wav) and, for images, the pictures and the contact
sheet. Every audio player and image is linked relatively (`<id>/A-L3.wav`), so the page,
its JSON and that folder can be zipped and sent together; styles are inline and there is
no script, so it opens anywhere, offline. The creator's picks are shown with the side
they chose (revealed), and a pick made blind says so.
"""

from __future__ import annotations

import html

from studio.money.prices import format_money, money
from studio.storage import atomic_write_text

_STYLE = """
body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#1d1d1f;padding:0 1em}
h1{font-size:1.5em}h2{font-size:1.2em;margin-top:2em}
table{border-collapse:collapse;width:100%;margin:.5em 0}
th,td{border-bottom:1px solid #ddd;padding:.35em .5em;text-align:left;vertical-align:top}
th{background:#f4f4f6}.win{font-weight:600;color:#0a7d32}.note{color:#666}
.line{border:1px solid #ddd;border-radius:8px;padding:.8em 1em;margin:1em 0}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:1em}.side h3{margin:.2em 0;font-size:1em}
audio{width:100%}img{max-width:100%;border-radius:4px}.diff{color:#b3261e}
"""

FIGURES = (
    ("duration", "Duration", "{:.2f} s"),
    ("render_seconds", "Render time", "{:.2f} s"),
    ("rtf", "Real-time factor", "{:.2f}"),
    ("first_audio", "First audio after", "{:.2f} s"),
    ("words_per_minute", "Words per minute", "{:.0f}"),
    ("lufs", "Loudness", "{:.1f} LUFS"),
    ("true_peak", "True peak", "{:.1f} dBTP"),
    ("lead_silence", "Silence before", "{:.2f} s"),
    ("trail_silence", "Silence after", "{:.2f} s"),
    ("wer", "Words misheard (WER)", "{:.0%}"),
)
IMAGE_FIGURES = (
    ("seconds", "Seconds per image", "{:.2f} s"),
    ("peak_memory_mb", "Peak memory", "{:.0f} MB"),
    ("width", "Width", "{} px"),
    ("height", "Height", "{} px"),
)


def shown(value, fmt: str) -> str:
    if value is None:
        return "—"
    try:
        return fmt.format(value)
    except (ValueError, TypeError):
        return str(value)


def naturalness_shown(value) -> str:
    if isinstance(value, dict):
        value = value.get("ovrl")
    return "—" if value is None else f"{value:.2f} / 5"


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def render_html(comparison: "Comparison") -> str:
    data = comparison.data
    a, b = data["a"], data["b"]
    image = data.get("task") == "image"
    out = [
        "<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
        f"<title>Compare engines: {_e(data.get('project', ''))}</title>", f"<style>{_STYLE}</style></head><body>",
        f"<h1>{_e(a['label'])} (A) against {_e(b['label'])} (B)</h1>",
        f"<p>Project <b>{_e(data.get('project', ''))}</b>, {_e(data.get('created', ''))}. "
        f"A is the current route ({_e(_side_words(a))}); B is the candidate ({_e(_side_words(b))}).</p>",
    ]
    if data.get("status") == "cancelled":
        out.append(f"<p class=note>Stopped before the end: {len(data['lines'])} "
                   f"{'scenes' if image else 'lines'} were compared.</p>")
    if data.get("naturalness_note"):
        out.append(f"<p class=note>{_e(data['naturalness_note'])}</p>")
    out.append(_verdict_table(data))
    out.append("<h2>Totals</h2>")
    out.append(_figure_table(data.get("totals", {}).get("a", {}), data.get("totals", {}).get("b", {}), image, True))
    out.append(_price_table(data))
    for entry in data["lines"]:
        out.append(_line_section(comparison, entry, image))
    if data.get("contact_sheet"):
        out.append(f'<h2>Contact sheet</h2><p><img src="{_e(data["contact_sheet"])}" alt="A and B side by side"></p>')
    out.append(f"<p class=note>Saved with the data in {_e(comparison.json_path.name)}.</p></body></html>")
    return "\n".join(out)


def _side_words(side: dict) -> str:
    words = [side.get("engine", "")]
    if side.get("model"):
        words.append(f"model {side['model']}")
    if side.get("voice"):
        words.append(f"voice {side['voice']}")
    if side.get("speed") is not None:
        words.append(f"speed {side['speed']:g}")
    return ", ".join(words)


def _verdict_table(data: dict) -> str:
    rows = data.get("verdict", {})
    names = {"picks": "Your picks", "intelligibility": "Intelligibility (WER, lower wins)",
             "naturalness": "Naturalness (DNSMOS, higher wins)", "speed": "Speed (real-time factor, lower wins)",
             "cost": "Cost of the whole project", "overall": "Rows won",
             "seconds": "Seconds per image (lower wins)", "memory": "Peak memory (lower wins)"}
    out = ["<h2>Verdict</h2><table><tr><th></th><th>A</th><th>B</th><th>Better</th></tr>"]
    for key, row in rows.items():
        va, vb = row.get("a"), row.get("b")
        if key == "intelligibility":
            va, vb = shown(va, "{:.0%}"), shown(vb, "{:.0%}")
        elif key == "cost":
            va, vb = format_money(money(va or 0)), format_money(money(vb or 0))
        elif key in ("speed", "naturalness", "seconds"):
            va, vb = shown(va, "{:.2f}"), shown(vb, "{:.2f}")
        elif key == "memory":
            va, vb = shown(va, "{:.0f} MB"), shown(vb, "{:.0f} MB")
        better = {"a": "A", "b": "B"}.get(row.get("better"), "even")
        out.append(f"<tr><td>{_e(names.get(key, key))}</td><td>{_e(va)}</td><td>{_e(vb)}</td>"
                   f"<td class=win>{_e(better)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _figure_table(fa: dict, fb: dict, image: bool, total: bool = False) -> str:
    out = ["<table><tr><th></th><th>A</th><th>B</th></tr>"]
    for key, name, fmt in (IMAGE_FIGURES if image else FIGURES):
        out.append(f"<tr><td>{name}</td><td>{_e(shown(fa.get(key), fmt))}</td><td>{_e(shown(fb.get(key), fmt))}</td></tr>")
    if not image:
        out.append(f"<tr><td>Naturalness (DNSMOS)</td><td>{_e(naturalness_shown(fa.get('naturalness')))}</td>"
                   f"<td>{_e(naturalness_shown(fb.get('naturalness')))}</td></tr>")
        if total:
            out.append(f"<tr><td>Takes passing the self-check</td><td>{fa.get('passed', 0)} of {fa.get('lines', 0)}</td>"
                       f"<td>{fb.get('passed', 0)} of {fb.get('lines', 0)}</td></tr>")
    out.append("</table>")
    return "".join(out)


def _price_table(data: dict) -> str:
    price = data.get("price", {})
    if not price:
        return ""
    pa, pb = price.get("a", {}), price.get("b", {})
    unit = "per image" if data.get("task") == "image" else "per minute"
    key = "per_image" if data.get("task") == "image" else "per_minute"

    def cell(p, name):
        return "free (local)" if p.get("local") else format_money(money(p.get(name, 0)))

    return ("<h2>Price</h2><table><tr><th></th><th>A</th><th>B</th></tr>"
            f"<tr><td>This sample</td><td>{cell(pa, 'sample')}</td><td>{cell(pb, 'sample')}</td></tr>"
            f"<tr><td>Cost {unit}</td><td>{cell(pa, key)}</td><td>{cell(pb, key)}</td></tr>"
            f"<tr><td>The whole project</td><td>{cell(pa, 'project')}</td><td>{cell(pb, 'project')}</td></tr></table>")


def _line_section(comparison: "Comparison", entry: dict, image: bool) -> str:
    what = "Scene" if image else "Line"
    pick = entry.get("pick")
    picked = ""
    if pick:
        picked = f" — you picked <b>{pick.upper()}</b>" + (" (blind)" if entry.get("picked_blind") else "")
    reasons = ", ".join(entry.get("reasons", []))
    out = [f'<div class=line><h2>{what} {entry.get("number", "")}{picked}</h2>',
           f"<p>{_e(entry.get('text', entry.get('prompt', '')))}</p>",
           f"<p class=note>Chosen because: {_e(reasons)}</p>" if reasons else "", "<div class=pair>"]
    for side in "ab":
        fig = entry.get(side, {})
        out.append(f"<div class=side><h3>{side.upper()}: {_e(comparison.data[side]['label'])}</h3>")
        if image:
            out.append(f'<img src="{_e(fig.get("image", ""))}" alt="{side.upper()}">')
        else:
            out.append(f'<audio controls preload="none" src="{_e(fig.get("take", ""))}"></audio>')
            if fig.get("heard") is not None:
                out.append(f"<p class=note>Heard: “{_e(fig.get('heard', ''))}”</p>")
            for d in fig.get("differs", [])[:6]:
                out.append(f"<div class=diff>{_e(_diff_words(d))}</div>")
        out.append("</div>")
    out.append("</div>")
    out.append(_figure_table(entry.get("a", {}), entry.get("b", {}), image))
    out.append("</div>")
    return "".join(out)


def _diff_words(d: dict) -> str:
    if d["kind"] == "missing":
        return f"“{d['script']}” not heard"
    if d["kind"] == "extra":
        return f"“{d['heard']}” added"
    return f"“{d['script']}” heard as “{d['heard']}”"


def write_report(comparison: "Comparison") -> None:
    atomic_write_text(comparison.html_path, render_html(comparison))
