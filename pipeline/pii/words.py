"""Words, in the languages the project builds, that tell a PII look-alike from the real thing.

Technical text mixes languages (a Spanish manual quotes `Standards-Version`, a changelog translated into
Chinese keeps `release`), so every list applies to every language. Matching is case-insensitive; a word
is matched whole, except in scripts written without spaces (Chinese, Japanese), where it is a substring.

VERSION_WORDS: earlier on the same line, shortly before four dotted numbers, they make them a version
(`versión 1.2.3.4`, `版本 2.6.32.5`, `Standards-Version to 3.6.1.0`), not an IP address; LATER_WORDS right after
them (`ALSA 1.0.27.1 or later`, `1.0.27.1 oder neuer`) and SINCE_WORDS right before them (`since dpkg
1.15.5.4`) too. SECTION_WORDS do
the same right before the numbers only (`Sección 6.1.2.2`; a `routing table: 10.0.0.1` line is an IP).
AT_WORDS and DOT_WORDS: how people spell `@` and `.` to hide an address from robots (`jane at example dot
org`, `jane[at]example.org`, `juan arroba ejemplo punto es`). Between brackets any language's word counts;
without brackets only a pair of one language, the text's own or English (so `at some point in` is prose).
"""
from __future__ import annotations

import re

VERSION_WORDS = {
    "en": ("version", "versions", "release", "releases", "released", "revision", "policy", "firmware",
           "standards", "update from", "updated to", "upgrade to", "bump", "bumped", "build-dep", "build-depends",
           "depends", ">=", "<=", ">>", "<<", "prepare for", "preparing for", "preparation for"),
    "fr": ("version", "versions", "révision"),
    "es": ("versión", "version", "versiones", "revisión"),
    "it": ("versione", "versioni", "revisione", "rilascio"),
    "pt": ("versão", "versões", "revisão"),
    "de": ("version", "versionen", "revision"),
    "nl": ("versie", "uitgave"),
    "ca": ("versió", "versions", "revisió"),
    "eu": ("bertsioa", "bertsio", "bertsioan"),
    "ru": ("версия", "версии", "версию", "версией", "выпуск", "релиз"),
    "uk": ("версія", "версії"),
    "pl": ("wersja", "wersji", "wydanie"),
    "id": ("versi", "rilis"),
    "vi": ("phiên bản", "bản phát hành"),
    "tr": ("sürüm", "sürümü"),
    "ar": ("الإصدار", "إصدار", "الاصدار", "اصدار", "النسخة", "نسخة"),
    "fa": ("نسخه",),
    "ur": ("ورژن", "نسخہ"),
    "hi": ("संस्करण", "वर्ज़न", "वर्जन"),
    "bn": ("সংস্করণ", "ভার্সন"),
    "mr": ("आवृत्ती",),
    "ta": ("பதிப்பு",),
    "zh": ("版本", "发行版", "發行版"),
    "ja": ("バージョン",),
    "ko": ("버전",),
}
# right after four dotted numbers they make them a minimum version (`ALSA 1.0.27.1 or later`, `9.0.0.21 and later`);
# not "and above" or "or higher", said of addresses too (`224.0.0.0 and above` are multicast addresses)
LATER_WORDS = {
    "en": ("or later", "and later", "or newer", "and newer"),
    "fr": ("ou plus récente", "ou plus récent", "ou ultérieure", "ou ultérieur"),
    "es": ("o posterior", "o más reciente"),
    "it": ("o successiva", "o successivo", "o più recente"),
    "pt": ("ou posterior", "ou mais recente"),
    "de": ("oder neuer", "oder später"),
    "nl": ("of nieuwer", "of later"),
    "ca": ("o posterior",),
    "ru": ("или новее", "или более поздняя"),
    "pl": ("lub nowsza", "lub nowszy"),
    "id": ("atau lebih baru",),
    "vi": ("hoặc mới hơn",),
    "zh": ("或更新",),
    "ja": ("以降",),
}
# right before four dotted numbers they make them a version: in English with or without a program's name between
# (`since dpkg 1.15.5.4`, `fixed in 1.4.0.26`), in the others only with one (`desde dpkg 1.15.5.4`; `desde 10.0.0.1`
# is "from 10.0.0.1")
SINCE_WORDS = {
    "en": ("since", "fixed in", "introduced in", "added in", "removed in", "changed in", "deprecated in", "as of",
           "broken in", "broke in"),
    "fr": ("depuis",), "es": ("desde",), "pt": ("desde",), "de": ("seit",), "nl": ("sinds",), "sv": ("sedan",),
    "da": ("siden",), "nb": ("siden",), "ru": ("начиная с",),
}
SECTION_WORDS = {
    "en": ("section", "chapter", "figure", "table", "step", "appendix"),
    "fr": ("section", "chapitre", "figure", "tableau", "étape", "annexe"),
    "es": ("sección", "capítulo", "figura", "tabla", "paso", "apéndice"),
    "it": ("sezione", "capitolo", "figura", "tabella", "passo"),
    "pt": ("secção", "seção", "capítulo", "figura", "tabela", "passo"),
    "de": ("abschnitt", "kapitel", "abbildung", "tabelle", "schritt"),
    "ru": ("раздел", "глава", "рисунок", "таблица"),
    "id": ("bagian", "bab", "gambar", "tabel"),
    "vi": ("mục", "chương", "hình", "bảng"),
    "ar": ("القسم", "الفصل", "الشكل", "الجدول"),
    "hi": ("खंड", "अध्याय", "चित्र", "तालिका"),
    "zh": ("章节", "小节", "图表", "第"),  # `第 4.2.13.1 节`: the 4.2.13.1th section
    "ja": ("セクション",),
    # the other languages of the bundled handbook (not "pas", Catalan's step: French's "not")
    "ca": ("secció", "capítol", "taula", "apèndix"),
    "cs": ("oddíl", "oddílu", "sekce", "sekci", "kapitola", "kapitole", "kapitoly", "obrázek", "tabulka", "krok", "příloha"),
    "da": ("afsnit", "kapitel", "figur", "tabel", "trin", "bilag"),
    "el": ("ενότητα", "ενότητας", "κεφάλαιο", "κεφαλαίου", "σχήμα", "πίνακας", "βήμα", "παράρτημα"),
    "fa": ("بخش", "فصل", "شکل", "جدول"),
    "hr": ("odjeljak", "odjeljku", "poglavlje", "poglavlju", "slika", "tablica", "korak", "dodatak"),
    "ko": ("섹션",),
    "nb": ("avsnitt", "kapittel", "figur", "tabell", "trinn", "vedlegg"),
    "nl": ("sectie", "paragraaf", "hoofdstuk", "figuur", "tabel", "stap", "bijlage"),
    "pl": ("sekcja", "sekcji", "sekcję", "rozdział", "rozdziale", "rozdziału", "rysunek", "tabela", "krok", "dodatek"),
    "ro": ("secțiunea", "secţiunea", "capitolul", "figura", "tabelul", "pasul", "anexa"),
    "sv": ("avsnitt", "kapitel", "figur", "tabell", "steg", "bilaga"),
    "tr": ("bölüm", "bölümü", "kısım", "şekil", "tablo", "adım"),
}
AT_WORDS = {"en": ("at",), "fr": ("arobase",), "es": ("arroba",), "pt": ("arroba",), "ca": ("arrova",),
            "it": ("chiocciola",), "de": ("ät",), "ru": ("собака",), "zh": ("艾特",)}
