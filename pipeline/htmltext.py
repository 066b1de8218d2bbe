"""HTML to plain text with paragraph breaks, and splitting a page into sections at its headings.

lxml parses; we walk the tree once, emitting a blank line around block elements so paragraphs survive,
and skipping script/style/navigation. Sections start at h1-h4, which is how the bundled manuals become
documents of a few KB (one per section) rather than one per chapter page.
"""
from __future__ import annotations

import re

import lxml.html

BLOCK = {
    "p", "div", "li", "ul", "ol", "dl", "dt", "dd", "pre", "table", "tr", "td", "th", "blockquote",
    "section", "article", "br", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "hr",
}
SKIP = {"script", "style", "noscript", "nav", "header", "footer", "head", "title", "button", "select", "form"}
HEADINGS = {"h1", "h2", "h3", "h4"}
_BLANKS = re.compile(r"[ \t\r\f\v]+")
_MANY_NL = re.compile(r"\n\s*\n+")


def _tidy(parts: list[str]) -> str:
    text = "".join(parts)
    lines = [_BLANKS.sub(" ", ln).strip() for ln in text.split("\n")]
    return _MANY_NL.sub("\n\n", "\n".join(lines)).strip()


_CHARSET = re.compile(rb"""charset=["']?([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def decode_html(data: bytes) -> str:
    """UTF-8 first (most of the web and all our sources), else the page's declared charset, else cp1252."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    m = _CHARSET.search(data[:4096])
    for enc in ([m.group(1).decode("ascii")] if m else []) + ["cp1252"]:
        try:
            return data.decode(enc, "replace")
        except LookupError:
            continue
    return data.decode("utf-8", "replace")


def html_sections(data: bytes | str, skip_classes: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """[(heading, text)] for each h1-h4 section of a page; text before the first heading gets heading ''."""
    if not data or not data.strip():
        return []
    text = decode_html(data) if isinstance(data, bytes) else data
    root = lxml.html.fromstring(_XML_DECL.sub("", text, count=1))
    body = root.find("body")
    sections: list[tuple[str, list[str]]] = [("", [])]

    def walk(el) -> None:
        tag = el.tag if isinstance(el.tag, str) else ""
        cls = el.get("class", "") if tag else ""
        if tag in SKIP or (skip_classes and any(c in cls.split() for c in skip_classes)):
            if el.tail:
                sections[-1][1].append(el.tail)
            return
        if tag in HEADINGS:
            title = " ".join(el.text_content().split())
            sections.append((title, [title, "\n\n"]))
        else:
            if tag in BLOCK:
                sections[-1][1].append("\n\n" if tag != "br" else "\n")
            if el.text and tag:
                sections[-1][1].append(el.text)
            for child in el:
                walk(child)
            if tag in BLOCK:
                sections[-1][1].append("\n\n")
        if el.tail:
            sections[-1][1].append(el.tail)

    walk(body if body is not None else root)
    out = [(h, _tidy(parts)) for h, parts in sections]
    return [(h, t) for h, t in out if t]


def html_to_text(data: bytes | str) -> str:
    return "\n\n".join(t for _, t in html_sections(data))


def merge_heading_only(sections: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """A section holding only its heading is glued to the next one instead of becoming a tiny document."""
    out: list[tuple[str, str]] = []
    carry = ""
    for heading, text in sections:
        if text.strip() == heading.strip():
            carry = f"{carry}{text}\n\n"
            continue
        out.append((heading, carry + text))
        carry = ""
    if carry.strip():
        out.append(("", carry.strip()))
    return out
