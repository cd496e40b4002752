"""How a task with several tables reports: one Markdown file that shows the whole task."""

from __future__ import annotations

from pathlib import Path


def append_md(main: Path, *others: Path) -> None:
    """Append the sub-tables to the task's main Markdown so one file shows the whole task."""
    text = main.read_text()
    for other in others:
        text += "\n" + other.read_text().replace("# ", "## ", 1)
    main.write_text(text)
