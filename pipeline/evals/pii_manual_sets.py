"""The manual sets of the PII evaluation (pipeline/evals/pii_manuals.py reads them), in the order they were
measured, each measured once before the rules were changed on it.

(c) `docs_fresh`: every UTF-8 file under usr/share/doc and usr/share/man of FRESH_DOCS --
  Debian's translated man pages in 11 languages and the documentation of 9 servers -- measured once after
  the first change, a seeded sample of DOCS_SAMPLE hits per type labelled by a person. That change was
  written on the documentation and man pages of 41 other servers (openssh-server, samba-common, slapd,
  keepalived, ...), so (c) was held out then; the second change (IPv6 look-alikes in code, handles in code
  and netgroups, digit lists, ids in brackets, powers of two, table rows, digests, option letters, base64 of
  text) was written on (c), which is now a tuning set. (d) `docs_fresh_2`: FRESH_DOCS_2, 13 more languages'
  man pages and 11 other servers' documentation, measured once after the second change (held out then); the
  third change (a digit run in parentheses needs context, mail and network placeholders such as `@domain`,
  roff glued to a hex id) was written on (d). (e) `docs_fresh_3`: FRESH_DOCS_3, 15 more servers' and tools'
  documentation, measured once after the third change; the fourth change (the reading view: markup, URL
  fragments and inlined base64 are not read, pipeline/pii/view.py; section numbers before a no-break space,
  KEY context words whole, numbers in URLs and number tables, hex literals) was written on (e).
  (f) `docs_fresh_4`: FRESH_DOCS_4, Debian's FAQ, developer's reference and aptitude manual translated into
  10 languages and 6 more projects' documentation, measured once after the fourth change; the fifth change
  (a number or token with data all around it, in a URL or between URL escapes needs a context word; PGP
  signatures and CRLF base64 are not read; `}@`, an epoch in brackets) was written on (f).
  (g) `docs_fresh_5`: FRESH_DOCS_5, Debian's installation guide in its languages and 11 more servers' and
  libraries' documentation, measured once after the fifth change; the sixth change (digits grouped by spaces
  alone not as the region writes them need context, ZIP+4 after a comment marker, code taken for handles, IPv6
  netmasks, public key pins, domain parameters) was written on (g).
  (h) `docs_fresh_6`: FRESH_DOCS_6, the Debian Edu manual in 9 languages and 14 more servers' and tools'
  documentation, measured once after the sixth change; the seventh change (dates, decimals, numbers joined by
  ` - `, Perl declarations and variable lists, numbered headings, a syslog rule's `@loghost`, mangled C++ names)
  was written on (h). (i) `docs_fresh_7`: FRESH_DOCS_7, the Debian New Maintainers' Guide in 8 languages,
  debmake's manual in 6 and 17 more tools' documentation (modems and dial-up, GnuPG, OpenSSL, IPsec, DHCP,
  streaming), measured once after the seventh change; the eighth change (a tilde in a Debian snapshot version,
  hex bytes and fingerprint groups are not phones; C constants and names after a roff size escape are not keys,
  nor is a context word in a file name; table-of-contents numbers and `1.0.27.1 or later` are not IPs) was
  written on (i). (j) `docs_fresh_8`: FRESH_DOCS_8, the translated man pages of apt, dpkg-dev, man-db, passwd,
  login, adduser and devscripts and 14 more tools' and servers' documentation, measured once after the eighth
  change; the ninth change (Perl arrays in code are not handles; C++ thunks and what a digest command printed are
  not keys; `since dpkg X`, `fixed in X`, `X will be released` are versions) was written on (j).
  (k) `docs_fresh_9`: FRESH_DOCS_9, the Debian Reference in 10 languages (its HTML chapters), the translated man
  pages of dpkg, debhelper and po4a, apt's guides and 9 more tools' and servers' documentation (Kerberos, FTP,
  SSSD, DNS tools, package building), measured once after the ninth change; the tenth change (make's silent `@`
  prefix and all-capitals names such as Kerberos realms are not handles; a configuration directive's arguments are
  not phones; a version noun earlier in the sentence and a section number in a link make versions) was written on
  (k). (l) `docs_fresh_10`: FRESH_DOCS_10, the Debian Administrator's Handbook in 25 languages (`html/fr-FR/`), the
  translated man pages of dselect, debianutils, apt-listchanges and aria2, and 11 more tools' and servers'
  documentation, measured once after the tenth change; the eleventh change (API function names, hex numbers in
  names, UUIDs naming objects and launch digests are not keys; 2^n - 1 is not a card; Texinfo is not handles;
  section words in 13 more languages) was written on (l). (m) `docs_fresh_11`: FRESH_DOCS_11, debian-history in its
  translations, the translated man pages of psmisc, procps, xz, nano, cron and 5 more, and git's, zsh's and
  lintian's documentation, measured once after the eleventh; the twelfth change (a release's title `Git 1.7.11.5`
  and `第 X 节` are not IPs; a roff font escape glued to an id is not a key; ZIP+4 behind roff's comment is not a
  phone; Perl hash slices are not handles) was written on (m). (n) `docs_fresh_12`: FRESH_DOCS_12, the Developer's
  Reference in English, the translated man pages of net-tools, vim and 6 more, and 9 more tools' documentation,
  measured once after the twelfth change. (o) `docs_fresh_13`: FRESH_DOCS_13, nmap's man pages in 15 languages, the
  translated man pages of apt-utils, base-passwd, live-build, po-debconf and 7 more Debian tools, and 15 more tools'
  and servers' documentation (WireGuard, curl, tcpdump, socat, Unbound, NSD, NUT, Varnish, sysstat, Mercurial,
  PowerDNS), measured once, also after the twelfth change (no rule was written on (n)); the thirteenth change (a
  digest named by its option, lowerCamelCase MIB names, a token opening with a URL escape's hex; an update between
  two versions) was written on (o). (p) `docs_fresh_14`: FRESH_DOCS_14, LibreOffice's help in 10 languages (not the
  bundled ones) and 13 telephony, SMS and modem tools' documentation, measured once after the thirteenth change; the
  fourteenth change (file names, decimals, other calendars' dates, negative numbers and digit lists are not phones;
  calls and decorators are not handles; `name=digits` is not a key) was written on (p). (q) `docs_fresh_15`:
  FRESH_DOCS_15, GNOME's and MATE's help in their translations and mutt's, BBDB's, abook's and khard's
  documentation, measured once after the fourteenth change; the fifteenth change (a spelt-out address's local part
  may spell its dots) was written on (q). (r) `docs_fresh_16`: FRESH_DOCS_16, GnuCash's guide and help in 5 languages
  and 15 more accounting, calculator and identifier tools' documentation (amounts, dates, account and identifier
  numbers), measured once after the fifteenth change; the sixteenth change (identifiers grouped as no region groups
  phone numbers, strings in code, card networks' lengths, capitals-and-digits tokens, underlined headings) was
  written on (r). (s) `docs_fresh_17`: FRESH_DOCS_17, KDE's PIM handbooks in their translations and 12 fax, modem,
  VoIP, phone-call, SMS, address-book and calendar tools' documentation, measured once after the sixteenth change; the
  seventeenth change (Texinfo menu entries and commands, a Perl array after `foreach $var (`) was written on (s).
  (t) `docs_fresh_18`: FRESH_DOCS_18, WeeChat's guides and man pages in their translations and 15 more IRC, XMPP and
  Usenet clients' and servers' documentation (nicknames, hostmasks, servers), measured once after the seventeenth;
  the eighteenth change (base16 of a word is no card, IRC networks' services are no handles) was written on (t).
  (u) `docs_fresh_19`: FRESH_DOCS_19, programming references: the C library's and system calls' man pages in 11
  languages and the manuals of Perl, Node.js, Tcl/Tk, SBCL, CLISP, GNU Prolog, OCaml, Go and Guile, measured once
  after the eighteenth change; the nineteenth change (pins behind `&quot;`, integrity hashes, roff's quote before an
  id, inodes, OIDs, `print @array`) was written on (u), and the twentieth (a base64 line closed by a bracket, pins,
  fingerprints and digests under their names, Perl arrays in calls and loops, AIX fileset levels, Linux 2.4/2.6
  stable releases) on (u) too. (v) `docs_fresh_20`: FRESH_DOCS_20, Python's web, network and data frameworks' and
  Ruby's documentation, measured once after the twentieth change; the twenty-first change (highlighted decorators,
  Sphinx's role shorthand, object identifiers, pointers, dotted names, a quoted address's quote, address templates) was
  written on (v). (w) `docs_fresh_21`: FRESH_DOCS_21, cloud, infrastructure, authentication and database clients'
  documentation, measured once after the twenty-first change; the twenty-second change (one-case tokens and Gerrit's
  change ids need a secret word, base64url of JSON alone, a dated release, a patch release beside its base) was written
  on (w). (x) `docs_fresh_22`: FRESH_DOCS_22, security, forensics and network-analysis tools' documentation (Wireshark,
  intrusion detection, password crackers, scanners, sniffers), measured once after the twenty-second change; the
  twenty-third change (eight hex bytes are no IPv6 address, zeros before a closing `::`, an OID before its ASN.1 name,
  a number called hexadecimal, GnuPG's SIG_ID) was written on (x). (y) `docs_fresh_23`: FRESH_DOCS_23, routing, VPN,
  firewall and network configuration tools' documentation, measured once after the twenty-third change; the
  twenty-fourth change (a range from zero, a name assigned with `=@`) was written on (y). (z) `docs_fresh_24`:
  FRESH_DOCS_24, backup, storage and file system tools' documentation, measured once after the twenty-fourth change;
  the twenty-fifth change (a KDF's salt, an OAuth state nonce, a quoted PGP signature, a node id in base58, an OID folded
  by LDIF, a number before a closing `::`, LVM tags, batch markers) was written on (z). (aa) `docs_fresh_25`:
  FRESH_DOCS_25, secrets, identity, mail authentication, database and DevOps tools' documentation, measured once after
  the twenty-fifth change; the twenty-sixth change (a generator's version, a uid map's row, a checksum after its path,
  a path as a token, a fingerprint glued to a C escape) was written on (aa). (ab) `docs_fresh_26`: FRESH_DOCS_26,
  HPC, monitoring, radio, GPS, time and chat and game servers' documentation, measured once after the twenty-sixth
  change; the twenty-seventh change (Go module checksums, a bound after `+/-`, commit ids of digits only, a roff
  table's own separator, named Diffie-Hellman groups, `update to <version>`) was written on (ab).
  (ac) `docs_fresh_27`: FRESH_DOCS_27, scientific, geographic and data tools' documentation, measured once after the
  twenty-seventh change.
  The next set measured is the next held-out figure.
"""

