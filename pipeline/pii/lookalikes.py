"""What looks like a PII value but is not: digests, names and paths taken for keys (ROOTS's false-positive lessons and
those of real technical text: changelogs, manuals, man pages); versions, section numbers and names in code taken for
IPs are in pipeline/pii/versions.py, numbers taken for phones and cards in pipeline/pii/numbers.py, code taken for
handles in pipeline/pii/handles.py.
Each rule is a function of the text and the match; pipeline/pii/entities.py attaches them to the types.
"""
from __future__ import annotations

import functools
import math
import re
from collections import Counter

# ROOTS-style custom recognisers (own regexes; the ROOTS ones were tuned on the same lessons).
# (a line of base64, 40+ characters on its own, may start with `+` or `/`: one of a private key's lines in 32 does)
KEY_PATTERN = (r"(?:(?<![^\s\"'])[+/](?=[A-Za-z0-9+/]{39,}={0,2}(?:[\s\"'\\]|$))|(?<![\w+/=\-])[A-Za-z0-9])"
               r"[A-Za-z0-9_+/=\-]{18,}[A-Za-z0-9=](?![\w+/=\-])")
# an IPv4 address as a token, with a prefix length or the punctuation after it (pipeline/pii/entities.py's phone check)
IPV4_TOKEN = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}(?:/\d{1,2})?[.,;:)]?")


def _entropy(s: str) -> float:
    n = len(s)
    return -sum(c / n * math.log2(c / n) for c in Counter(s).values())


def key_like(token: str) -> bool:
    """A secret-looking token: letters and digits mixed, high character entropy, a part of 16+ characters that
    mixes letters and digits (not `debian-handbook-2023-06-12`, whose parts are words or numbers, nor the patch
    name `tdf148395-do-no-rely-on-x`, whose mixed part is a bug number), and, with
    fewer than 3 digits, both cases and no lowercase run longer than 7 (not `AbstractProxyFactoryBean2`)."""
    digits = sum(c.isdigit() for c in token)
    letters = sum(c.isalpha() for c in token)
    if digits < 1 or letters < 3 or _entropy(token) < (3.0 if HEX.fullmatch(token) else 3.5):  # hex: <= 4 bits/char
        return False
    parts = [p for p in re.split(r"[_+/=\-]", token) if p]
    mixed = [p for p in parts if not (p.isalpha() or p.isdigit()) and len(p) >= 16]
    if not mixed:
        return False
    runs = [len(r) for p in mixed for r in re.findall(r"[a-z]+", p)]
    words = sum(len(w) for p in mixed for w in re.findall(r"[A-Z][a-z]{2,}", p))
    caps = any(c.isupper() for p in mixed for c in p)
    mean_run = sum(runs) / len(runs) if runs else 0
    if mean_run >= 4 or (not caps and mean_run >= 3) or words >= 0.6 * sum(len(p) for p in mixed):
        return False  # words in an identifier (`preadvwritev64v2`, `XF86VidModeGetAllModeLines`), not a random
        #               string (short lowercase runs between capitals and digits, few capitalised words)
    if digits >= 3:
        return True
    longest_lower = max((len(m) for m in re.findall(r"[a-z]+", token)), default=0)
    return any(c.isupper() for c in token) and any(c.islower() for c in token) and longest_lower <= 7


CAMEL_WORDS = re.compile(r"(?:[A-Z][a-z]+|[A-Z]{2,}(?=[A-Z][a-z]|$)){3,}")  # `AuthzDBDLoginToReferer`
BASE58 = r"[1-9A-HJ-NP-Za-km-z]"  # Bitcoin's alphabet: no 0, O, I, l
BITCOIN = re.compile(rf"[13]{BASE58}{{25,34}}|(?i:bc1[ac-hj-np-z02-9]{{11,71}})")  # base58, bech32 (any case)
SECRET_NAMES = r"secret|token|pass|auth"  # in a name that says what it holds (a parameter's, a JSON field's)
SELF_NAMED = re.compile(rf"[A-Za-z_]*(?:{SECRET_NAMES}|key)[A-Za-z_]*=", re.IGNORECASE)  # `oauth_token_secret=`
HEX = re.compile(r"[0-9a-fA-F]{7,}")  # git commits (7-40), md5, sha1, sha256 digests
UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{11,12}")


