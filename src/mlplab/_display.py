"""Display helpers that every layer may use: rich's progress bar and small HTML tables
for notebooks. A leaf module: it imports nothing of mlplab (rich only when a bar is made)."""


def html_table(header, rows, caption=""):
    """A small HTML table (for notebooks); cells are escaped."""
    from html import escape

    head = "".join(f"<th>{escape(str(cell))}</th>" for cell in header)
    body = "".join("<tr>" + "".join(f"<td>{escape(str(cell))}</td>" for cell in row) + "</tr>"
                   for row in rows)
    title = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{title}<tr>{head}</tr>{body}</table>"


def progress_bar(title, unit, status=False):
    """A rich Progress with a bar, done/total, elapsed time and an ETA (not started)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    columns = [TextColumn(f"[bold]{title}"), BarColumn(), MofNCompleteColumn(),
               TextColumn(unit), TimeElapsedColumn(), TextColumn("eta"), TimeRemainingColumn()]
    if status:
        columns.append(TextColumn("{task.fields[status]}"))
    return Progress(*columns, console=_console())


def _console():
    """rich's console; in Jupyter without ipywidgets, one that prints the bar when done.

    rich animates a bar in a notebook through an ipywidgets output; without them it
    would only warn, so the bar is then printed once, finished, as plain output.
    """
    from rich.console import Console

    console = Console()
    if console.is_jupyter:
        try:
            import ipywidgets  # noqa: F401 - rich draws live bars with it
        except ImportError:
            return Console(force_jupyter=False)
    return console