# manuals and documentation, measured once after the last rule change: Debian's translated man pages in 11
# languages and the documentation and man pages of servers (English); neither read while writing the rules
FRESH_DOCS = ("manpages-de", "manpages-fr", "manpages-es", "manpages-it", "manpages-nl", "manpages-pl", "manpages-pt-br",
              "manpages-ru", "manpages-ja", "manpages-zh", "manpages-vi", "mosquitto", "prosody", "coturn", "znc",
              "dnsdist", "ejabberd", "inspircd", "nginx-doc", "haproxy-doc")
# measured once after the second change (written on FRESH_DOCS): 13 more languages' man pages, 11 servers' docs
FRESH_DOCS_2 = ("manpages-cs", "manpages-da", "manpages-el", "manpages-fi", "manpages-hu", "manpages-id", "manpages-mk",
                "manpages-nb", "manpages-ro", "manpages-sr", "manpages-sv", "manpages-tr", "manpages-uk", "postfix-doc",
                "exim4-doc-html", "bind9-doc", "dovecot-core", "squid-common", "openvpn", "tor", "chrony", "knot-doc",
                "monit", "munin-doc")
# measured once after the third change (written on FRESH_DOCS_2): 14 more servers' and tools' documentation
FRESH_DOCS_3 = ("apache2-doc", "lighttpd-doc", "nagios4-common", "iproute2-doc", "firewalld", "ufw", "fetchmail",
                "procmail", "opendmarc", "rspamd", "cups-client", "isc-dhcp-client", "postgresql-doc-15", "ntpsec-doc",
                "nftables")
