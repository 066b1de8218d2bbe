"""What looks like an IP address but is not: a version (`linux-2.6.32.5`, `versión 1.2.3.4`, `since dpkg 1.15.5.4`,
a release's title), a section number (a table of contents, an underlined heading), a netmask, a name in code
(`B::CC`, a Texinfo menu entry). The rules of the IP_ADDRESS type; pipeline/pii/entities.py attaches them.
"""
from __future__ import annotations

import re

from pipeline.pii.words import LATER_WORDS, SINCE_WORDS, VERSION_WORDS, all_words, any_word, word_trie

JOINED_BEFORE = re.compile(r"[\w\-_.]$")   # `linux-2.6.32.5`, `foo_1.2.3.4`, `x1.2.3.4`
VERSION_AFTER = re.compile(r"^(?:[.+~_]\w|-[A-Za-z]|-\d+(?![\d:]|\.\d)|[A-Za-z])")  # `1.2.3.4-1`, `-amd64`, `.5`, `a`
# (but `192.168.0.1-192.168.0.254` is a range of addresses)
# a section number opening a line (`12.1.1.1. Title`) or a link (its markup blanked in the reading view)
OPENS = re.compile(r"(?:^|\n)[ \t]*$|[ \t]{2,}$")
# (or a no-break space after it, as DocBook writes `title="9.16.2.3.&nbsp;SQL/JSON..."`), or a heading: its line
# underlined (`13.2.4.7 account field` over a line of dots, a text manual's heading), a Markdown heading's release
# and its date (`# 1.17.1.1 2020-03-19`)
UNDERLINED = re.compile(r"[^\n]*\n[ \t]*([.=\-~^*_#])\1{2,}[ \t]*(?:\n|$)")
RELEASE_HEADING = re.compile(r"[ \t]+(?:19|20)\d\d-[01]\d-[0-3]\d\b")
# a Texinfo menu entry up to its node name's `::` (`* Class 1::  Class 1 Faxmodems`, `* 3b1::`)
TEXINFO_MENU = re.compile(r"(?:^|\n)\*[ \t]+[^\n:*]*$")


# the rest of a Debian changelog header after a version's start: `pkg (0.99.1.0-1~deb12u1) unstable; urgency=`
DEBIAN_HEADER = re.compile(r"[\w.~+:\-]*\) [a-z][\w\-]*(?: [a-z][\w\-]*)*; urgency=")
# a version word before the number on its line, with no other number or `;` between (`versión 1.2.3.4`,
# `Project-Id-Version: sed 4.2.2.177`; not `version 2; server 10.1.2.3`)
VERSION_ON_LINE = re.compile(rf"(?:{word_trie(all_words(VERSION_WORDS))})(?:(?!\.\s)[^\n;\d]){{0,40}}$", re.IGNORECASE)
# ... or a version noun earlier in the same sentence, with no number between (`Die benötigte Version hängt vom
# verwandten Befehl ab, für rm_conffile und mv_conffile lautet sie 1.15.7.2`); not the words that also say other
# things (`policy`, `firmware`, `depends`, `>=`), which count only close by
_NOT_NOUNS = frozenset(w for w in VERSION_WORDS["en"] if not w.startswith(("version", "release", "revision")))
VERSION_IN_SENTENCE = re.compile(rf"(?:{word_trie([w for w in all_words(VERSION_WORDS) if w not in _NOT_NOUNS])})"
                                 rf"(?:(?!\.\s|:\s)[^\n;\d。]){{41,120}}$", re.IGNORECASE)  # (roff's `\(:u` is ü)
_PROGRAM = r"[a-z][\w.+\-]*\s+"  # a program's name: `dpkg `
SINCE = re.compile(rf"(?:\b(?:{'|'.join(map(re.escape, SINCE_WORDS['en']))})\s+(?:{_PROGRAM})?"
                   rf"|\b(?:{'|'.join(map(re.escape, all_words({k: v for k, v in SINCE_WORDS.items() if k != 'en'})))})"
                   rf"\s+{_PROGRAM})$", re.IGNORECASE)  # SINCE_WORDS: `since dpkg 1.15.5.4`, `desde dpkg 1.15.5.4`
