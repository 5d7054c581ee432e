"""The headless commands behind `studio render --final`, `studio cost`, `studio keys` and `studio models pull`."""


def confirm(ask, question: str) -> bool:
    """Ask a yes/no question at the terminal (`ask` defaults to `input`); no one there means no."""
    try:
        answer = (ask or input)(question)
    except EOFError:  # no one at the keyboard: the command needs --yes
        return False
    return answer.strip().lower() in ("y", "yes")