# measured once after the fourth change (the reading view; written on FRESH_DOCS_3): translated Debian manuals
# in 10 languages (FAQ, developer's reference, aptitude's manual) and 6 more projects' documentation
FRESH_DOCS_4 = ("debian-faq-de", "debian-faq-fr", "debian-faq-it", "debian-faq-ja", "debian-faq-nl", "debian-faq-ru",
                "debian-faq-zh-cn", "developers-reference-de", "developers-reference-fr", "developers-reference-it",
                "developers-reference-ja", "developers-reference-ru", "aptitude-doc-cs", "aptitude-doc-es",
                "aptitude-doc-fi", "aptitude-doc-fr", "aptitude-doc-it", "aptitude-doc-ja", "aptitude-doc-nl", "git-doc",
                "icinga2-doc", "nut-doc", "courier-doc", "sendmail-doc", "cyrus-doc")
# measured once after the fifth change (data all around a number or token, PGP signatures, URL escapes; written
# on FRESH_DOCS_4): Debian's installation guide in its languages and 11 more servers' and libraries' docs
FRESH_DOCS_5 = ("installation-guide-amd64", "debian-policy", "libssl-doc", "libcurl4-doc", "opensmtpd", "libpam-doc",
                "stunnel4", "privoxy", "dante-server", "zabbix-agent", "pure-ftpd", "mailman3")
