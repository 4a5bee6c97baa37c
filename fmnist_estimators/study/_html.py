"""HTML building blocks of the study's reports: tables, images, numbers, style."""

import base64
import html
from string import Template


def _image_tag(path, alt):
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return f'<img src="data:image/png;base64,{data}" alt="{html.escape(alt)}">'


def _table(frame, *, index=True, classes="table", escape=True):
    """A table with one header row: the index, if shown, becomes a column.

    ``escape=False`` for cells that already are HTML (``&plusmn;``).
    """
    if index:
        frame = frame.reset_index()
    frame = frame.rename(columns=lambda c: c.replace("_", " ") if isinstance(c, str) else c)
    return frame.to_html(classes=classes, border=0, index=False, escape=escape,
                         float_format=lambda v: f"{v:.4f}")


def _readable(frame):
    """Search tables for people: 3 significant digits, seconds, tuples unwrapped."""
    frame = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if column == "learning_rate":
            frame[column] = values.map(lambda v: f"{v:.3g}")
        elif column == "dropout":
            frame[column] = values.map(lambda v: f"{v:.2f}")
        elif column == "fit_time_s":
            frame[column] = values.map(_seconds)
        elif values.map(lambda v: isinstance(v, str) and v.startswith("(")).all():
            frame[column] = values.str.strip("(),").str.replace(", ", "-")
    return frame.rename(columns={"fit_time_s": "fit time"})


def _interval(value, bounds, digits=4):
    return f"{value:.{digits}f} [{bounds[0]:.{digits}f}, {bounds[1]:.{digits}f}]"


def _seconds(value):
    if value >= 10:
        return f"{value:.1f} s"
    if value >= 0.1:
        return f"{value:.2f} s"
    return f"{value:.2g} s"


def _rate(value):
    return f"{value:.3g}"


_CSS = """
body { font-family: system-ui, sans-serif; max-width: 1180px; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
h1 { margin-bottom: 0.2em; } h2 { border-bottom: 1px solid #ddd; padding-bottom: 0.2em; margin-top: 2em; }
.table { border-collapse: collapse; margin: 0.8em 0; font-size: 0.9em; }
.table th, .table td { padding: 0.35em 0.7em; border-bottom: 1px solid #e4e4e4; text-align: right; }
.table th { background: #f4f6f8; }
.table th:first-child, .table td:first-child { text-align: left; white-space: nowrap; }
.table.text th, .table.text td { text-align: left; }
.table.nowrap td { white-space: nowrap; }
.headline { display: flex; gap: 1.2em; flex-wrap: wrap; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 0.8em 1.2em; min-width: 15em; flex: 1; }
.card .value { font-size: 1.8em; font-weight: 600; }
.card .ci { font-size: 0.95em; color: #444; }
.verdicts { background: #f7f9fc; border-left: 4px solid #1f4e79; padding: 0.6em 1.2em 0.6em 2em; }
.verdicts li { margin: 0.3em 0; }
.claim { border-left: 4px solid #b07d1f; padding: 0.2em 1em; }
img { max-width: 100%; display: block; margin: 0.8em 0; }
.note { color: #555; font-size: 0.9em; }
"""

_SECTION = Template("""
<h2 id="$anchor">$title</h2>
<p class="note">$note</p>
$body
""")
