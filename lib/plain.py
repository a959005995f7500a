"""User text shown as the text it is. Streamlit reads Markdown, its own directives
(:red[…], :material/icon:, $…$) and a few text replacements in every title, caption,
message, widget label and help text; plotly reads a subset of HTML in every figure text.
`markdown` and `plotly` turn a name, a place or a note into what each of them shows exactly
as typed. Free of Streamlit, so that services and charts can use it and it can be tested
alone."""

from __future__ import annotations

import re
import unicodedata

WORD_JOINER = "\u2060"  # invisible and zero-width; see _SPLIT

# Characters that open a CommonMark, GFM or Streamlit construct wherever they stand: an
# escape, code, emphasis, strikethrough, link or image, autolink or HTML, entity, math, and
# an ATX heading's closing #. The rest of ASCII punctuation is plain text here, so that
# "Lena Berg (mentor)" stays as it is in the page source.
ALWAYS = frozenset("\\`*_~[]<&$#")
# A block quote, a bullet or a numbered list item ("1." or "1)"), where a line starts; the
# text may be put at the start of one.
AT_START = frozenset(">-+")
ORDERED_LIST = re.compile(r"\d+(?=[.)])")
# Streamlit finds these in the text after parsing, when backslashes are gone, so no escape
# stops them: GFM's autolinks (http://, www., e-mail addresses) and the shortcodes for
# icons, the logo and emoji (:material_home:, :streamlit:, :smile:, read wherever some
# text of the same element loads them). An invisible word joiner splits each; a person
# sees the text as typed.
_SPLIT = re.compile(r"(?<=:)(?=//)|(?i:(?<=www))(?=\.)|(?=@)|(?<=:)(?=[\w+-]+:)")
# The same for Streamlit's typographic replacements between spaces (" -> " shown as " → ").
_ARROW = re.compile(r"(?<![^\s\ufeff])(<->|->|<-|--|>=|<=|~=)(?![^\s\ufeff])")
KEPT_CONTROLS = "\t\n\r"
# Word's line and page breaks (in text pasted from it) are line breaks.
BREAKS = str.maketrans({"\v": "\n", "\f": "\n"})


def markdown(text: object) -> str:
    """Text for any Streamlit element that reads Markdown: shown exactly as typed, with
    nothing in it read as a link, image, HTML, formatting, directive, icon or math.
    Line breaks and tabs show as spaces (as HTML shows them)."""
    chars = _split_transforms(printable(text))
    # Leading and trailing white space, which Markdown would drop or read as code.
    first, last = len(chars) - len(chars.lstrip()), len(chars.rstrip())
    starts = _line_openers(chars)
    return "".join(_escaped(chars, i, not first <= i < last, i in starts)
                   for i in range(len(chars)))


def plotly(text: object) -> str:
    """Text for a plotly figure (title, legend, axis category, annotation, hover): shown as
    typed, with no tag (<b>, <a href>, <br>) and no $…$ math read."""
    return (printable(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace("$", "&#36;"))


def printable(text: object) -> str:
    """The text without the control characters, which have no visible form (and which an
    Excel file cannot hold, nor a font draw). Tabs and line breaks stay; Word's line and
    page breaks become line breaks. None is empty."""
    if text is None:
        return ""
    return "".join(c for c in str(text).translate(BREAKS)
                   if c in KEPT_CONTROLS or unicodedata.category(c) != "Cc")


def _split_transforms(text: str) -> str:
    text = _SPLIT.sub(WORD_JOINER, text)
    return _ARROW.sub(lambda m: m[1][0] + WORD_JOINER + m[1][1:], text)


def _line_openers(chars: str) -> set[int]:
    """Where the characters that open a block when a line starts with them stand."""
    digits = ORDERED_LIST.match(chars)
    if digits:
        return {digits.end()}
    return {0} if chars[:1] in AT_START else set()


def _escaped(chars: str, index: int, at_edge: bool, opens_line: bool) -> str:
    char = chars[index]
    if char in KEPT_CONTROLS or (at_edge and char.isspace()):
        # A numeric reference is plain text: a line break would end a heading or start a
        # block, and leading spaces would make code of the text.
        return f"&#{ord(char)};"
    if char in ALWAYS or opens_line or _opens_a_directive(chars, index):
        return "\\" + char
    if char == "/" and chars.endswith(":material", 0, index):
        return "\\/"  # Streamlit makes ":material/…:" an icon before it parses
    return char


def _opens_a_directive(chars: str, index: int) -> bool:
    """A colon followed by anything but white space may begin a directive (:red[…]), an
    emoji shortcode (:smile:) or an icon; one at the end of the text may meet what
    follows it."""
    return chars[index] == ":" and (index + 1 == len(chars) or not chars[index + 1].isspace())