# measured once after the sixth change (written on FRESH_DOCS_5): the Debian Edu manual in 9 languages and 14 more
# servers' and tools' documentation (fax, SIP, mail, VPN, backup, version control)
FRESH_DOCS_6 = ("debian-edu-doc-en", "debian-edu-doc-de", "debian-edu-doc-fr", "debian-edu-doc-it", "debian-edu-doc-nl",
                "debian-edu-doc-es", "debian-edu-doc-da", "debian-edu-doc-ja", "debian-edu-doc-pt-br", "hylafax-server",
                "sympa", "rsyslog-doc", "bacula-doc", "amavisd-new", "ocserv", "roundcube-core", "kamailio", "msmtp",
                "gitolite3", "radicale", "subversion", "debian-kernel-handbook", "harden-doc")
# measured once after the seventh change (written on FRESH_DOCS_6): the New Maintainers' Guide in 8 languages, debmake's
# manual in 6 and 17 more tools' documentation (dial-up and fax phone numbers, keys and fingerprints, IPsec, DHCP)
FRESH_DOCS_7 = ("maint-guide-ca", "maint-guide-de", "maint-guide-es", "maint-guide-fr", "maint-guide-it", "maint-guide-ja",
                "maint-guide-ru", "maint-guide-zh-cn", "debmake-doc", "mgetty", "wvdial", "ppp", "pppconfig", "minicom",
                "gnupg", "openssl", "cryptsetup-bin", "libreswan", "tinc", "kea-doc", "xinetd", "icecast2", "mpd",
                "sane-utils", "mailutils-doc", "zoneminder-doc")
# measured once after the eighth change (written on FRESH_DOCS_7): Debian's own tools' man pages in their translations
# and 14 more tools' and servers' documentation (logging, monitoring, mail, clustering, Wi-Fi auditing)
FRESH_DOCS_8 = ("apt", "dpkg-dev", "man-db", "passwd", "login", "adduser", "devscripts", "debconf-doc", "syslog-ng-core",
                "collectd-core", "sudo", "aircrack-ng", "neomutt", "alpine-doc", "postgrey", "nullmailer", "memcached",
                "avahi-daemon", "corosync", "drbd-utils", "logrotate")
