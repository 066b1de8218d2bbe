"""What looks like a phone or card number but is not: measurements, prices, dates, versions, ranges, ids, rows of
number tables, digits grouped as no region writes its numbers (the rules pipeline/pii/entities.py attaches to PHONE
and CREDIT_CARD; the other types' rules are in pipeline/pii/lookalikes.py, versions.py and handles.py)."""
from __future__ import annotations

import re
import unicodedata

from pipeline.pii.lookalikes import data_window, in_url, ipv4_shaped
from pipeline.pii.versions import DEBIAN_HEADER

CARD_GROUPS = {(4, 4, 4, 4), (4, 4, 4, 4, 3), (4, 6, 5), (4, 6, 4), (4, 4, 4, 1)}
# the leading digits of a card number name its network (ISO/IEC 7812), and each network issues numbers of these lengths
# (Visa; American Express; JCB; Diners Club; Mastercard; Discover, UnionPay, Maestro; UATP), the first match deciding
CARD_NETWORKS = ((re.compile(r"4"), (13, 16, 19)), (re.compile(r"3[47]"), (15,)), (re.compile(r"35"), range(16, 20)),
                 (re.compile(r"3[0689]"), range(14, 20)),
                 (re.compile(r"5[1-5]|2(?:22[1-9]|2[3-9]\d|[3-6]\d\d|7[01]\d|720)"), (16,)),
                 (re.compile(r"5[06-9]|6"), range(12, 20)), (re.compile(r"1"), (15,)))
# a group of one digit that is not the number's first group nor right after a `+33`/`0033` country code
ONE_DIGIT_GROUP = re.compile(r"(?<![+\d])(?<!^)(?<!^\()(?<![+]\d\d )(?<![+]\d )(?<![+]\d\d\d )"
                             r"(?<!^00\d )(?<!^00\d\d )(?<!^00\d\d\d )"
                             r"(?<=[\s.\-/)(])\d(?!\d)")
POWERS_OF_TWO = frozenset(2 ** n for n in range(16, 65))
DATE_STAMP = re.compile(r"(?<!\d)(?:19|20)\d\d(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])(?!\d)")
# a configuration directive opening the line, then lowercase arguments: `SFTPRekey required `, `KeepAliveTimeout `
# (an acronym then a word, or three words run together: not a name such as `McDonald`)
DIRECTIVE = re.compile(r"[ \t]*((?:[A-Z]{2,}[a-z]|[A-Z][a-z]+[A-Z][a-z]+[A-Z])[A-Za-z]*)(?:[ \t]+[a-z][\w\-]*)*[ \t]+")
PHONE_WORDS = re.compile(r"phone|tel|fax|mobile|whatsapp|sms|call|contact", re.IGNORECASE)
PHONE_URL = re.compile(r"wa\.me/|whatsapp|phone|[/?&](?:tel|call|fax)\w*[=/]", re.IGNORECASE)  # a number in such a URL is one


QUOTED_REGIONS = ("US", "GB")  # the default regions (PiiConfig), whose numbers technical text of any language quotes
# a quote as written in code or in a page showing code (markup blanked by the reading view, the quote an entity)
QUOTE = r"(?:['\"]|&#39;|&quot;|&#x27;)"
CALL_ARGUMENT = re.compile(rf"\w\s*\(\s*{QUOTE}[^'\"&\n]{{0,8}}$")  # `validate('`, `vat.compact('EL `
REPL_PROMPT = re.compile(r"(?:>>>|&gt;&gt;&gt;)[^\n]*\n\s*$")  # what a Python prompt's line printed
PLUS_MINUS = re.compile(r"(?:\+/-?|±)\s*$")  # a bound after it: `+/- 2147483645` (its `-` may open the match)


def power_of_two_bound(digits: str) -> bool:
    """`digits` read as a number is 2^n or 2^n - 1 (16 <= n <= 64): a type's bound, not a phone or card number."""
    return int(digits) in POWERS_OF_TWO or int(digits) + 1 in POWERS_OF_TWO


