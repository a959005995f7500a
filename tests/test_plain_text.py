"""User text is shown as text: what `lib.plain` makes of any text renders, in a CommonMark
renderer, as exactly that text with no link, image or HTML element; none of Streamlit's
own directives, icons, math or text replacements is left to find in it; and plotly shows
figure text as typed. Streamlit's rules are ported from its frontend (1.67)."""

import re
from html.parser import HTMLParser

from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from lib import plain

WJ = plain.WORD_JOINER
# CommonMark with GFM's strikethrough and tables, as Streamlit's remark-gfm reads them.
RENDERER = MarkdownIt("commonmark").enable(["strikethrough", "table"])
# Where pages put user text: alone (a caption, a label), inside a sentence, in a heading.
CONTEXTS = ("{}", "Genomgång {} · HT2025", "## {}")
PIECES = [*"\\`*_~[]<>&$#:!()-+=|/@.{}^%\"' \n\t\r\x00\x0b", "http://", "https://", "www.",
          ":red[", ":material/home:", ":material_home:", ":streamlit:", ":smile:", " -> ",
          " -- ", " >= ", "1.", "1)", "&amp;", "&#10;", "<b>", "    ", "***", "$$", "```"]
TEXT = st.lists(st.one_of(st.sampled_from(PIECES),
                          st.characters(exclude_categories=("Cs",), exclude_characters=WJ)),
                max_size=30).map("".join)


class _Html(HTMLParser):
    """The element names and the text inside elements of rendered HTML (not the line
    breaks the renderer puts between them), references decoded."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.text: list[str] = []
        self.depth = 0
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.depth += 1

    def handle_endtag(self, tag):
        self.depth -= 1

    def handle_data(self, data):
        if self.depth:
            self.text.append(data)


def _rendered(source: str) -> _Html:
    return _Html(RENDERER.render(source))


def test_printable_text_drops_control_characters_and_keeps_line_breaks():
    # What the escapes promise to show: a control character has no visible form; Word's
    # line and page breaks (vertical tab, form feed) are line breaks.
    assert plain.printable("a\x00b\x1b[0mc\td\re\nf\vg\fh\x85") == "ab[0mc\td\re\nf\ng\nh"


@given(TEXT)
def test_escaped_text_renders_as_exactly_the_text_and_nothing_else(text):
    for context in CONTEXTS:
        html = _rendered(context.format(plain.markdown(text)))
        assert set(html.tags) <= {"p", "h2"}, (text, html.tags)
        # The word joiners are invisible; they split what Streamlit would make links of.
        assert "".join(html.text).replace(WJ, "") == \
            context.format(plain.printable(text)).removeprefix("## "), text


# Streamlit's text replacements on the parsed text, where escapes no longer count
# (StreamlitMarkdown: remark-gfm's autolink literals, the icon, logo and emoji shortcodes
# (remark-emoji's pattern covers the others), and its typographic replacements). The
# patterns are the frontend's, or wider.
AFTER_PARSING = [re.compile(r"(?i)https?://|www\."), re.compile(r"[-.\w+]@", re.ASCII),
                 re.compile(r":\+1:|:-1:|:[\w-]+:", re.ASCII),
                 re.compile(r"(?<![^\s\ufeff])(<->|->|<-|--|>=|<=|~=)(?![^\s\ufeff])")]
# ... and on the source, before parsing: the icon rewrite and the emoji shortcodes.
EMOJI = re.compile(r":(?!material/|streamlit:)[\w+-][\w_+-]*:", re.ASCII)


@given(TEXT)
def test_nothing_is_left_for_streamlits_replacements(text):
    for context in CONTEXTS:
        source = context.format(plain.markdown(text))
        shown = "".join(_rendered(source).text)
        assert not any(p.search(shown) for p in AFTER_PARSING), (text, shown)
        assert ":material/" not in source and not EMOJI.search(source), source
        # Math needs an unescaped dollar sign (an escaped one is dropped first).
        assert "$" not in re.sub(r"\\[\\$`]", "", source), source


def test_streamlits_directives_icons_and_math_are_escaped():
    assert plain.markdown(":red[x]") == r"\:red\[x\]"
    assert plain.markdown(":material/home:") == r"\:material\/home\:"
    assert plain.markdown("$x$") == r"\$x\$"
    assert plain.markdown(":small[x] kl. 10:30") == r"\:small\[x\] kl. 10\:30"


def test_ordinary_names_and_sentences_stay_as_they_are():
    for text in ("Lena Berg (mentor)", "Anna-Lena O'Brien", "Skola SB", "Rektors rum, plan 2",
                 "Anteckningar är för lång: 4\u00a0001 tecken."):
        assert plain.markdown(text) == text


def test_none_is_empty():
    assert plain.markdown(None) == "" and plain.plotly(None) == ""


# plotly.js (svg_text_utils): text between tags has these references decoded, once.
PLOTLY_ENTITY = re.compile(r"&(#\d+|#x[\da-fA-F]+|[a-z]+);")
PLOTLY_NAMED = {"mu": "μ", "amp": "&", "lt": "<", "gt": ">", "nbsp": "\u00a0", "times": "×",
                "plusmn": "±", "deg": "°"}


def _plotly_shows(text: str) -> str:
    def decode(match):
        name = match[1]
        if name.startswith("#"):
            return chr(int(name[2:], 16) if name[1] == "x" else int(name[1:]))
        return PLOTLY_NAMED.get(name, match[0])
    return PLOTLY_ENTITY.sub(decode, text)


@given(TEXT)
def test_plotly_text_has_no_tag_or_math_and_shows_as_typed(text):
    escaped = plain.plotly(text)
    assert "<" not in escaped and ">" not in escaped and "$" not in escaped
    assert _plotly_shows(escaped) == plain.printable(text)