# measured once after the ninth change (written on FRESH_DOCS_8): the Debian Reference in 10 languages, the translated
# man pages of dpkg, debhelper, po4a and apt's guides, and 9 more tools' and servers' documentation (Kerberos, FTP, SSSD)
FRESH_DOCS_9 = ("debian-reference-en", "debian-reference-de", "debian-reference-es", "debian-reference-fr",
                "debian-reference-it", "debian-reference-ja", "debian-reference-pt", "debian-reference-zh-cn",
                "debian-reference-zh-tw", "debian-reference-id", "dpkg", "debconf", "debhelper", "po4a", "apt-doc",
                "krb5-doc", "proftpd-doc", "sssd-common", "bind9-dnsutils", "quilt", "pbuilder")
# measured once after the tenth change (written on FRESH_DOCS_9): the Debian Administrator's Handbook in 25 languages,
# the translated man pages of dselect, debianutils, apt-listchanges and aria2, and 11 more tools' and servers'
# documentation (OpenSSH's client, GnuTLS, libvirt, Pacemaker, NRPE, autofs, multipath, SMART, wget, w3m)
FRESH_DOCS_10 = ("debian-handbook", "dselect", "debianutils", "apt-listchanges", "aria2", "openssh-client", "gnutls-bin",
                 "easy-rsa", "smartmontools", "autofs", "multipath-tools", "pacemaker", "nagios-nrpe-server", "libvirt-doc",
                 "wget", "w3m")
# measured once after the eleventh change (written on FRESH_DOCS_10): the history of the Debian project in its
# translations, the translated man pages of psmisc, procps, xz, nano, cron, debsums, ucf, sensible-utils, schroot and
# Midnight Commander (with its help files), and git's, zsh's, dput's, reprepro's and lintian's documentation
FRESH_DOCS_11 = ("debian-history", "mc", "mc-data", "psmisc", "procps", "xz-utils", "nano", "sensible-utils", "debsums",
                 "ucf", "cron", "schroot", "git-man", "zsh-doc", "dput", "reprepro", "lintian")
# measured once after the twelfth change (written on FRESH_DOCS_11): the Developer's Reference in English, the translated
# man pages of net-tools, vim, dctrl-tools, apt-listbugs, wdiff, gettext, tasksel and debian-goodies, and 9 more tools'
# documentation (debootstrap, reportbug, unattended-upgrades, needrestart, etckeeper, tmux, screen, htop)
FRESH_DOCS_12 = ("developers-reference", "net-tools", "vim-common", "dctrl-tools", "apt-listbugs", "debian-goodies",
                 "wdiff", "gettext", "tasksel", "debootstrap", "reportbug", "unattended-upgrades", "needrestart",
                 "etckeeper", "tmux", "screen", "htop")
# measured once, also after the twelfth change (none was written on FRESH_DOCS_12): nmap's man pages in 15 languages,
# the translated man pages of 11 Debian tools, and 15 more tools' and servers' documentation
FRESH_DOCS_13 = ("nmap", "nmap-common", "apt-utils", "base-passwd", "xdg-user-dirs", "live-build", "live-config-doc",
                 "live-boot-doc", "localepurge", "popularity-contest", "po-debconf", "deborphan", "dh-make", "apt-file",
                 "sbuild", "wireguard-tools", "curl", "tcpdump", "lftp", "sysstat", "varnish", "unbound", "nsd",
                 "nut-server", "mercurial-common", "vsftpd", "pdns-server", "socat")
# measured once after the thirteenth change (written on FRESH_DOCS_13): LibreOffice's help in 10 languages (none of the
# bundled ones: number, date and currency format examples) and 13 telephony, SMS and modem tools' documentation
FRESH_DOCS_14 = ("libreoffice-help-de", "libreoffice-help-fr", "libreoffice-help-es", "libreoffice-help-it",
                 "libreoffice-help-ru", "libreoffice-help-ja", "libreoffice-help-pt-br", "libreoffice-help-nl",
                 "libreoffice-help-pl", "libreoffice-help-zh-cn", "gammu", "gammu-smsd", "smstools", "kannel-docs",
                 "gnokii-cli", "sipsak", "twinkle", "baresip-core", "sngrep", "ofono", "modemmanager-doc", "sipvicious",
                 "osmo-bts")