def ipv4_shaped(value: str) -> bool:
    """Four dotted groups of 1-3 digits, none with a leading zero: an address (`078.123.84.49` is a Swiss
    mobile number written with dots; addresses are not written with leading zeros)."""
    return (re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value) is not None and not re.search(r"(?:^|\.)0\d", value)
            and all(int(g) <= 255 for g in value.split(".")))  # `612.34.43.85` is a Spanish number


def key_candidate(token: str) -> bool:
    """What the KEY pattern may report at all: letters, and digits or both cases, with some entropy."""
    return (sum(c.isalpha() for c in token) >= 3 and _entropy(token) >= 3.0 and not identifier_like(token)
            and (any(c.isdigit() for c in token) or (any(c.isupper() for c in token) and any(c.islower() for c in token))))


def identifier_like(value: str) -> bool:
    """Two or more parts between `_ / . = -` that are each a word with at most a few digits inside
    (`http_auth_md5_hex2bin`, `tests/t/lib/ProFTPD/Tests/Logins`, `OPENSSL_SERVERALTIP6AUTH`,
    `SERVER/DB/table=dkim`): a name or a path, not a key, even after `auth` or `secret`."""
    parts = [p for p in re.split(r"[_/.=\-]", value) if p]
    return len(parts) >= 2 and all(re.fullmatch(r"[A-Za-z]{1,24}(?:\d{1,4}[A-Za-z]{0,24})?|\d{1,4}", p)
                                   and len(re.findall(r"[a-z][A-Z]", p)) <= 2 for p in parts)  # `TestSuite`, not
    #                                                                    random `huZfgZRJlzTtdGfg3tGnC`