def phone_needs_context(value: str) -> bool:
    """A bare run of 7+ digits not starting with 0 or + (`2147483648`, a bug, build or byte count), or any
    bare run in parentheses (`<tss@iki.fi> (0351233834)`, a changelog's id), is a phone number only after a
    context word; `0612345678` and `+33612345678` are numbers as people write them."""
    return re.fullmatch(r"\(?[1-9]\d{6,}\)?|\(\d{7,}\)?", value) is not None


def phone_unlike_regions(value: str, regions) -> bool:
    """Digits grouped as none of the language's regions groups its phone numbers are a phone number only after a
    context word. Grouped by single spaces alone, not starting with 0 (`571 612 1056`, failed tests; `538 538 1075`,
    partition sizes): people write a number so where that is their region's national format (Spain `612 34 56 78`,
    Italy `312 345 6789`, China's mobiles `131 2345 6789`), not where the region writes it otherwise (`(571)
    612-1056`, `0538 538 1075` with its trunk 0). Any other grouping is checked as phonenumbers' STRICT_GROUPING
    checks it (each group as the region's format groups the number, or groups of it joined): identifiers written
    with hyphens (a social security number `078-05-1120`, a personal number `880320-0016`, a tax number
    `04-2103594`), a date in parentheses `(05.03.2015`; `0612345678` written without groups, a number with its
    country code (`+ 358 200 865 718`) and one grouped as the US or the UK group theirs, which technical text quotes
    in every language (`215-382-9800` in a Chinese manual), count as they did."""
    import phonenumbers

    if re.fullmatch(r"[1-9]\d*(?: \d+)+", value) is None:
        return (re.search(r"\d\D+\d", value) is not None and not value.startswith("+")
                and not any(_grouped_as(value, r) for r in (*regions, *QUOTED_REGIONS)))
    for region in regions:
        try:
            n = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(n) and phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL) == value:
            return False
    return True


def _grouped_as(value: str, region: str) -> bool:
    """phonenumbers finds, at STRICT_GROUPING, a number of `region` written with every digit of `value`, or `value`
    is a valid number of `region` written as phonenumbers writes it (Argentina's mobiles `011 15-2345-9181`, which its
    grouping check refuses)."""
    import phonenumbers
    from phonenumbers import Leniency, PhoneNumberMatcher

    digits = re.sub(r"\D", "", value)
    if any(re.sub(r"\D", "", m.raw_string) == digits
           for m in PhoneNumberMatcher(value, region, leniency=Leniency.STRICT_GROUPING)):
        return True
    try:
        n = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(n) and value in (
        phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.NATIONAL),
        phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL))


def _ascii(digits: str) -> str:
    """Any script's digits as 0-9 (`١٢٣` -> `123`)."""
    return "".join(str(unicodedata.digit(c)) for c in digits)