# measured once after the fourteenth change (written on FRESH_DOCS_14): GNOME's and MATE's help in their translations
# (the desktop's user guide, Evolution's, Contacts') and the documentation of mail and address-book tools
FRESH_DOCS_15 = ("gnome-user-docs", "evolution-common", "gnome-contacts", "mate-user-guide", "mutt", "bbdb3", "abook",
                 "khard")
# measured once after the fifteenth change (written on FRESH_DOCS_15): GnuCash's guide and help in 5 languages and the
# documentation of 15 more accounting, calculator and identifier tools: numbers that are not phones, cards or IBANs
FRESH_DOCS_16 = ("gnucash-docs", "gnucash-common", "grisbi-common", "kmymoney", "skrooge", "homebank-data", "beancount",
                 "hledger", "hledger-web", "ledger", "gnumeric-doc", "libqalculate-doc", "qalc", "units", "bc",
                 "python-stdnum-doc")
# measured once after the sixteenth change (written on FRESH_DOCS_16): KDE's PIM handbooks (mail, address book,
# calendar, alarms, phone link) in their translations and the documentation of fax, modem, VoIP, phone-call, SMS/MMS,
# address-book and calendar tools: phone numbers, fax numbers and contact cards in prose and examples
FRESH_DOCS_17 = ("kmail", "kaddressbook", "korganizer", "kalarm", "kontact", "kdeconnect", "mgetty-docs", "mgetty-fax",
                 "efax", "iaxmodem", "linphone-cli", "gnome-calls", "chatty", "mmsd-tng", "lbdb", "rolo", "khal",
                 "vdirsyncer-doc")
# measured once after the seventeenth change (written on FRESH_DOCS_17): chat and news, `nick!user@host` beside addresses
FRESH_DOCS_18 = ("weechat-doc", "weechat-core", "weechat-curses", "newsboat", "slrn", "tin", "profanity", "mcabber",
                 "bitlbee-common", "hexchat", "pidgin", "finch", "poezio", "epic5", "ircii", "inn2", "leafnode", "catgirl")
# measured once after the eighteenth change (written on FRESH_DOCS_18): programming references, the C library's and
# system calls' man pages in 11 languages and 10 languages' manuals: code, sockets, digests, pins, versions
FRESH_DOCS_19 = ("manpages-dev", "manpages-de-dev", "manpages-fr-dev", "manpages-es-dev", "manpages-it-dev",
                 "manpages-ja-dev", "manpages-pl-dev", "manpages-pt-br-dev", "manpages-ru-dev", "manpages-nl-dev",
                 "manpages-uk-dev", "perl-doc", "nodejs-doc", "tcl8.6-doc", "tk8.6-doc", "sbcl-doc", "clisp-doc",
                 "gprolog-doc", "ocaml-man", "golang-1.19-doc", "guile-3.0-doc")
# measured once after the twentieth change (written on FRESH_DOCS_19): Python's web, network and data frameworks' and
# Ruby's documentation (Django, Flask, Werkzeug, Jinja, Sphinx, Scrapy, Requests, Celery, Tornado, aiohttp,
# cryptography): settings with secrets, example hosts and addresses, decorators, test keys
FRESH_DOCS_20 = ("python-django-doc", "python-flask-doc", "python-werkzeug-doc", "python-jinja2-doc", "sphinx-doc",
                 "python-scrapy-doc", "python-requests-doc", "python-celery-doc", "python-tornado-doc",
                 "python-aiohttp-doc", "python-cryptography-doc", "ruby3.1-doc")