DOT_WORDS = {"en": ("dot",), "fr": ("point",), "es": ("punto",), "pt": ("ponto",), "ca": ("punt",), "it": ("punto",),
             "de": ("punkt",), "ru": ("точка",), "zh": ("点",)}
UNSPACED = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uf900-\ufaff]")  # kana and Han: no spaces between words


def any_word(words: list[str] | tuple[str, ...]) -> str:
    """A regex alternation matching one of `words` whole (a substring in unspaced scripts)."""
    alts = []
    for w in sorted(set(words), key=len, reverse=True):
        esc = re.escape(w).replace(r"\ ", r"\s+")
        alts.append(esc if UNSPACED.match(w) else rf"(?<![^\W\d_]){esc}(?![^\W\d_])")
    return "|".join(alts)


def word_trie(words: list[str] | tuple[str, ...]) -> str:
    """What `any_word` matches, as a trie (`v(?:ersion|ersión)`, the word-boundary checks once outside it): re then
    tries one branch per first character at each position instead of every word (~30x faster on the version words).
    Where two words match at one position the one taken may differ: for yes/no questions only."""
    def trie(ws: list[str]) -> str:
        root: dict = {}
        for w in ws:
            node = root
            for unit in (r"\s+" if c == " " else re.escape(c) for c in w):
                node = node.setdefault(unit, {})
            node[""] = {}  # a word ends here

        def emit(node: dict) -> str:
            alts = [u + emit(child) for u, child in sorted(node.items()) if u] + [""] * ("" in node)
            return alts[0] if len(alts) == 1 else "(?:" + "|".join(alts) + ")"
        return emit(root)
    spaced = sorted({w for w in words if not UNSPACED.match(w)})
    unspaced = sorted({w for w in words if UNSPACED.match(w)})
    return "|".join(([rf"(?<![^\W\d_]){trie(spaced)}(?![^\W\d_])"] if spaced else []) + ([trie(unspaced)] if unspaced else []))


def all_words(table: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(sorted({w for words in table.values() for w in words}))
