"""The reading view of a text: what the PII recognisers look at.

Web pages and manuals carry much that no reader reads: tag and attribute names, SVG path data
(`d="M447.668,-188C450.1453,-188 ..."`), doxygen anchors (`group__apr__pools.html#ga85f1e193c31d...`),
images inlined as base64. Its numbers and random-looking runs look like phone numbers and keys. The view is
the same text, the same length, with those parts blanked to spaces, so a span found in the view is the same
span of the text, which is what gets rewritten. Kept: the text between tags, comments, and the values of the
attributes that carry what a person wrote or links to them (`href`, `src`, `title`, `alt`, `content`, `value`,
`name` outside anchors, `data-*`...): an address in `mailto:`, an IP in a URL, an author in a `<meta>` are
found as before. Blanked: a decorator a highlighter marked as one (`<span class="nd">@app</span>`), the fragment
of a URL (`#section-2`, not `#access_token=...`), the payload of a `data:` URI, blocks of two or more lines of
base64 (images, PGP signatures) unless a `PRIVATE KEY` header opens them, and the column separator a roff table
names (`tab(@)`: `srun   @slurm_spank_init   @local`) outside its text blocks.
"""
from __future__ import annotations

import re

import numpy as np

# a tag: its name, then attributes whose names are names (`<pkg-\n perl-maintainers@lists.debian.org>` is an address)
TAG = re.compile(r"</?[A-Za-z][\w:.\-]*(?:\s+[A-Za-z_:][\w:.\-]*(?:\s*=\s*(?:\"[^\"]*\"|'[^']*'|[^\s<>\"']+))?)*\s*/?>")
ATTR = re.compile(r"\s([A-Za-z_:][\w:.\-]*)(?:\s*=\s*(?:\"([^\"]*)\"|'([^']*)'|([^\s<>\"']+)))?")
KEEP = frozenset({"href", "src", "title", "alt", "content", "value", "action", "cite", "label", "placeholder",
                  "summary", "name", "longdesc", "poster", "srcset"})
# a tag with none of these is blanked whole without reading its attributes
MAY_KEEP = re.compile(r"\s(?:" + "|".join(sorted(KEEP)) + r"|data-)", re.IGNORECASE)
URL = re.compile(r"(?:https?|ftp)://[^\s\"'<>]+|(?<![\w.])[\w\-.]+\.html?#[^\s\"'<>]+")
FRAGMENT = re.compile(r"#[^\s\"'<>=#@]*$")  # not one that passes values (`#token=`, `#jane@x.org`)
DATA_URI = re.compile(r"data:[\w.+\-]+/[\w.+\-]+(?:;[\w.+\-]+=[\w.+\-]+)*;base64,([A-Za-z0-9+/=]+)")
# a base64 line or an armour checksum, quoted in a mail or not (`>iD8DBQA/...`); a string or block that holds it may
# close on its last line (Tcl's `...AOw==}`)
BASE64_LINE = re.compile(r"(?:[ \t]*>)*[ \t]*([A-Za-z0-9+/]{16,}={0,2}|=[A-Za-z0-9+/]{4})[}\])\"';,]{0,3}[ \t]*\r?(?:\n|$)")
PRIVATE = re.compile(r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY[A-Z ]*-----")
TAG_NAME = re.compile(r"</?([\w:.\-]+)")
SPACE = re.compile(r"\s")
# a decorator a highlighter marked (Pygments' Name.Decorator in Sphinx's HTML: `<span class="nd">@UUIDField</span>`): code
DECORATOR = re.compile(r"<span class=\"nd\">(@[\w.]+)</span>")
# a roff table whose options name its column separator (`.TS` then `expand, allbox, tab (@);`): up to `.TE` and outside
# its `T{`...`T}` text blocks, that character is markup (Slurm's `srun   @slurm_spank_init   @local   @1`), not part of
# a handle or an address
TBL_TAB = re.compile(r"(?:^|\n)\.TS[ \t]*\n[^\n;]*\btab[ \t]*\([ \t]*([^\w\s])[ \t]*\)[^\n]*;[ \t]*\n", re.IGNORECASE)


def reading_view(text: str) -> str:
    """`text` with markup, URL fragments, data: payloads and base64 blocks blanked (same length)."""
    starts: list[int] = []  # the spans to blank, collected first and written once
    ends: list[int] = []

    def blank(s: int, e: int) -> None:
        if e > s:
            starts.append(s)
            ends.append(e)

    if "<" in text:
        for m in TAG.finditer(text):
            if MAY_KEEP.search(m.group()):
                _tag(m, blank)
            else:  # most tags (`<span class="x">`): no attribute to keep, the whole tag goes
                blank(m.start(), m.end())
        if 'class="nd"' in text:
            for m in DECORATOR.finditer(text):
                blank(m.start(1), m.end(1))
    _fragments(text, blank)
    if ".TS" in text:
        _table_separators(text, blank)
    if "base64," in text:
        for m in DATA_URI.finditer(text):
            blank(m.start(1), m.end(1))
    if "\n" in text:  # base64 lines are read once the tags around them (`<br>`) are blanked
        view, before = _blanked(text, starts, ends), len(starts)
        _base64_blocks(view, blank)
        if len(starts) == before:
            return view
    return _blanked(text, starts, ends)


def _blanked(text: str, starts: list[int], ends: list[int]) -> str:
    """`text` with every character of the spans `starts[i]:ends[i]` (they may overlap) but newlines made a space."""
    if not starts:
        return text
    cps = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).copy()
    depth = np.cumsum(np.bincount(starts, minlength=len(cps) + 1) - np.bincount(ends, minlength=len(cps) + 1))
    cps[(depth[:-1] > 0) & (cps != 10)] = 32
    return cps.tobytes().decode("utf-32-le", "surrogatepass")