# measured once after the twenty-first change (written on FRESH_DOCS_20): cloud, infrastructure, authentication and
# database clients' documentation (cloud-init, OpenStack's clients, Docker, Vagrant, ACME/certbot, JOSE, NaCl, SNMP,
# SDN, NETCONF, SQLite, SQLAlchemy, MongoDB, PostgreSQL, LDAP, Elasticsearch): endpoints, tokens, keys, credentials
FRESH_DOCS_21 = ("cloud-init", "python-openstackclient-doc", "python-novaclient-doc", "python-keystoneclient-doc",
                 "python-keystoneauth1-doc", "python-swiftclient-doc", "python-glanceclient-doc", "python-oslo.config-doc",
                 "docker-doc", "vagrant", "python-certbot-doc", "python-acme-doc", "python-josepy-doc",
                 "python-authlib-doc", "python-nacl-doc", "python-pysnmp4-doc", "python-os-ken-doc", "python-ncclient-doc",
                 "sqlite3-doc", "python-sqlalchemy-doc", "python-pymongo-doc", "python-psycopg2-doc", "python-ldap-doc",
                 "python-elasticsearch-doc")
# measured once after the twenty-second change (written on FRESH_DOCS_21): security, forensics and network-analysis
# tools' documentation: captures, hashes, host names and addresses, fingerprints, cracked passwords, scan results
FRESH_DOCS_22 = ("wireshark-doc", "tshark", "aide", "tripwire", "sleuthkit", "yara", "john", "john-data", "hydra", "lynis",
                 "rkhunter", "chkrootkit", "tiger", "samhain", "sqlmap", "hashcat", "ettercap-common", "dsniff", "ncrack",
                 "masscan", "arp-scan", "p0f", "ngrep", "foremost", "testdisk", "ssh-audit", "sslscan", "testssl.sh",
                 "wapiti", "dirb", "medusa", "ophcrack", "yersinia", "macchanger", "wifite", "reaver", "tcpflow",
                 "netsniff-ng")
# measured once after the twenty-third change (written on FRESH_DOCS_22): routing daemons, VPNs, firewalls, DHCP and
# DNS resolvers, network configuration: addresses, prefixes, pre-shared and public keys, interface names
FRESH_DOCS_23 = ("frr-doc", "bird2", "keepalived", "strongswan-starter", "strongswan-swanctl", "radvd", "dnsmasq-base",
                 "openvswitch-doc", "iptables", "ipset", "conntrack", "ethtool", "iperf3", "mtr-tiny", "traceroute",
                 "bridge-utils", "vlan", "ifupdown", "netplan.io", "network-manager", "openssh-server", "sshguard",
                 "fail2ban", "openconnect", "vpnc", "pptpd", "xl2tpd", "babeld", "exabgp", "ldirectord", "ipvsadm",
                 "pdns-recursor", "ldnsutils", "knot-resolver", "shorewall-doc", "shorewall", "ebtables", "arptables",
                 "miniupnpd", "ndppd", "wide-dhcpv6-client")
# measured once after the twenty-fourth change (written on FRESH_DOCS_23): backup, storage and file system tools
# (Borg, restic, duplicity, rclone, Samba, NFS, iSCSI, LVM, RAID, Ceph, GlusterFS): repositories, remotes, credentials
FRESH_DOCS_24 = ("borgbackup-doc", "borgbackup", "restic", "duplicity", "rsnapshot", "bacula-common", "amanda-common",
                 "rclone", "s3cmd", "lvm2", "mdadm", "nfs-common", "samba-common-bin", "samba", "cifs-utils", "open-iscsi",
                 "targetcli-fb", "nvme-cli", "parted", "cryptsetup", "backuppc", "rdiff-backup", "burp", "btrfs-progs",
                 "xfsprogs", "e2fsprogs", "ceph-common", "glusterfs-common")