def phone_look_alike(text: str, s: int, e: int) -> bool:
    """A measurement, a price, a time, a year with a number, a quantity, or part of a longer run of numbers."""
    value, before, after = text[s:e], text[max(0, s - 2):s], text[e:e + 12]
    if sum(c.isdigit() for c in value) < 7 or re.match(r"(?:19|20)\d\d[-/]|\d{1,3}(?:[ ,]\d{3}){3,}$", value):
        return True  # short numbers match prices and times; `2024-000123` is a year and a number;
        #              `1 234 567 890` is a quantity in thousands groups
    if re.fullmatch(r"\(?\d+(?:\.\d+)+\)?", value) and max(len(g) for g in re.findall(r"\d+", value)) >= 6:
        return True  # dotted groups of 6+ digits are versions (`11.20220922`), not `06.12.34.56.78`
    if (re.fullmatch(r"(?:0?[1-9]|[12]\d|3[01])([./-])(?:0?[1-9]|1[0-2])\1(?:19|20)\d\d", value)
            or re.fullmatch(r"(?:0?[1-9]|1[0-2])/(?:0?[1-9]|[12]\d|3[01])/(?:19|20)\d\d", value)
            or re.fullmatch(r"\d+\.\d+", value) or value.count(" - ") >= 2):
        return True  # a date (`03.03.2013`, `06-07-2019`, `12/31/2019`), a decimal (`12345.67890`: phone numbers
        #              written with dots have three groups or more), numbers joined by ` - ` (a diagram)
    digits = _ascii(re.sub(r"\D", "", value))
    if (value.startswith("[") or ".." in value or re.search(r"\s-\d", value) or re.search(r"(\d)\1{5}", digits)
            or re.match(r"\(?[-−]\d", value) or any("12345678" in _ascii(g) for g in re.findall(r"\d+", value))
            or set(digits) <= {"0", "1"} or power_of_two_bound(digits) or PLUS_MINUS.search(text, max(0, s - 4), s)):
        return True  # an id in brackets, a range `0..216.069`, negative numbers (SVG paths: `124 -44 -326`; a type's
        #              range `(-32768 - 32767`; a bound after plus or minus: Slurm's `range is +/- 2147483645`),
        #              `037777777777`, a digit list `0123456789` in any script (`١٢٣٤٥٦٧٨٩٠`, `௧௨௩௪௫௬௭௮௯0`), a
        #              binary number `1010 1001`, `2147483647` / `4294967295` (2^31 - 1, 2^32 - 1)
    grouped = re.sub(r"\s*\(0\)\s*", " ", value)  # the trunk `(0)` of `+32 (0)450 ...` is not a group
    if ONE_DIGIT_GROUP.search(grouped) or re.search(r"\t|\d {2,}\d", grouped):
        return True  # a one-digit group after the first (and after a `+33 ` country code) is a version, an OID
        #              or a list of numbers (`96.0.4664.110`, `1.3.6.1.6.3.1`, `trap '' 1 2 3 13 14`); columns
        #              of a table; phone numbers group their digits by 2 to 4 (`+33 1 23 45 67 89` is allowed)
    r = re.fullmatch(r"\(?([1-9]\d{3,4})(?:-|\.\.)([1-9]\d{3,4})\)?", value)
    if (r and int(r.group(1)) < int(r.group(2))) or re.fullmatch(r"\(?0(?:-|\.\.)[1-9]\d*\)?", value):
        return True  # a range: `32768-65535`, `49152..65535`, from zero `metric (0-16777214)` (not a lone trunk 0)
    if re.fullmatch(r"\d{5}-\d{4}", value) and re.search(r"\b[A-Z]{2},?\s+(?:(?:#|//|;|\*|--|%|\.\\\")[ \t]*)?$",
                                                         text[max(0, s - 20):s]):
        return True  # a US ZIP+4 code after its state: `Boston, MA 02110-1301`, also across a line break and the
        #              comment marker that opens the next line of a licence header (`MA\n# 02111-1307`, roff's `.\"`)
    if (re.search(r"(?<!\d)(?:19|20)\d\d-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?!\d)", value)
            or re.fullmatch(r"\d{4,5}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])", value)):
        return True  # an ISO date: `iperf 3.8 2020-06-08`; a date of any year written so: the Buddhist calendar's
        #              `2559-08-31`, the Hebrew `5776-05-27`, a type's bounds `32767-12-31`
    if DATE_STAMP.search(value) and re.search(r"[\s().\-/]", value) or DEBIAN_HEADER.match(text, e, e + 60):
        return True  # a version: with a date stamp, `gcc-12 (12-20220428-1)`; `binutils (2.13.90.0.18-1.7) unstable;`
    if re.search(r"[A-Za-z_]$", text[max(0, s - 1):s]) or re.match(r"-[A-Za-z]", after):
        return True  # part of an identifier or a file name: `Wa_1408615072`, `02-687531-fix-ldflags.patch`
    if "~" in value or re.search(r"(?i)\bhex\w*[:=]\s*$|\bhex(?:adecimal)?\b[^\d.\n]{0,40}$", text[max(0, s - 56):s]) \
            or re.match(r"[ \t]+(?=[0-9A-F]{0,3}[A-F])[0-9A-F]{4}\b", after):
        return True  # a Debian snapshot version (`0~1403012359`: no one writes a tilde in a phone number), hex bytes
        #              (`hexkey:0102030405`, `a hexadecimal string in the form 0102030405`), the start of a fingerprint
        #              in groups of four (`9297 8852 A62F A5E2`)
    if (re.search(r"(?<![\w.])[0-9A-Fa-f]*(?:\d[0-9A-Fa-f]*[A-Fa-f]|[A-Fa-f][0-9A-Fa-f]*\d)[0-9A-Fa-f]*[\-:]$",
                  text[max(0, s - 12):s])
            or re.search(r"(?i)\b(?:isbn|issn|ean)\d*\W{0,3}$", text[max(0, s - 12):s])):
        return True  # the rest of a hex id (`08002b-0102030405`, `08-00-2b-01-02-03`: MAC addresses), an ISBN
    if re.fullmatch(r"\d{1,3}(?:\.\d{1,3}){3}", value) and re.search(r"(?i)(?:addr|address|ip|host)[\s:=]*$",
                                                                   text[max(0, s - 12):s]):
        return True  # an (example) address, valid or not: `REMOTE_ADDR=121.345.78.123`
    if arguments_or_data(text, s, e) or re.search(r"\[\d+,\s*\d+\]\s*/\s*$", text[max(0, s - 16):s]):
        return True  # or an inode after its device: a namespace's `[0,3] / 4026531837`
    # part of a longer run of numbers (`325.318/325.318`, `08:58`, the decimals of `11,0704976935`) or of an address
    # template (`255.255.255.xxx`), across a phrase break, a file's name (`sbasic/shared/03120300.html`), or an IPv4
    return bool(re.search(r"/|[.,;—] ", value) or re.match(r"[/\d]|[.:]\d|\.[xX]{1,3}\b|\.[a-z]{2,4}(?![A-Za-z])", after)
                or re.search(r"\d[/:.]?$", before) or re.search(r"(?<!\d)\d{1,3},$", text[max(0, s - 5):s])
                or ipv4_shaped(value))