def _tag(m: re.Match, blank) -> None:
    """Blank a tag but the values of the attributes a person wrote (and, in a link, not its fragment)."""
    tag = m.group()
    if not SPACE.search(tag):  # no attribute (an attribute follows a space): the whole tag goes
        blank(m.start(), m.end())
        return
    name = TAG_NAME.match(tag).group(1).lower()
    keep: list[tuple[int, int]] = []
    for a in ATTR.finditer(tag):
        attr = a.group(1).lower()
        if (attr in KEEP or attr.startswith("data-")) and not (attr == "name" and name == "a"):
            for g in (2, 3, 4):
                if a.group(g) is not None:
                    keep.append((a.start(g), a.end(g)))
                    if attr in ("href", "src", "action", "cite"):
                        _fragment(a.group(g), m.start() + a.start(g), blank)
                    break
    last = 0
    for s, e in keep:
        blank(m.start() + last, m.start() + s)
        last = e
    blank(m.start() + last, m.end())


def _fragments(text: str, blank) -> None:
    """Blank the fragments of the URLs in `text`. A URL holds no newline, so only the lines holding a `#` are read
    (one `URL` search per such line finds what one search of the whole text finds there)."""
    pos = 0
    while (h := text.find("#", pos)) >= 0:
        start, end = text.rfind("\n", 0, h) + 1, text.find("\n", h)
        end = len(text) if end < 0 else end
        for m in URL.finditer(text, start, end):
            _fragment(m.group(), m.start(), blank)
        pos = end + 1


def _fragment(url: str, at: int, blank) -> None:
    """Blank the fragment of a URL starting at `at` (`#ga85f1e193c...`), not one that passes values (`#token=`)."""
    f = FRAGMENT.search(url)
    if f and len(f.group()) > 1:
        blank(at + f.start(), at + len(url))


def _table_separators(text: str, blank) -> None:
    """Blank every separator character a roff table names in its options (`tab(@)`), from the options to `.TE`, but
    in its text blocks (the lines between `T{` and `T}`: prose, where `tab(:)`'s colon is an IPv6 address's,
    `fe80::/64`)."""
    for m in TBL_TAB.finditer(text):
        end = text.find("\n.TE", m.end())
        end, sep, pos, in_block = len(text) if end < 0 else end, m.group(1), m.end(), False
        while pos < end:
            nl = text.find("\n", pos, end)
            line = text[pos:end if nl < 0 else nl]
            if not in_block or line.startswith("T}"):
                for i in (i for i, c in enumerate(line) if c == sep):
                    blank(pos + i, pos + i + 1)
            in_block = line.rstrip().endswith("T{") or (in_block and not line.startswith("T}"))
            pos = end if nl < 0 else nl + 1


def _base64_blocks(text: str, blank) -> None:
    """Blank runs of 2+ consecutive lines that are base64 only, one of 40+ characters (an inlined image, a PGP
    signature with its `=jKHM` checksum, CRLF or not), unless a `PRIVATE KEY` header (PEM or PGP) is right before
    the run: then it is key material and stays visible."""
    if not re.search(r"[A-Za-z0-9+/]{40}", text):
        return
    pos, n = 0, len(text)
    while pos < n:
        m = BASE64_LINE.match(text, pos)
        if m is None:
            nl = text.find("\n", pos)
            if nl < 0:
                return
            pos = nl + 1
            continue
        start, end, lines, longest = m.start(1), m.end(), 1, len(m.group(1))
        while end < n and (m2 := BASE64_LINE.match(text, end)) is not None:
            end, lines, longest = m2.end(), lines + 1, max(longest, len(m2.group(1)))
        if lines >= 2 and longest >= 40 and not PRIVATE.search(text, max(0, start - 200), start):
            blank(start, end)
        pos = end