def base64_text(text: str, s: int, e: int) -> bool:
    """Base64 of readable text (`TmV2ZXIgR29ubmEgR2l2ZSBZb3UgVXA=`, `data=YW55IGJpbmFyeSBkYXRhCg==`): example data
    in a manual, not key material (a key decodes to random bytes; a PEM private key is kept: it says so); base64url of
    a JSON object with no secret's name in it, unless one of a token's dotted parts (a JOSE header alone
    `"protected":"eyJhbGciOiJSUzI1NiJ9"`, Docker's path stat header; every part of a compact JWT or JWE stays a key,
    as does a base64 Docker config holding `auth`)."""
    import base64
    import binascii

    value = text[s:e]
    body = value.split("=", 1)[1] if re.match(r"[A-Za-z]\w*=[A-Za-z0-9+/\-_]", value) else value
    body = body.rstrip("=").translate(str.maketrans("-_", "+/"))
    try:
        raw = base64.b64decode(body[: len(body) - len(body) % 4], validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        decoded = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    printable = sum(c.isprintable() or c in "\n\t" for c in decoded)
    json = decoded.lstrip().startswith('{"')
    if json and (re.search(rf"{SECRET_NAMES}|private|\"d\"", decoded, re.IGNORECASE) or in_compact_token(text, s, e)):
        return False
    return len(raw) >= 8 and printable >= 0.97 * len(decoded) and (" " in decoded or json) and "PRIVATE KEY" not in decoded


# what names a value that is no secret, right before it: a digest (`sha224:`, `"sha256": "`, a pin's `sha256//`), a
# launch measurement, a KDF's salt (restic's `"salt": "..."`), GnuPG's `SIG_ID`, an OAuth `state` nonce (`?state=`), a
# Go module's checksum (`go.sum`'s `golang.org/x/sys v0.1.0/go.mod h1:<base64 of a SHA-256>=`)
NOT_SECRET_BEFORE = re.compile(r"(?:(?:sha\d*|md5|digest|checksum|salt)(?:(?:\"|&quot;)?\s*[:=]\s*(?:\"|&quot;)?|//)"
                               r"|measurement[:=\s]|--[\w-]*(?:sha\d+|md5)\s|\bSIG_ID\s|[?&;]state=|(?<![\w.])h1:)\s*$",
                               re.IGNORECASE)


def key_look_alike(text: str, s: int, e: int) -> bool:
    """Not a key whatever the context: a name after a roff escape (`\\s-1OSSL_KDF_PARAM_SECRET`), a C constant under
    its library's prefix (`NID_pbeWithMD5AndDES_CBC`), a digest after its algorithm (`sha224:0GomF8...`, a public key pin
    `sha256//YhKJ...=`, `pin-sha256="..."` or `=&quot;...`, `--hostpubsha256 NDVk...=`, a launch `--measurement`, a
    subresource integrity hash `sha384-SggX...`), a value named as a key's digest (`pubkey256 = '...'`, a fingerprint; a
    public key itself is key material: `PublicKey = xTIBA5...=`), domain parameters
    (`BEGIN DSA PARAMETERS`), base64 of readable text, a list of option letters (`-aAbBdDfhL46`, each once), a single capitalised word
    (`Systemzugangsberechtigungen`), words run together with no digit (`AuthBasicUseDigestAlgorithm`,
    `AuthzDBDLoginToReferer`: a directive's name even after `auth`), an API's function name, a hex number inside a
    disk's name, a parameter set to a number, a name in a dotted path or a call, a UUID naming an object, a Bitcoin
    address or a node's id, an alphabet, a file's name, a site verification token (public in a page's `<meta>`), a
    signature's id in GnuPG's status lines (`[GNUPG:] SIG_ID 9hQvRhgj...`), a KDF's salt, an OAuth `state` nonce,
    a Go module's checksum (`h1:oPkhp1MJ...=`)."""
    value = text[s:e]
    glued = 2 if re.search(r"\\(?:\*?\(|f)$", text[max(0, s - 3):s]) else int(text[s - 1:s] == "\\" and value[:1] in "tnr")
    if glued and key_needs_context(value[glued:]):
        return True  # roff glued to the token: `\(dq44f68b13ce97044b837f000035ca9452` is a quoted GUID, a string's
        #              quote `\*(Aqea0c2dbd...` opens a git commit id; a C escape: `\\t430BDF5C...` (a tab, a fingerprint)
    size = re.match(r"s[-+]?\d|f[IBRP]", value) if text[max(0, s - 1):s] == "\\" else None
    if size and (identifier_like(value[size.end():]) or key_needs_context(value[size.end():])):
        return True  # a roff size or font escape glued to a name or an id: `\s-1OSSL_KDF_PARAM_SECRET`, `\fIdae86e1950b1...`
    if re.fullmatch(r"[A-Z][A-Z0-9]{1,7}(?:_[A-Za-z]+(?:\d{1,3}[A-Za-z]*)*)+", value):
        return True  # a C constant under its library's prefix: `NID_pbeWithMD5AndDES_CBC`, `EVP_PKEY_RSA_PSS`
    if text[max(0, s - 1):s] == "\\" and value[:1] == "x" and HEX.fullmatch(value[1:]):
        return True  # a hex literal: `\xba7816bf8f01cfea414140de5dae2223` (a bytea, a C string)
    if re.search(r"__F[A-Z]*P?\d+[A-Za-z_]", value) or re.search(r"_Z(?:T[hv]n?\d|T[ISV]N?\d|[NKL]?\d)|^ZT[hv]n?\d", value):
        return True  # a mangled C++ name (`sqljsDriveRequests__FP8sqeAgentP14db2UCconHandle`, `_ZN3foo3barEv`,
        #              a thunk `_ZThn8_N3NSB6ClassDD1Ev`, even with roff's `\*(Aq` glued before it)
    if (re.search(r"\b(?:dgst|sha\d*sum|md5sum|b2sum|shasum)\b[^\n]*\n[ \t]*$", text[max(0, s - 120):s])
            or (re.search(r"(?:^|\n)[ \t]*(?:\\&)?[ \t]*$", text[max(0, s - 40):s])
                and re.search(r"(?:sha\d+|md5)_(?:base64|hex)\b", text[max(0, s - 240):s]))):
        return True  # what a digest command printed, opening the line after it: `openssl dgst -sha224 f | openssl
        #              base64\nEYGH2o...` (not a token later on the command's line: `sha256sum <hex>; token: <key>`),
        #              what a digest function returns, alone on its line: `sha256_base64("abc") is computed to be\n
        #              ungWv48Bz...`
    if in_private_block(text, s, "PARAMETERS-----"):
        return True  # DSA, DH or EC domain parameters: public numbers, even written as C strings (`"MIICLAKC...\n"`)
    if re.fullmatch(r"[a-z]{2,}\d{0,2}(?:[A-Z][a-z]+|[A-Z]{2,}s?(?=[A-Z][a-z]|\d|$)){3,}\d{0,2}", value):
        return True  # an API's function or a MIB object: `virDomainMigrateToURI3`, `ipv6IfStatsOutFragOKs`
        #              (lowerCamelCase words and acronyms, a version's digit after the first word or at the end)
    if re.search(r"[-_/.]0x[0-9a-fA-F]{8,}(?:[-_/.]|$)|^0x[0-9a-fA-F]{8,}[-_/.]", value):
        return True  # a number written in hex inside a name: a disk's World Wide Name `wwn-0x5000c50015c4842f-part1`
    if re.fullmatch(r"[A-Za-z_]\w*=(?:\d+|0x[0-9a-fA-F]+)", value) or dotted_name(text, s, e):
        return True  # a parameter set to a number: `phonenumber=449999123456` (a key mixes letters in), a pointer in a
        #              debugger's backtrace `objspace=0x000055af60b2b040`; a name in a dotted path or called
    if object_id(text, s, e):
        return True  # a UUID naming an object, a file's checksum after its path
    if bitcoin_address(value) or node_id(value) or ascending_run(value) or re.match(r"(?:\\&)?\.[a-z][a-z\d]{1,4}\b", text[e:e + 8]):
        return True  # a Bitcoin address (CRYPTO's) or a node's id, an alphabet `0123456789ABCDEFGHIJ...`, a file's name before its
        #              extension (`figures/invest2Lots0RegB4Scrub.png`, roff's `testSTM00019F3F9cap_diag\&.bin`)
    return bool(NOT_SECRET_BEFORE.search(text[max(0, s - 30):s])
                or re.search(r"\b(?:pub(?:lic)?[_-]?key[_-]?(?:sha)?(?:256|384|512)|\w*fingerprint\w*)\s*[:=]\s*"
                             r"(?:[\"'`]|&#39;|&quot;)?$", text[max(0, s - 40):s], re.IGNORECASE)  # `pubkey256 = '...'`
                or re.search(r"site[-_]verification\W{0,24}$", text[max(0, s - 50):s], re.IGNORECASE)  # a public meta tag
                or re.match(r"\W{0,24}(?:google-)?site[-_]verification", text[e:e + 60], re.IGNORECASE)  # (its name after)
                or re.match(r"(?:sha\d+|md5)(?://|-)|state=", value, re.IGNORECASE)  # a pin; `sha384-...`; `state=...`
                or base64_text(text, s, e)
                or (re.search(r"(?:-|\bFl )$", text[max(0, s - 3):s]) and len(set(value)) == len(value))
                or re.fullmatch(r"[A-Z]?[a-z]+", value) or CAMEL_WORDS.fullmatch(value))


def object_id(text: str, s: int, e: int) -> bool:
    """A UUID naming an object, a stored secret too (`secret uuid='...'`, `Secret <uuid> created`), or a hex digest
    after a file's path: its checksum (Puppet's filebucket `/etc/passwd: 429b2256...`, `restore /tmp/passwd 429b...`;
    the secret word in the path is no context)."""
    value = text[s:e]
    if HEX.fullmatch(value) and re.search(r"(?:^|\s)/[\w.\-/]+:?[ \t]+$", text[max(0, s - 80):s]):
        return True
    return UUID.fullmatch(value) is not None and (
        re.search(r"uuid\s*[=:]\s*['\"]?$", text[max(0, s - 12):s], re.IGNORECASE) is not None
        or re.match(r" (?:created|defined|undefined|deleted|removed|started|destroyed)\b", text[e:e + 12]) is not None)


def in_compact_token(text: str, s: int, e: int) -> bool:
    """The match is joined by a dot to more base64url (`header.payload.signature`, a JWT or a compact JWE; the dot may
    stand between blanked highlighter tags or line breaks)."""
    return (re.match(r"\s*\.\s*[A-Za-z0-9_\-]", text[e:e + 80]) is not None
            or re.search(r"[A-Za-z0-9_\-]\s*\.\s*$", text[max(0, s - 80):s]) is not None)


# an identifier of words, acronyms and numbers run together: `ISO8601DateTimeOrFloat`, `PBESv1SHA1And3KeyTripleDESCBC`
NAME_PIECES = re.compile(r"(?:[A-Z][a-z]{2,}|[A-Z]{2,}(?=[A-Z][a-z]|v?\d|$)|[A-Z][a-z]|[a-z]{3,}|v?\d{1,4})+")


def dotted_name(text: str, s: int, e: int) -> bool:
    """An attribute in a dotted path or a called name made of words, acronyms and numbers (`celery.bin.base.
    ISO8601DateTimeOrFloat`, `pkcs12.PBES.PBESv2SHA256AndAES256CBC`, `ISO8601DateTimeOrFloat()`): it parses into
    such pieces, one a word of 3+ letters with a vowel. A key is not written after `name.` nor called; a JWT's parts,
    which follow a dot, hold `_`, `-` or lowercase pairs that do not parse."""
    value = text[s:e]
    if not (re.search(r"\w(?:[ \t]{2,})?\.(?:[ \t]{2,})?$|\.\. (?:py:)?(?:attribute|method|class|function|data|exception)::[ \t]+$",
                      text[max(0, s - 80):s]) or re.match(r"[ \t]*\(", text[e:e + 40])) or not NAME_PIECES.fullmatch(value):
        return False  # (a highlighter's tags around the dot are blanked to spaces in the reading view; a sentence's
        #              end, one space, is not a path)
    return any(re.search(r"[AEIOUYaeiouy]", w) for w in re.findall(r"[A-Z][a-z]{2,}|(?<![A-Za-z])[a-z]{3,}", value))


@functools.lru_cache(maxsize=1)
def _crypto():
    from presidio_analyzer.predefined_recognizers import CryptoRecognizer

    return CryptoRecognizer()


def bitcoin_address(value: str) -> bool:
    """A Bitcoin address whose checksum holds (presidio's CryptoRecognizer check; bech32 in either case): a random key
    may be base58-shaped and start with 3 (`3czcDiGcagNbjY32QbWy8Hmu6fRi4JK5`), but its checksum fails."""
    if not BITCOIN.fullmatch(value):
        return False
    return _crypto().validate_result(value.lower() if value[:3].lower() == "bc1" else value)


def node_id(value: str) -> bool:
    """Base58 with its checksum, opening with `1` and longer than a Bitcoin address: a node's id (Storj's
    `12EayRS2V1kEsWES...ps3S`), derived from its public key; no secret (a private key in the same encoding, wallet
    import format, opens with 5, K or L)."""
    return (value[:1] == "1" and crypto_look_alike(value, 0, len(value))
            and re.fullmatch(f"{BASE58}+", value) is not None and _crypto().validate_result(value))


def crypto_look_alike(text: str, s: int, e: int) -> bool:
    """Base58 that checks but is longer than a Bitcoin address can be: a legacy address is 25 bytes, at most 35
    characters (a Storj node id `12EayRS2V1kEsWES...ps3S`, 51 characters, is base58 with a checksum too)."""
    value = text[s:e]
    return not value.lower().startswith("bc1") and len(value) > 35


def ascending_run(value: str, n: int = 8) -> bool:
    """`n` characters in a row that follow each other in Unicode (`0123456789`, `ABCDEFGH`): an alphabet, not a key."""
    run = 1
    for a, b in zip(value, value[1:]):
        run = run + 1 if ord(b) == ord(a) + 1 else 1
        if run >= n:
            return True
    return False


def key_needs_context(value: str) -> bool:
    """Tokens that are keys only right after a secret word (`token: <hex>`, `password: <word salad>`): those
    not random-looking (`key_like`), and those whose parts between `/ - _ + . =` are all letters only, digits
    only, hex, or shorter than 16 characters, as in digests and commit ids, UUIDs, file paths and package
    names (`debian/patches/revert-eabcfb3f18a6944d9ad89cecd3eb3ca7a2259cf3`), and those of one case and digits alone
    (base32 hashes, registry ids: `213800KUD8LAJWSQ9D15`; Docker's object ids `71izy0goik036k48jg985xnds`, a search
    index's lowercased terms; an access key id after `AccessKey =` counts), a Gerrit `Change-Id` (`I` and a SHA-1), and
    those shaped as a Bitcoin address (an invalid one in a validator's manual; `api_key = 3czcDiGc...` counts). A key that
    stands alone has a long random run mixing letters of both cases and digits (`sk_live_4eC39HqLyjWDarjtT1zdp7dc`)."""
    parts = [p for p in re.split(r"[/\-_+.=]", value) if p]
    return (not key_like(value) or all(p.isalpha() or p.isdigit() or HEX.fullmatch(p) or len(p) < 16 for p in parts)
            or not any(c.islower() for c in value)  # capitals and digits: NSEC3 hashes, LEIs, transaction ids
            or (not any(c.isupper() for c in value) and not re.fullmatch(r"0x[0-9a-f]+", value)  # lowercase and
                and not SELF_NAMED.match(value))  # digits: base36 ids (Docker's), base32 in lowercase (a hex number
            #   `0x...` is left as it was, and so is a value after its own secret name: `oauth_token_secret=pfkkdhi9...`)
            or re.fullmatch(r"I[0-9a-f]{40}", value) is not None  # Gerrit's `Change-Id: I680f1454...` in a git log
            or re.match(r"/(?:[a-z][\w.\-]*/){2,}", value) is not None  # a file's path: `/var/lib/containers/.../7HS76F2P...`
            or BITCOIN.fullmatch(value) is not None)  # Bitcoin-shaped, its checksum failing: `validate('1NEDq...')`


WORDISH = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af]+|[^\W\d_]{3,}")  # a kana/Han/Hangul run is words
HEX_WORD = re.compile(r"[A-Fa-f]+")