RELEASED = re.compile(r"\s+(?:will be|is|was|has been|to be)\s+released\b", re.IGNORECASE)  # `4.0.11.1 will be released`
LATER = re.compile(rf"[ \t\u00a0]*(?:{any_word(all_words(LATER_WORDS))})", re.IGNORECASE)  # `1.0.27.1 or later`
UPDATE_FROM = re.compile(r"\b(?:updat|upgrad|downgrad|bump)\w*\s+(?:[\w.+\-]+\s+)?from\s+(?:\d+(?:\.\d+){3}\s+to\s+)?$",
                         re.IGNORECASE)
# ... or the verb right before `to` (`Major VampirTrace update to 5.14.4.2`; a version when its first number has one digit)
UPDATE_TO = re.compile(r"\b(?:update|upgrade|bump)[ds]?\s+to\s+$", re.IGNORECASE)


# an object identifier's name or place right before it: `OID 1.3.101.110`, `ObjectIdentifier(oid=2.5.29.24`, X.509's
# `Corresponds to the dotted string "2.5.4.11"` (its quotes as roff, reST or HTML write them)
OID_BEFORE = re.compile(r"(?:\bOID|\boid\b|\bObjectIdentifier|\bdotted string)(?:[\s:=(\"'`]|&quot;)*$")  # (HTML: blanked tags)
# ... or its ASN.1 name right after it: a compiler's registration `Certificate  B  "2.5.4.36" "id-at-userCertificate"`
OID_NAME_AFTER = re.compile(r"(?:[\"'`]|&quot;)?[ \t]+(?:[\"'`]|&quot;)?id-[a-z]{2,}")
# a dotted number folded onto the next line, LDIF's one-space continuation (`SYNTAX 1.3.6.1.4.1.1466.\n 115.121.1.27`)
LDIF_FOLDED = re.compile(r"\d\.\r?\n $")
# eight groups of two hex digits: bytes (a hex dump's row `73:20:61:20:64:75:6d:6d`, an EUI-64 or a session id
# `01:23:45:67:89:ab:cd:ef`), not an IPv6 address (whose first group would be 00xx, reserved space)
HEX_BYTES = re.compile(r"[0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){7}")
# Linux 2.4's and 2.6's stable releases, four numbers (`Last confirmed on 2.6.38.6`, `Zuletzt auf 2.6.38.6 bestätigt`):
# versions, at the cost of 19,968 addresses of 2.4.0.0/16 and 2.6.0.0/16 (4.6e-6 of the IPv4 space) read as versions
LINUX_STABLE = re.compile(r"2\.(?:4\.(?:[12]?\d|3[0-7])|6\.[1-3]?\d)\.\d{1,3}")
# the tool that wrote a file, before its version: pandoc's man pages open with `Automatically generated by Pandoc 2.17.1.1`
GENERATED_BY = re.compile(r"\b(?:generated|created|produced|converted|compiled|built)\s+(?:by|with|using)\s+[A-Za-z][\w.+\-]*\s+$",
                          re.IGNORECASE)
# a release's date before its number in brackets: SQLite's release history `2015-07-29 (3.8.11.1)`
DATED_RELEASE = re.compile(r"\b(?:19|20)\d\d-[01]\d-[0-3]\d[ \t]*\($")
# a capitalised name alone before a number that ends its line: a release's title (`Git 1.7.11.5` in a shortlog)
RELEASE_TITLE = re.compile(r"(?:^|\n)[ \t]*([A-Z][a-z]+)[ \t]+$")  # not a directive: `BindAddress 127.0.0.1`
ADDRESS_NAMES = frozenset({"ip", "ipv4", "ipv6", "address", "addr", "host", "server", "gateway", "router", "dns",
                           "nameserver", "proxy", "peer", "client", "node", "interface", "inet", "listen", "bind", "allow",
                           "deny", "from", "to", "via", "source", "destination", "target", "remote", "local", "master",
                           "slave", "primary", "secondary", "mirror", "relay", "subnet", "network", "net", "route", "ping",
                           "ssh", "connect", "connecting", "resolver", "forwarder", "upstream", "backend", "frontend"})