# measured once after the twenty-fifth change (written on FRESH_DOCS_24): secrets, identity, mail authentication,
# database and DevOps tools (pass, age, OATH, YubiKey, PKCS#11, TPM, KeePassXC, LDAP, 389 DS, Kerberos, DKIM,
# SpamAssassin, ClamAV, MariaDB, Redis, PgBouncer, Patroni, Percona, Puppet, Ansible, Podman, etcd, NATS, InfluxDB)
FRESH_DOCS_25 = ("pass", "gopass", "age", "oathtool", "libpam-google-authenticator", "yubikey-manager", "opensc", "softhsm2",
                 "tpm2-tools", "keepassxc", "git-crypt", "ldap-utils", "389-ds-base", "heimdal-docs", "krb5-user", "opendkim",
                 "opendkim-tools", "dkimpy-milter", "spamassassin", "clamav", "mariadb-client", "redis-tools", "pgbouncer",
                 "pgpool2", "patroni", "percona-toolkit", "puppet-agent", "ansible-core", "supervisor", "podman", "buildah",
                 "skopeo", "hub", "git-lfs", "etcd-client", "nats-server", "influxdb")
# measured once after the twenty-sixth change (written on FRESH_DOCS_25): HPC (Slurm, MUNGE, Open MPI, MPICH), monitoring
# and graphing (Prometheus, Netdata, SmokePing, Cacti, RRDtool, Icinga Web, Munin's node, SNMP), amateur radio, GPS and
# time (gpsd, PTP, APRS, AX.25, fldigi, Xastir, Gpredict, RTL-SDR), chat, proxy and game servers, RADIUS, WSGI servers
FRESH_DOCS_26 = ("slurm-wlm-doc", "slurm-client", "munge", "openmpi-bin", "mpich", "prometheus", "prometheus-node-exporter",
                 "netdata-core", "smokeping", "cacti", "rrdtool", "icingaweb2", "munin-node", "snmpd", "rabbitmq-server",
                 "ngircd", "mumble-server", "i2pd", "tinyproxy", "gpsd", "linuxptp", "direwolf", "ax25-tools", "fldigi",
                 "xastir", "aprx", "gpredict", "rtl-sdr", "minetest-server", "wesnoth-1.16-server", "nebula",
                 "freeradius-common", "uwsgi", "gunicorn")
# measured once after the twenty-seventh change (written on FRESH_DOCS_26): scientific, geographic and data tools
# (gnuplot, Maxima, SciPy, xarray, h5py, netCDF, HDF5, CDO, NCO, GDAL, PROJ, PostGIS, SpatiaLite, Mapnik, OpenStreetMap
# tools, GPSBabel, csvkit, Miller, jq, XMLStarlet, datamash): coordinates, measurements, tables of numbers
FRESH_DOCS_27 = ("gnuplot-doc", "maxima-doc", "python-scipy-doc", "python-xarray-doc", "python-h5py-doc", "netcdf-bin",
                 "hdf5-tools", "cdo", "nco", "gdal-bin", "proj-bin", "postgis-doc", "spatialite-bin", "mapnik-utils",
                 "osmium-tool", "osm2pgsql", "gpsbabel", "csvkit", "miller", "jq", "xmlstarlet", "datamash")
# in the order they were measured: `docs_fresh`, `docs_fresh_2`, ... in the evaluation's output
MANUAL_SETS = (FRESH_DOCS, FRESH_DOCS_2, FRESH_DOCS_3, FRESH_DOCS_4, FRESH_DOCS_5, FRESH_DOCS_6, FRESH_DOCS_7, FRESH_DOCS_8,
               FRESH_DOCS_9, FRESH_DOCS_10, FRESH_DOCS_11, FRESH_DOCS_12, FRESH_DOCS_13, FRESH_DOCS_14,
               FRESH_DOCS_15, FRESH_DOCS_16, FRESH_DOCS_17, FRESH_DOCS_18,
               FRESH_DOCS_19, FRESH_DOCS_20, FRESH_DOCS_21, FRESH_DOCS_22,
               FRESH_DOCS_23, FRESH_DOCS_24, FRESH_DOCS_25, FRESH_DOCS_26, FRESH_DOCS_27)
