"""Printable PDF documents (minutes, visit packs) with fpdf2: headings, paragraphs and
tables on A4 landscape. DejaVu Sans is used when the system has it (Debian's
fonts-dejavu-core), so that any name prints; otherwise the built-in Helvetica, which
covers Swedish letters, with other characters replaced."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from lib import columns, formats
from lib.i18n import _
from lib.plain import printable

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
WIDEST_WORD = 0.3  # of the page: the most room a column takes for one word
WORD_ROWS = 200  # rows looked at for the longest word in a column
CELL_SLACK = 0.5  # mm beside the cell margins and the border line


class Document:
    def __init__(self, title: str, lines: tuple[str, ...] = ()) -> None:
        self.pdf = FPDF(orientation="L", format="A4")
        self.pdf.set_auto_page_break(auto=True, margin=12)
        self.pdf.set_title(title)
        self.unicode = (FONT_DIR / "DejaVuSans.ttf").exists()
        if self.unicode:
            self.pdf.add_font("body", "", str(FONT_DIR / "DejaVuSans.ttf"))
            self.pdf.add_font("body", "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.family = "body" if self.unicode else "helvetica"
        self.pdf.add_page()
        self._font(16, bold=True)
        self.pdf.multi_cell(0, 9, self._clean(title), new_x="LMARGIN", new_y="NEXT")
        self._font(10)
        for line in lines:
            self.pdf.multi_cell(0, 5.5, self._clean(line), new_x="LMARGIN", new_y="NEXT")

    def heading(self, text: str) -> None:
        self.pdf.ln(3)
        self._font(12, bold=True)
        self.pdf.multi_cell(0, 7, self._clean(text), new_x="LMARGIN", new_y="NEXT")
        self._font(9)

    def paragraph(self, text: str) -> None:
        self._font(9)
        self.pdf.multi_cell(0, 5, self._clean(text), new_x="LMARGIN", new_y="NEXT")

    def table(self, frame: pd.DataFrame, widths: tuple[int, ...] | None = None) -> None:
        """A service's table (lib.columns) with a bold header row, headings, codes and
        figures in the run's language. `widths` are the columns' shares of the page; each
        column gets at least the room for its longest word, so that no header or name is
        broken mid-word."""
        if frame.empty:
            self.paragraph(_("Inget att visa."))
            return
        frame = columns.with_words(frame)
        self._font(8)
        with self.pdf.table(col_widths=self.column_widths(frame, widths),
                            headings_style=FontFace(emphasis="BOLD"),
                            line_height=4.5, text_align="LEFT") as table:
            table.row([self._clean(columns.heading(c)) for c in frame.columns])
            for values in frame.itertuples(index=False):
                table.row([self._clean(_cell(column, value))
                           for column, value in zip(frame.columns, values, strict=True)])
        self.pdf.ln(2)

    def column_widths(self, frame: pd.DataFrame,
                      weights: tuple[float, ...] | None = None) -> list[float]:
        """Widths in mm that fill the page: in proportion to `weights` (equal without),
        but never narrower than a column's longest word in its header (bold) or in its
        first rows. A word longer than WIDEST_WORD of the page (a pasted web address)
        may still break."""
        weights = list(weights) if weights else [1.0] * len(frame.columns)
        room = self.pdf.epw
        need = [min(self._longest_word(column, frame[column]), room * WIDEST_WORD)
                for column in frame.columns]
        if sum(need) > room:  # more columns than fit: shrink every minimum alike
            need = [n * room / sum(need) for n in need]
        return _fit(weights, need, room)

    def _longest_word(self, column, values: pd.Series) -> float:
        self._font(8, bold=True)
        widest = max((self.pdf.get_string_width(word)
                      for word in _words(self._clean(columns.heading(column)))), default=0.0)
        self._font(8)
        for value in values.head(WORD_ROWS):
            for word in _words(self._clean(_cell(column, value))):
                widest = max(widest, self.pdf.get_string_width(word))
        return widest + 2 * self.pdf.c_margin + CELL_SLACK

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    def _font(self, size: int, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def _clean(self, text: str) -> str:
        text = printable(text).replace("\t", " ").replace("\r", "")  # no glyph for them
        if self.unicode:
            return text
        return text.replace("–", "-").replace(formats.MINUS, "-").replace("≥", ">=").replace(
            "→", "->").replace(
            "↑", _("upp")).replace("↓", _("ned")).encode("latin-1", "replace").decode(
            "latin-1")


def _words(text: str) -> list[str]:
    """Where a line may break: at spaces and line breaks, never at a no-break space."""
    return [word for word in re.split(r"[ \n]+", text) if word]


def _cell(column: str, value) -> str:
    """A cell as the tables on screen show it (lib.formats)."""
    return formats.cell(column, value, formats.blank(column))


def _fit(weights: list[float], need: list[float], room: float) -> list[float]:
    """Share `room` in proportion to `weights`, giving a column that would get less than
    it needs what it needs, and the others the rest (in proportion again)."""
    fixed: dict[int, float] = {}
    while True:
        rest = [i for i in range(len(weights)) if i not in fixed]
        free = room - sum(fixed.values())
        total = sum(weights[i] for i in rest) or 1.0
        short = [i for i in rest if free * weights[i] / total < need[i]]
        if not short or len(short) == len(rest):
            for i in short:
                fixed[i] = need[i]
            break
        for i in short:
            fixed[i] = need[i]
    rest = [i for i in range(len(weights)) if i not in fixed]
    free = room - sum(fixed.values())
    total = sum(weights[i] for i in rest) or 1.0
    return [fixed[i] if i in fixed else free * weights[i] / total for i in range(len(weights))]