def release_title(text: str, s: int, e: int) -> bool:
    """A line holding only a capitalised word and four dotted numbers (`Git 1.7.11.5`, `Almost 1.7.11.6`), not a
    network word's (`Gateway 10.0.0.1`, `Listen 10.0.0.2`) nor a directive's (`NameVirtualHost 172.20.30.40`, a DNS
    record's `A 127.0.0.1`: not one capitalised word)."""
    m = RELEASE_TITLE.search(text, max(0, s - 40), s) if re.fullmatch(r"[\d.]+", text[s:e]) else None
    return (m is not None and m.group(1).lower() not in ADDRESS_NAMES
            and re.match(r"[ \t]*(?:\n|$)", text[e:e + 40]) is not None)


def ip_look_alike(text: str, s: int, e: int) -> bool:
    """A version or section number taken for an IP (`linux-2.6.32.5`, `1.2.3.4-1`, `2:1.4.99.1`, a table of contents'
    `12.1.1.1. Title` or `3.20.12.7 Dbm Exit Codes` opening a line or a link, an underlined heading, a netmask
    `255.255.255.0`, a version word of any language earlier on the line: `versión 1.2.3.4`, `Project-Id-Version: sed
    4.2.2.177`, a version noun earlier in the sentence, or a word after it: `1.0.27.1 or later`; `since dpkg 1.15.5.4`,
    `desde dpkg 1.15.5.4`, `fixed in 1.4.0.26`, `4.0.11.1 will be released`, `Prepare for 1.7.11.5`, a release's title
    `Git 1.7.11.5`, an update, an AIX fileset's level in `lslpp`'s table: `bos.rte  4.3.3.75  COMMITTED`,
    a stable release of Linux 2.4 or 2.6: `2.6.38.6`, an object identifier: `oid=2.5.29.24`, `"2.5.4.36" "id-at-..."`,
    one folded by LDIF onto the next line, the version of the tool that generated a file: `generated by Pandoc 2.17.1.1`;
    eight bytes in hex `73:20:61:20:64:75:6d:6d`)."""
    value, before, after = text[s:e], text[max(0, s - 2):s], text[e:e + 12]
    if ":" in value and (value.strip(":") == "" or re.search(r"[\w$\\]$", before) or re.match(r"\w", after)
                         or re.search(r"[g-zG-Z]", value) or (not re.search(r"\d", value) and value.count(":") <= 3)
                         or (re.fullmatch(r"[0-9A-Fa-f]{1,4}::", value) and TEXINFO_MENU.search(text, max(0, s - 80), s))
                         or (re.fullmatch(r"\d{1,3}::", value) and re.match(r"[ \t]*(?:\n|$)", text[e:e + 20]))
                         or HEX_BYTES.fullmatch(value)
                         or (re.fullmatch(r"[0:]+", value) and "::" in value and (value.endswith("::") or "00" in value))):
        return True  # `::`, `$::a`, Perl's `B::CC`, roff's `\fB::`, a Texinfo menu entry's `* Class 1::`: names in code
        #              or markup, not IPv6 addresses (which have a digit or more groups: `::1`, `fe80::1`, `ff02::2`);
        #              bytes in a hex dump; zeros before a closing `::` or padded (cgroup v2's path prefix `0::`,
        #              `?0::00,?` in ASCII art), not the any-address as written (`::0`, `0::0`); reST's literal
        #              block marker after a number ending its line (`starting with file 6::`)
    section = re.fullmatch(r"\d{1,2}\.\d{1,2}\.\d{1,2}\.\d{1,2}", value)  # 12.1.1.1, not 10.57.39.210
    small = re.fullmatch(r"\d(?:\.\d){3}", value)  # `2.8.0.3`: a version (or `1.2.3.4`, an example), no one's host
    epoch = re.search(r"(?:^|[\s(\[])\d{1,2}:$", text[max(0, s - 4):s])  # a Debian epoch: `2:1.4.99.1-1`, `[1:2.10.2.3`
    toc = section and ((after[:1] == "." and (after[1:2] == "\u00a0" or after[1:7] == "&nbsp;"))
                       or ((after[:1] == "." or re.match(r" [A-Z][a-z]", after) or UNDERLINED.match(text, e))
                           and OPENS.search(text[max(0, s - 80):s])))
    toc = toc or (re.search(r"(?:^|\n)#{1,6}[ \t]+$", text[max(0, s - 10):s]) and RELEASE_HEADING.match(text, e))
    return bool(JOINED_BEFORE.search(before) or VERSION_AFTER.match(after) or value.startswith("0.") or netmask(value)
                or small or epoch or toc or LDIF_FOLDED.search(text, max(0, s - 8), s)
                or VERSION_ON_LINE.search(text, max(0, s - 60), s) or VERSION_IN_SENTENCE.search(text, max(0, s - 140), s)
                or DEBIAN_HEADER.match(text, e, e + 60)
                or LATER.match(text, e) or RELEASED.match(text, e) or SINCE.search(text, max(0, s - 40), s)
                or release_title(text, s, e) or update_between(text, s, e)
                or OID_BEFORE.search(text, max(0, s - 120), s) is not None  # an object identifier `OID 1.3.101.110`
                or OID_NAME_AFTER.match(text, e) is not None  # or one before its name: `"2.5.4.36" "id-at-userCertificate"`
                or re.match(r"[ \t]+(?:COMMITTED|APPLIED)\b", text[e:e + 20]) is not None  # an AIX fileset's level
                or LINUX_STABLE.fullmatch(value) is not None or DATED_RELEASE.search(text, max(0, s - 20), s) is not None
                or GENERATED_BY.search(text, max(0, s - 60), s) is not None
                or sibling_version(text, s, e))


