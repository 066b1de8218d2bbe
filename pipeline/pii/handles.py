"""What looks like a handle (`@jane`) but is not: code (Perl arrays, decorators, make's silent prefix), Kerberos
realms, syslog hosts, numbered headings. The USER type's pattern and rules; pipeline/pii/entities.py attaches them.
"""
from __future__ import annotations

import re

# a handle: ASCII (as the platforms allow), not a domain (`@example.org`), not code or a placeholder: not after
# `+ - | [ , " ' > $ »` (`+@netgroup`, `user[@host]`, `"@array"`, `<password>@host`), not before `::`, `);`, ` =`,
# `:4.0` (an OS fingerprint's `@FreeBSD:4.0-4.9`), not after `}` (`${REMOTE_USER}@http`)
USER_PATTERN = (r"(?<![\w.@/+\-|\[,\"'>$»}])@[A-Za-z_][A-Za-z0-9_]{1,30}"
                r"(?![\w@]|\.\w|-\w|::|:\d|\);| ?=[^=])")


def user_needs_context(value: str) -> bool:
    """`@list`, `@INC`, `@tunnel_hash`: code documentation names members and variables the way handles look;
    a handle with a digit or mixed case and at most one `_` (`@marie12`, `@JaneDoe`) stands alone, a plain
    word (`@Datei` too), an all-capitals name with a digit, a snake_case or lowerCamelCase identifier needs context
    (one without a digit is never a handle: user_look_alike)."""
    mixed = re.search(r"[a-z]", value) and re.search(r"[A-Z]", value[2:])  # a capital inside: `@JaneDoe`
    camel = re.fullmatch(r"@[a-z]+[A-Z][A-Za-z]*", value)  # `@objectClass`, `@extensibleObject`: code names
    return not (re.search(r"\d", value) or mixed) or value.count("_") > 1 or camel is not None


# what comes before an array in Perl: a list function or loop and its parenthesis, a block, a comparison (`for $e (@a, @b)`)
PERL_BEFORE = re.compile(r"(?:\b(?:for|foreach|push|unshift|grep|map|sort|join|scalar|keys|values|while|unless|return|print)"
                         r"\s*\(?\s*(?:\{[^}]*\}\s*)?|\b(?:for|foreach)\s+(?:my\s+|our\s+)?\$\w+\s*\(\s*(?:@\w+\s*,\s*)*"
                         r"|\bjoin\s*\([^)\n]*,\s*|(?<![-=])[<>]=?\s*|[=!]=\s*|\}\s*)$")  # not `-> @jane`; `join(', ', @list)`


# a Perl statement's start: an assignment to a variable, a declaration (`my @contact = `, `$n = `)
PERL_LINE = re.compile(r"[$@%][A-Za-z_]\w*\s*=[^=~>]|\b(?:my|our|local)\s+[$@%(]")


# a Sphinx role naming a Python object, right before the name (`:class:`, `:py:meth:`, with `~` to show its last part)
SPHINX_ROLE = re.compile(r":(?:py:)?(?:exc|class|meth|func|attr|obj|data|const|mod|setting|signal|state):`~?$")


# what follows a decorator or an annotation alone on its line: the next line declares what it decorates
DECORATED = re.compile(r"[ \t]*\r?\n[ \t]*(?:@|(?:async[ \t]+)?def\b|class\b|(?:public|private|protected|static|final|"
                       r"abstract|override|fun|function|func)\b)")