def data_window(text: str, s: int, e: int, pad: int = 100) -> bool:
    """Numbers and symbols all around the match, not prose: a drawing, a dump, a table (PostScript's
    `77 108 72 108 DL`, xfig's `2 1 0 2 1 7 50 0 -1`, hex strings `<686f7374>142 438.6 Q`, base64). Less than
    a fifth of the letters and digits within `pad` of it are letters of words (3+ letters, not hex-only); box
    drawing and punctuation do not count (a table of prose with `│` borders is prose)."""
    window = text[max(0, s - pad):s] + " " + text[e:e + pad]
    chars = sum(c.isalnum() for c in window)
    if chars < 20:
        return False  # too little around it to tell
    letters = sum(len(w) for w in WORDISH.findall(window) if not HEX_WORD.fullmatch(w))
    return letters < 0.2 * chars


def in_private_block(text: str, s: int, kind: str = "PRIVATE KEY") -> bool:
    """Position `s` is between a `-----BEGIN ... PRIVATE KEY...-----` line (or one naming `kind`) and its `-----END`."""
    begin = text.rfind("-----BEGIN ", 0, s)
    if begin < 0:
        return False
    line_end = text.find("\n", begin)
    return kind in text[begin:line_end if line_end >= 0 else len(text)] and "-----END" not in text[begin:s]


