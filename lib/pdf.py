"""Printable PDF documents (minutes, visit packs) with fpdf2: headings, paragraphs and
tables on A4 landscape. DejaVu Sans is used when the system has it (Debian's
fonts-dejavu-core), so that any name prints; otherwise the built-in Helvetica, which
covers Swedish letters, with other characters replaced."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from fpdf import FPDF
from fpdf.fonts import FontFace

from lib.analytics import format_number, format_percent
from lib.exports import PERCENT_HEADERS
from lib.plain import printable

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")


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
        """A table with a bold header row; shares are written as Swedish percentages."""
        if frame.empty:
            self.paragraph("Inget att visa.")
            return
        self._font(8)
        with self.pdf.table(col_widths=widths, headings_style=FontFace(emphasis="BOLD"),
                            line_height=4.5, text_align="LEFT") as table:
            table.row([self._clean(str(c)) for c in frame.columns])
            for values in frame.itertuples(index=False):
                table.row([self._clean(_cell(column, value))
                           for column, value in zip(frame.columns, values, strict=True)])
        self.pdf.ln(2)

    def output(self) -> bytes:
        return bytes(self.pdf.output())

    def _font(self, size: int, bold: bool = False) -> None:
        self.pdf.set_font(self.family, "B" if bold else "", size)

    def _clean(self, text: str) -> str:
        text = printable(text).replace("\t", " ").replace("\r", "")  # no glyph for them
        if self.unicode:
            return text
        return text.replace("–", "-").replace("≥", ">=").replace("→", "->").replace(
            "↑", "upp").replace("↓", "ned").encode("latin-1", "replace").decode("latin-1")


def _cell(column: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        if str(column).startswith(PERCENT_HEADERS):
            return format_percent(value)
        return format_number(value)
    return str(value)