def user_look_alike(text: str, s: int, e: int) -> bool:
    """Code, not a handle: a plain-word name ending a statement (`print @certificate;`, a Perl array, even after a
    context word such as `x509-user-cert`; `@marie12;` stands), a symbol version whose parts markup set apart
    (`<span>@ZLIB_1</span><span>.2.0</span>` reads `@ZLIB_1` then `.2.0`), a Perl declaration or a list of
    variables, a numbered heading naming a parameter, the host a syslog rule forwards to, an array in Perl code
    (`for (@DataDirs)`, `push (@DataDirs, $v)`, `$i < @DataDirs`) or a regex (`user\\@smime\\.mutt`), make's silent
    prefix right after the tab opening a recipe line (`\\t@echo`, `[TAB]  @command3`; a changelog's `\\t  @clepple`
    is a handle), arrays passed to a call (`upcase(@list1, @list2)`), an all-capitals name whatever the context: a
    Kerberos realm (`user@EXAMPLE.COM`, `user</span><span>@KRBTEST</span>`), a Perl array (`@ARGV`, `real @ARRAYs`), a
    constant; a call or a decorator (`@mysql_connect(`, `@property` over a `def`); Sphinx's shorthand for an object of
    the app (``:class:`~@AsyncResult` ``); a value assigned with `=` (Open vSwitch's `qos=@newqos`: a record's name); an
    LVM tag (`--addtag @db1`); a capital and a number alone on a line (a batch marker in GlusterFS's changelog: `@B1`);
    a named Diffie-Hellman group (`@ffdhe2048`)."""
    after, line = text[e:e + 40], text[text.rfind("\n", 0, s) + 1:s]
    if re.fullmatch(r"@[A-Z][A-Z_]+s?|@(?:ffdhe|modp)\d{4}", text[s:e]) or re.fullmatch(r"\t+|[ \t]*\[TAB\][ \t]*", line):
        return True  # (a named Diffie-Hellman group, as Qt and Mumble write RFC 7919's: `sslDHParams=@ffdhe2048`)
    if SPHINX_ROLE.search(line) or (line.endswith("~") and re.match(r"@[A-Z]", text[s:e])):
        return True  # Sphinx's cross-reference to an object of the app (Celery's ``:exc:`~@TaskRevokedError` ``,
        #              `~@AsyncResult: promise`; `:github_user:`@jdoe`` is a handle)
    if after.startswith("(") or (re.fullmatch(r"[ \t]*", line) and DECORATED.match(after)):
        return True  # a call or a decorator with arguments (PHP's `@mysql_connect(...)`, `@app.route(`), a decorator or
        #              an annotation alone on its line above what it decorates (`@property` then `def`)
    if (PERL_BEFORE.search(line) or re.match(r"\\| \)|,\s*(?:[$%][A-Za-z_{]|@\{)|\{", after)
            or (re.search(r"\( $", line) and re.match(r"\s*\)", after))):
        return True  # Perl: `for (@DataDirs)`, `push (@DataDirs, $value)`, `$i < @DataDirs;`, `grep {...} @Types`,
        #              `@Args, @{$opts}`, `( @Members )`, a hash slice `@num2dow{0 .. 6}`, a regex's `user\@smime\.mutt`
        #              (`(@gahr)` is a handle, `@wang_wei95, $1,234.56` too: a price is not a variable)
    call = re.search(r"\b[a-z_][a-z0-9_]*(?:\(((?:\s*@\w+\s*,)*)\s*|([ \t]+\(?\s*))$", line)
    if call and ((call.group(2) is None and (call.group(1) or re.match(r"\s*,\s*@\w+", after)))
                 or PERL_LINE.search(line, 0, call.start())
                 or (after.startswith(";") and re.fullmatch(r"(?:\\&)?[ \t]+[a-z_]\w*[ \t]+", line))):
        return True  # arrays passed to a call: `upcase(@list1, @list2)`, `my @c = sort(find_records(@key))`, an indented
        #              statement `show @AoA;` (one alone after a name may be a credit: `jdoe(@jdoe)`, `thanks @jdoe;`)
    return (re.match(r"[ \t]*\.\d", after) is not None or (after.startswith(";") and user_needs_context(text[s:e]))
            or re.search(r"(?:\b(?:my|our|local)\s*\(\s*|[$%]\w+,\s*)$", line) is not None  # Perl: `my(@from)`,
            #                                                     `($user, @errors)` (`@luca72, @dev0ps79` are handles)
            or line.endswith("=")  # a value assigned: Open vSwitch's record names `--id=@newqos`, `queues:10=@dpdk1Q10`
            or re.search(r"--(?:add|del)tag[ \t]+$", line) is not None  # an LVM tag: `lvchange --addtag @db1 vg1/lvol2`
            or (re.fullmatch(r"@[A-Z]\d{1,2}", text[s:e]) is not None and re.fullmatch(r"[ \t]*", line) is not None
                and re.match(r"[ \t]*(?:\n|$)", after) is not None)  # a marker alone on its line: GlusterFS's `@B1`
            or re.fullmatch(r"\s*(?:\d+\.)+\d*\s+", line) is not None  # a numbered heading: `3.2. @hf_value2`
            or re.fullmatch(r"\s*[\w*,;!=]+\.[\w*!=]+\s+", line) is not None)  # a syslog rule's host: `*.* @loghost`