def sibling_version(text: str, s: int, e: int) -> bool:
    """A number of one digit first whose first three groups are also written alone nearby (`3.6.14 and 3.6.14.1`, a
    release table's `3.8.11` under `3.8.11.1`, a materialised path `1.7.9` beside `1.7.9.10`): a patch release or a
    child of a version, not an address (a network's three groups come with its prefix length or a wildcard,
    `1.2.3/24`, `1.2.3.*`, and do not count). The cost: an address of 1-9.x.x.x within 200 characters of a three-group
    number that starts as it does."""
    m = re.fullmatch(r"(\d\.\d{1,3}\.\d{1,3})\.\d{1,3}", text[s:e])
    if m is None:
        return False
    near = re.compile(rf"(?<![\d.]){re.escape(m.group(1))}(?!\.?\d|/|\.\S)")  # (not a network `1.2.3/24`, `1.2.3.*`)
    return near.search(text, max(0, s - 200), s) is not None or near.search(text, e, e + 200) is not None


def update_between(text: str, s: int, e: int) -> bool:
    """Either number of `Update from 1.2.99.2 to 1.2.99.4`, `bump libfoo from 1.2.3.4 to 1.2.3.5` (both dotted quads,
    after an update verb), `update to 5.14.4.2` (a one-digit first number right after `update to`): versions."""
    m = UPDATE_FROM.search(text, max(0, s - 80), s)
    if m is None:
        return re.match(r"\d\.", text[s:e]) is not None and UPDATE_TO.search(text, max(0, s - 20), s) is not None
    return " to " in m.group() or re.match(r"\s+to\s+\d+(?:\.\d+){3}\b", text[e:e + 40]) is not None


def netmask(value: str) -> bool:
    """`255.255.240.0`, `ffff:ffff:ffff:ffff::`: ones then zeros, a network mask, not an address."""
    if ":" in value:
        import ipaddress

        try:
            bits = f"{int(ipaddress.IPv6Address(value)):0128b}"
        except ValueError:
            return False
        return bits.startswith("1" * 16) and "01" not in bits
    groups = value.split(".")
    if len(groups) != 4 or not all(g.isdigit() and int(g) <= 255 for g in groups) or not value.startswith("255."):
        return False
    bits = f"{int.from_bytes(bytes(int(g) for g in groups), 'big'):032b}"
    return "01" not in bits