def key_place_needs_context(text: str, s: int, e: int) -> bool:
    """A KEY-shaped token counts only after a secret word inside a URL (a Message-ID, an anchor; `?token=`
    has its word), next to URL escapes (`CA%2b4duQ%3dppW`, or its first two characters an escape's), or among
    data (a signature, a dump), unless it is inside a PEM/PGP private key block."""
    if (in_url(text, s) or text[e:e + 1] == "%" or re.search(r"%[0-9A-Fa-f]{2}$", text[max(0, s - 3):s])
            or (text[max(0, s - 1):s] == "%" and re.match(r"[0-9A-Fa-f]{2}", text[s:s + 2]))):
        return True  # (the last: the token took an escape's digits, `...4ox%2d2kSeHtD7LW39e`, in a URL cut by a line break)
    return data_window(text, s, e) and not in_private_block(text, s)


def in_url(text: str, s: int) -> bool:
    """Position `s` is inside a URL: its token (back to whitespace or a quote) has `scheme://`."""
    token = re.search(r"[^\s\"'<>]*$", text[max(0, s - 300):s]).group()
    return "://" in token


def email_look_alike(text: str, s: int, e: int) -> bool:
    """A domain quoted with its `@` (`'@compuserve.com'`): no local part, no one's address; a template whose local
    part ends with a variable (`virus-${1}@example.com`, `$1@example.com`; a Message-ID's `c0b7js$2r65$1@host` is no
    template)."""
    local = text[s:e].split("@", 1)[0]
    return not re.search(r"\w", local) or re.search(r"(?:^|[-_.+])\$(?:\{\w*\}|\d+)$", local) is not None


def widen(text: str, s: int, e: int, limit: int = 64) -> tuple[int, int]:
    """Move a span's edges outwards to whitespace (at most `limit` characters) so no value is cut."""
    lo = max(0, s - limit)
    while s > lo and not text[s - 1].isspace():
        s -= 1
    hi = min(len(text), e + limit)
    while e < hi and not text[e].isspace():
        e += 1
    return s, e


def in_ipv4(text: str, start: int, end: int) -> bool:
    """A phone trigger inside an IPv4 address (the phone look-alike rule would reject what it finds there)."""
    m = IPV4_TOKEN.fullmatch(text, *widen(text, start, end, 16))
    return m is not None and ipv4_shaped(re.match(r"[\d.]*\d", m.group()).group())