def arguments_or_data(text: str, s: int, e: int) -> bool:
    """A number where a phone number is not: a directive's arguments (`SFTPRekey required 1800 4096`: seconds and
    megabytes, though India has toll-free numbers written `1800 4096`; not `WhatsApp +33 6 12 34 56 78`), part of a
    URL (`postgr.es/c/033886653`; not `https://wa.me/15551234567`), a row of a number table (`0 81 4621 0
    1412881037 ...`: two numbers before it on its line; a uid map's `0 2147549183      65536`: opening its line, a
    number in an aligned column after it ending the line), a commit id with no letter in a shortlog (`short_commit`)."""
    directive = DIRECTIVE.fullmatch(text, text.rfind("\n", 0, s) + 1, s)
    return ((directive is not None and not PHONE_WORDS.search(directive.group(1)))
            or (in_url(text, s) and not PHONE_URL.search(text, max(0, s - 60), s))
            or re.search(r"(?:^|[ \t])\d+[ \t]+\d+[ \t]+$", text[max(0, s - 40):s]) is not None
            or (re.match(r"[ \t]{2,}\d+[ \t]*(?:\n|$)", text[e:e + 40]) is not None
                and re.search(r"(?:^|\n)[ \t]*$", text[max(0, s - 40):s]) is not None)
            or short_commit(text, s, e))


