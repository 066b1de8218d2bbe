"""How much of a language's own text the `foreign_letters` rule drops, on text other than the UDHR (part of
`make lid-eval`, key `alphabet_own_text`).

The UDHR is the only prose here for most of the languages that name an alphabet, and it is the evaluation set.
LibreOffice's translations into six of them (Debian's `libreoffice-l10n-<lang>`, MPL-2.0, Translate.org.za and
the Kinyarwanda team) are a second, independent text: every translated interface string of >= 20 letters, read
from the package's .mo catalogues, goes through the rule with the language's alphabet and `foreign_max`.
Interface strings are not prose, but their letters are the language's.
"""
from __future__ import annotations

import gettext
import io
from collections import Counter
from pathlib import Path

from pipeline.filters.alphabet import fold, foreign_share, read_alphabet
from pipeline.language import load_language

L10N = ("nso", "rw", "st", "ts", "xh", "zu")
"""The languages with an alphabet that LibreOffice is translated into (Debian 12)."""
MIN_LETTERS = 20


def translated_strings(deb: Path) -> list[str]:
    """Every translated string (msgstr differing from msgid) of the .mo catalogues in a .deb, in file order."""
    from pipeline.evals.pii_manuals import deb_files

    out = []
    for name, data in deb_files(deb):
        if name.endswith(".mo"):
            catalog = gettext.GNUTranslations(io.BytesIO(data))._catalog
            out += [v for k, v in catalog.items() if k and v and v != (k[0] if isinstance(k, tuple) else k)]
    return out


def evaluate(folder: Path, languages_dir: Path, langs=L10N) -> dict:
    """Per language: strings checked, the share the rule drops, and the letters it found foreign."""
    from pipeline.evals.pii_manuals import download

    debs = download(folder, [f"libreoffice-l10n-{lang}" for lang in langs])
    out = {}
    for lang in langs:
        lid = load_language(languages_dir, lang).lid
        alphabet = read_alphabet(languages_dir / lid.alphabet, languages_dir)
        texts = [t for t in translated_strings(debs[f"libreoffice-l10n-{lang}"]) if sum(c.isalpha() for c in t) >= MIN_LETTERS]
        dropped = [t for t in texts if foreign_share(t, alphabet) > lid.foreign_max]
        letters = Counter(c for t in dropped for c in fold(t.lower()) if c.isalpha() and not c.isascii() and c not in alphabet)
        out[lang] = {"package": debs[f"libreoffice-l10n-{lang}"].name, "strings": len(texts),
                     "dropped": len(dropped), "dropped_share": round(len(dropped) / max(len(texts), 1), 4),
                     "foreign_letters": dict(letters.most_common(8)), "examples": [t[:120] for t in dropped[:3]]}
    return out
