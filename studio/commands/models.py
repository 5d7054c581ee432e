"""`studio models pull ID [--yes]`: the size first, then a download with progress (Ctrl+C keeps what arrived)."""

from __future__ import annotations

import sys


def add_parsers(msub) -> None:
    pull = msub.add_parser("pull", help="download a model from Hugging Face (or reuse the Hugging Face cache)")
    pull.add_argument("model_id")
    pull.add_argument("--yes", action="store_true", help="do not ask before downloading")


def pull(args, *, store=None, ask=None, out=None) -> int:
    from studio.engines.store import ModelStore

    out = out or sys.stdout
    store = store or ModelStore()
    present = store.get(args.model_id) or store.from_hf_cache(args.model_id)
    if present is not None:
        print(f"{args.model_id} is already on this machine, at {present.path}.", file=out)
        return 0
    entry = store.entry(args.model_id)
    question = f"Download {entry.name} ({store.download_size(entry.id)}) from {entry.repo or entry.source}? [y/N] "
    if not args.yes:
        try:
            answer = (ask or input)(question)
        except EOFError:
            answer = ""
        if answer.strip().lower() not in ("y", "yes"):
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