def short_commit(text: str, s: int, e: int) -> bool:
    """7-12 digits opening an indented line before `:` or two blanks, where a line near it (400 characters either
    side) opens as indented with a hex id of as many characters holding a letter: a commit id in a shortlog that
    happens to have no letter (fldigi's `\\t047626711: XP fault` among `\\t0ac4bb39c: speed test`, Mumble's
    `    0835890  Reset ...` near `    8b0cbe8  Qt 4.6.1 ...`)."""
    value, start = text[s:e], text.rfind("\n", 0, s) + 1
    indent = text[start:s]
    if not (re.fullmatch(r"\d{7,12}", value) and re.fullmatch(r"[ \t]+", indent) and re.match(r":|[ \t]{2}", text[e:e + 2])):
        return False
    ids = re.compile(rf"\n{re.escape(indent)}(?=[0-9a-f]{{{len(value)}}}(?::|[ \t]{{2}}))\d*[a-f]")
    return ids.search(text, max(0, s - 400), e + 400) is not None


def phone_place_needs_context(text: str, s: int, e: int) -> bool:
    """A phone-shaped number among drawing data (`data_window`), or a string in code: passed to a call or printed
    back by Python's prompt (`>>> validate('0403019261')`, `'0403 019 261'`: a VAT number in a library's manual).
    With a context word, or its country code, it counts (`phonenumbers.parse('020 8366 1177', 'GB')`,
    `$sms->Send('+6281380830000', ...)`)."""
    if data_window(text, s, e):
        return True
    quoted = re.match(rf"[^'\"&\n]{{0,8}}{QUOTE}", text[e:e + 14]) is not None and text[s] != "+"
    return quoted and (CALL_ARGUMENT.search(text, max(0, s - 120), s) is not None
                       or (re.search(rf"(?:^|\n)\s*{QUOTE}$", text[max(0, s - 120):s]) is not None
                           and REPL_PROMPT.search(text, max(0, s - 300), text.rfind("\n", 0, s) + 1) is not None))


def card_look_alike(text: str, s: int, e: int) -> bool:
    """A phone number that passes Luhn (`+54...`), a row of a table, a number no card network issues (its leading
    digits and its length), or digits not grouped as cards are."""
    value, before = text[s:e], text[max(0, s - 2):s]
    if before.endswith("+") or re.search(r"\d[ \t]+$", text[max(0, s - 8):s]) or re.match(r"[ \t]+\d", text[e:e + 8]):
        return True  # a phone number that passes Luhn, or numbers in a table (`1024 1072 1176 1328 768 771`)
    if re.search(r"\d[.,]$", before) or in_url(text, s):
        return True  # decimals (`1.1752011936438014`), an id in a URL (`?l=thttpd&m=108051453226692`)
    digits = re.sub(r"\D", "", value)
    if power_of_two_bound(digits):
        return True  # a bound: `[1000, 17592186044415]` (2^44 - 1)
    if hex_of_letters(digits):
        return True  # base16 of a word: `base_decode (16, "6162636465666768")` is `abcdefgh`
    if not any(net.match(digits) and len(digits) in lengths for net, lengths in CARD_NETWORKS):
        return True  # no network issues it: a phone's IMEI `490154203237518` and a SIM's IMSI `460001234567890` pass
        #              Luhn, but Visa's numbers have 13, 16 or 19 digits
    groups = tuple(len(g) for g in re.split(r"[ \-]", value))
    return not (len(groups) == 1 or (groups in CARD_GROUPS and len(set(re.findall(r"[ \-]", value))) == 1))


def hex_of_letters(digits: str) -> bool:
    """Digits that read two by two as the hex codes of ASCII letters (41-49 `A-I`, 50-59 `P-Y`, 61-69 `a-i`, 70-79
    `p-y`): the base16 of a word in an encoder's example, not a card. The cost: about 1 in 1,000 random valid
    16-digit card numbers read so (1.03e-3 of Visa's, 1.14e-3 of Mastercard's: 0.38 per pair); 15- and 19-digit never."""
    return len(digits) % 2 == 0 and all(p[0] in "4567" and p not in ("40", "60") for p in re.findall(r"..", digits))
