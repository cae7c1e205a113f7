# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The trust boundary: every variable the roles read, typed once, checked by one parser per kind.

Each role's first task hands the values it reads to ``problems()`` (through the filter
``oth.stack.input_problems``) and fails with every message at once, before anything on the host
changes. A message names the variable, shows the value (never a secret's), says what is wrong
and how to fix it.

The parsers are also what the other module_utils use to read a value: ``parse_bool`` for the
matrix's conditions, ``parse_address`` and ``parse_network`` for every address, ``covers_port``
for "is this an SSH flow", so that every role accepts the same language.

Kinds (``SPEC`` maps every variable to one):

- ``bool``: True/False, or the spellings Ansible itself converts (yes/no, true/false, on/off,
  1/0, y/n, t/f, any case); any other string is refused, never read as true;
- ``name`` (a regular expression that must match the whole value), ``hostname``, ``choice``:
  full matches, no control characters, so no newline ever reaches a config line;
- ``address``, ``network``: one IP address (no prefix, no ``:port``), or a network whose host
  bits are zero (netaddr, strict notation);
- ``endpoint``: an inventory host or group, an address, a network, ``any`` or a DNS name;
- ``port``, ``ports`` (a port or ``low-high``), ``int``;
- ``pem``: PEM text (checked block by block by module_utils/pem_bundle.py); never shown;
- ``haproxy``: one HAProxy word or directive: one line, no ``#``, no control characters;
- ``ssh_key``: one OpenSSH public key line, options checked, the base64 decoded;
- ``list``, ``dict`` (known keys), ``mapping`` (free keys), ``matrix`` (network matrix rows).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import binascii
import re

# Ansible's own boolean spellings (ansible.module_utils.parsing.convert_bool), lower-cased.
TRUE_WORDS = ("yes", "on", "1", "true", "y", "t")
FALSE_WORDS = ("no", "off", "0", "false", "n", "f")
ANY = "any"

_CONTROL = re.compile(r"[\x00-\x1f\x7f\u0085\u2028\u2029]")
_LABEL = r"[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?"
_HOSTNAME = re.compile(r"(?:%s)(?:\.%s)*\.?" % (_LABEL, _LABEL))
LOGIN_NAME = r"[a-z_][a-z0-9_-]{0,31}"
PROXY_NAME = r"[A-Za-z0-9_.:-]+"
TOKEN = r"[A-Za-z0-9@._+/=:,!-]+"
# A Kubernetes namespace or object name of this collection (a DNS-1123 label).
KUBERNETES_NAME = r"[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?"
_VARIABLE_NAME = r"[A-Za-z_][A-Za-z0-9_]*"


class InputError(ValueError):
    """A value that must not go further; the text says what is wrong and how to fix it."""


# --------------------------------------------------------------------------------------------
# Showing values in messages
# --------------------------------------------------------------------------------------------


def show(value, length=60):
    """The value as a message shows it: repr (control characters escaped), cut."""
    text = repr(value)
    return text if len(text) <= length else text[:length - 4] + "...'"


def _type_name(value):
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "text of %d characters" % len(value)
    if isinstance(value, (list, tuple)):
        return "a list of %d items" % len(value)
    if isinstance(value, dict):
        return "a mapping"
    if value is None:
        return "null"
    return type(value).__name__


def _is_text(value):
    return isinstance(value, str)


def has_control(text):
    """Whether text holds a newline or another control character."""
    return bool(_CONTROL.search(text))


def _one_line(value, what):
    if not _is_text(value):
        raise InputError("is %s, not %s" % (_type_name(value), what))
    if _CONTROL.search(value):
        raise InputError("holds a newline or another control character; give %s on one line, "
                         "without them" % what)
    return value


# --------------------------------------------------------------------------------------------
# Parsers: each returns the canonical value or raises InputError (without the variable name)
# --------------------------------------------------------------------------------------------


def parse_bool(value):
    """True or False from a boolean or one of Ansible's spellings; anything else is an error."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if _is_text(value):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise InputError("is not a boolean: write true or false (yes/no also work); a quoted word "
                     "other than those is refused rather than read as true")


def parse_name(value, pattern, what):
    _one_line(value, what)
    if not re.fullmatch(pattern, value):
        raise InputError("is not %s" % what)
    return value


def parse_hostname(value):
    _one_line(value, "a host name")
    if not value or len(value) > 253 or not _HOSTNAME.fullmatch(value):
        raise InputError("is not a host name (letters, digits, '-' and '_', labels of 1 to 63 "
                         "characters joined by dots)")
    return value.rstrip(".")


def _netaddr():
    try:
        import netaddr
    except ImportError:  # pragma: no cover - reported to the user
        raise InputError("cannot be checked: the Python library netaddr is missing on the "
                         "controller (pip install netaddr)")
    return netaddr


def parse_address(value, version=None):
    """One IP address in canonical text; a prefix or a ':port' is an error with the fix."""
    _one_line(value, "an IP address")
    netaddr = _netaddr()
    text = value.strip()
    if text != value:
        raise InputError("has blanks around the address, which would reach the configs with it; "
                         "remove them")
    if "/" in text:
        raise InputError("is a network (it has a prefix length); give the one address, e.g. %r"
                         % text.split("/", 1)[0])
    try:
        address = netaddr.IPAddress(text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        host, _sep, port = text.rpartition(":")
        if port.isdigit() and host.strip("[]") and _valid_ip(host.strip("[]")):
            raise InputError("looks like address:port; give the address alone (%r) and the port "
                             "in the port variable" % host.strip("[]"))
        raise InputError("is not an IPv4 or IPv6 address")
    if version and address.version != version:
        raise InputError("is an IPv%d address; an IPv%d address is required" % (address.version, version))
    return str(address)


def _valid_ip(text):
    netaddr = _netaddr()
    return bool(netaddr.valid_ipv4(text, flags=netaddr.INET_PTON) or netaddr.valid_ipv6(text))


def parse_network(value):
    """'address/prefix' text of an address or a network; host bits set are an error, not widened."""
    _one_line(value, "an IP address or network")
    netaddr = _netaddr()
    text = value.strip()
    address_text, slash, prefix = text.partition("/")
    try:
        address = netaddr.IPAddress(address_text, flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        host, _sep, port = address_text.rpartition(":")
        if not slash and port.isdigit() and _valid_ip(host.strip("[]")):
            raise InputError("looks like address:port; a source or destination is an address or "
                             "network only (%r)" % host.strip("[]"))
        raise InputError("is not an IPv4/IPv6 address or network in CIDR form")
    width = 32 if address.version == 4 else 128
    if slash and (not prefix.isdigit() or int(prefix) > width or prefix != str(int(prefix))):
        raise InputError("has a prefix length that is not a number from 0 to %d" % width)
    network = netaddr.IPNetwork("%s/%s" % (address, prefix if slash else width))
    if network.ip != network.network:
        raise InputError("has host bits set, so it is neither one address nor a network: write "
                         "%s/%d for the network, or %s/%d for the one address"
                         % (network.network, network.prefixlen, address, width))
    return "%s/%d" % (network.network, network.prefixlen)


def address_in_networks(address, networks):
    """Whether ``address`` (text) lies in one of ``networks`` (texts; invalid ones never match).
    An IPv4 client of a dual-stack listener, seen as ::ffff:a.b.c.d, counts as IPv4, as sshd
    normalises it."""
    netaddr = _netaddr()
    try:
        ip = netaddr.IPAddress(str(address).strip(), flags=netaddr.INET_PTON)
    except (netaddr.AddrFormatError, ValueError, TypeError):
        return False
    if ip.version == 6 and ip.is_ipv4_mapped():
        ip = ip.ipv4()
    for network in networks:
        try:
            if ip in netaddr.IPNetwork(parse_network(network)):
                return True
        except InputError:
            continue
    return False


def parse_endpoint(value):
    """'any', an address, a network, or a name (inventory host or group, DNS name)."""
    _one_line(value, "an address, network or host name")
    text = value.strip()
    if text.lower() == ANY:
        return ANY
    if re.fullmatch(r"[0-9a-fA-F:./\[\]]+", text):
        return parse_network(text)
    return parse_hostname(text)


def parse_int(value, low=None, high=None):
    if isinstance(value, bool) or not (isinstance(value, int) or _is_text(value) and re.fullmatch(r"[0-9]+", value)):
        raise InputError("is not a whole number")
    number = int(value)
    if (low is not None and number < low) or (high is not None and number > high):
        raise InputError("is outside %s to %s" % (low, high if high is not None else "any"))
    return number


def parse_seconds(value, low, high):
    """A number of seconds, whole or decimal, from ``low`` to ``high``."""
    if isinstance(value, bool) or not (isinstance(value, (int, float))
                                       or _is_text(value) and re.fullmatch(r"[0-9]+(\.[0-9]+)?", value)):
        raise InputError("is not a number of seconds such as 1 or 0.4")
    number = float(value)
    if not low <= number <= high:
        raise InputError("is outside %s to %s seconds" % (low, high))
    return number


def parse_port(value):
    try:
        return parse_int(value, 1, 65535)
    except InputError:
        raise InputError("is not a TCP/UDP port: give a number from 1 to 65535")


def parse_ports(value):
    """A port or a 'low-high' range, as canonical text."""
    if not isinstance(value, bool) and isinstance(value, int):
        value = str(value)
    _one_line(value, "a port or a low-high port range")
    match = re.fullmatch(r"([0-9]+)(?:[-:]([0-9]+))?", value.strip())
    if not match:
        raise InputError("is not a port or a low-high port range")
    low, high = int(match.group(1)), int(match.group(2) or match.group(1))
    if not 1 <= low <= high <= 65535:
        raise InputError("is outside 1-65535 or not low-high")
    return str(low) if low == high else "%d-%d" % (low, high)


def port_bounds(port):
    low, _sep, high = str(port).partition("-")
    return int(low), int(high or low)


def covers_port(ports, port):
    """Whether any of the canonical port texts (single or range) includes ``port``."""
    return any(low <= port <= high for low, high in map(port_bounds, filter(None, ports)))


def parse_haproxy(value, what="an HAProxy value"):
    """One line HAProxy takes as is: no newline (a new directive), no '#' (a comment)."""
    _one_line(value, what)
    if not value.strip():
        raise InputError("is empty; give %s" % what)
    if "#" in value:
        raise InputError("holds '#', which HAProxy reads as the start of a comment; remove it")
    return value


def parse_haproxy_time(value):
    if not isinstance(value, bool) and isinstance(value, int) and value >= 0:
        return str(value)
    _one_line(value, "an HAProxy time")
    if not re.fullmatch(r"[0-9]+(us|ms|s|m|h|d)?", value):
        raise InputError("is not an HAProxy time such as 500ms, 5s or 1m")
    return value


def parse_path(value):
    _one_line(value, "an absolute path")
    if not value.startswith("/") or re.search(r"\s", value):
        raise InputError("is not an absolute path without blanks")
    return value


def parse_mode(value, private=False):
    # An unquoted 0600 is YAML's octal 384; an unquoted 600 or 644 is decimal, another mode.
    text = value if _is_text(value) else ("0%o" % value if isinstance(value, int) and not isinstance(value, bool)
                                          and 0 <= value <= 0o777 else None)
    if text is None or not re.fullmatch(r"0?[0-7]{3,4}", text):
        raise InputError("is not an octal file mode; quote it, e.g. '0600'")
    if private and int(text, 8) & 0o007:
        raise InputError("lets every account on the host read or change a file with the private key; "
                         "use '0600', or '0640' with the group that must read it")
    return text


# --- PEM text --------------------------------------------------------------------------------


def parse_pem(value, allow_list=False):
    """PEM text (or, for a chain, a list of them), block by block; never quoted in a message."""
    if value in (None, "") or value == []:
        return value
    items = value if allow_list and isinstance(value, (list, tuple)) else [value]
    from ansible_collections.oth.stack.plugins.module_utils.pem_bundle import split_pem
    problems = []
    for index, item in enumerate(items):
        where = "[%d] " % index if item is not value else ""
        if not _is_text(item):
            problems.append("%sis %s, not PEM text%s" % (where, _type_name(item),
                                                         " (or a list of PEM texts)" if allow_list else ""))
            continue
        split = split_pem(item)
        if not split.blocks and not split.errors:
            problems.append("%sholds no PEM block ('-----BEGIN ...-----' lines); paste the PEM "
                            "file itself, not its path, its base64 body alone or DER" % where)
        problems.extend(where + error for error in split.errors)
        problems.extend("%s%s %s" % (where, block.describe(), block.problem)
                        for block in split.blocks if block.problem)
    if problems:
        raise InputError("; ".join(problems))
    return value


# --- SSH public keys -------------------------------------------------------------------------

SSH_KEY_OPTIONS_FLAGS = frozenset((
    "agent-forwarding", "cert-authority", "no-agent-forwarding", "no-port-forwarding", "no-pty",
    "no-touch-required", "no-user-rc", "no-x11-forwarding", "port-forwarding", "pty", "restrict",
    "user-rc", "verify-required", "x11-forwarding",
))
SSH_KEY_OPTIONS_VALUES = frozenset((
    "command", "environment", "expiry-time", "from", "permitlisten", "permitopen", "principals",
))
_SSH_OPTION = re.compile(r'([A-Za-z0-9-]+)(?:="((?:[^"\\]|\\.)*)")?')


def _split_options(text):
    """Split 'opt1,opt2="a,b" rest' into (options, rest); None when it is not options."""
    options, pos = [], 0
    while True:
        match = _SSH_OPTION.match(text, pos)
        if not match:
            return None
        options.append((match.group(1).lower(), match.group(2)))
        pos = match.end()
        if pos < len(text) and text[pos] == ",":
            pos += 1
            continue
        if pos < len(text) and text[pos] == " ":
            return options, text[pos:].lstrip(" ")
        return None


def parse_ssh_key(value, key_types):
    """One OpenSSH public key line: [options] type base64 [comment]."""
    _one_line(value, "one public key")
    text = value.strip()
    first = text.split(None, 1)[0] if text else ""
    # Options come first when the line does not start with a key type: 'no-pty,from="..." ...'.
    if first and first not in key_types and (first.lower() in SSH_KEY_OPTIONS_FLAGS
                                             or re.match(r"[A-Za-z-]+[=,]", first)):
        split = _split_options(text)
        if split is None or not split[1]:
            raise InputError("is not an accepted public key: give one OpenSSH public key line, "
                             "'[options] <type> <base64> [comment]', with type one of %s (set "
                             "ssh_access_key_types to accept others)" % ", ".join(key_types))
        options, text = split
        for name, argument in options:
            if name in SSH_KEY_OPTIONS_FLAGS and argument is None:
                continue
            if name in SSH_KEY_OPTIONS_VALUES and argument is not None:
                continue
            raise InputError("has the option %r, which is not an authorized_keys option sshd "
                             "knows (or lacks its =\"value\")" % name)
    parts = text.split()
    if len(parts) < 2 or parts[0] not in key_types:
        raise InputError("is not an accepted public key: give one OpenSSH public key line, "
                         "'<type> <base64> [comment]', with type one of %s (set "
                         "ssh_access_key_types to accept others)" % ", ".join(key_types))
    try:
        blob = base64.b64decode(parts[1], validate=True)
    except (binascii.Error, ValueError):
        raise InputError("has a base64 part that does not decode: copy the key again, whole")
    embedded = blob[4:4 + int.from_bytes(blob[:4], "big")] if len(blob) > 4 else b""
    if embedded.decode("ascii", "replace") != parts[0]:
        raise InputError("says it is %s but its base64 holds %s: copy the key again, whole"
                         % (parts[0], embedded.decode("ascii", "replace") or "no key"))
    return value.strip()


# --------------------------------------------------------------------------------------------
# The description of every variable
# --------------------------------------------------------------------------------------------


def _kind(kind, **options):
    options["kind"] = kind
    return options


def _list(of, **options):
    return _kind("list", of=of, **options)


BOOL = _kind("bool")
PORT = _kind("port")
HOSTNAME = _kind("hostname")
ADDRESS = _kind("address")
NETWORKS = _list(_kind("network"))
ENDPOINT = _kind("endpoint")
ENDPOINTS = _kind("endpoints")
HAPROXY = _kind("haproxy")
DIRECTIVES = _list(_kind("haproxy", what="one HAProxy directive"))
PROXY = _kind("name", pattern=PROXY_NAME, what="an HAProxy proxy name (letters, digits and _.:-)")
TOKENS = _list(_kind("name", pattern=TOKEN, what="one word (letters, digits and @._+/=:,!-)"))
MATRIX = _kind("matrix")


def _optional(spec):
    spec = dict(spec)
    spec["empty_ok"] = True
    return spec


SPEC = {
    # Shared by the tiers (README.md, "Variables every tier reads").
    "oth_fqdn": _optional(HOSTNAME),
    "oth_public_ip": _optional(ADDRESS),
    "oth_admin_sources": NETWORKS,
    "oth_admin_users": _list(_kind("dict", keys={
        "name": _kind("name", pattern=LOGIN_NAME, what="a lower-case login name"),
        # Checked against ssh_access_key_types by _Checker._staff.
        "authorized_keys": _kind("raw"),
        "sudo": BOOL,
        "state": _kind("choice", choices=("present", "absent")),
    }, required=("name",)), staff=True),
    "oth_admin_ssh_to_application": BOOL,
    "oth_bastion_address": ENDPOINTS,
    "oth_features": _kind("dict", keys={
        "android_push": BOOL, "ios_push": BOOL, "sms": BOOL, "video": BOOL}),
    "oth_object_storage": _kind("choice", choices=("s3", "minio")),
    "oth_egress_policy": _kind("choice", choices=("open", "restricted")),
    "oth_mariadb_host": _optional(ENDPOINTS),
    "oth_rabbitmq_host": _optional(ENDPOINTS),
    "oth_minio_host": _optional(ENDPOINTS),
    "oth_network_matrix": MATRIX,
    "oth_network_matrix_extra": MATRIX,
    "oth_tls_private_key": _kind("pem", secret=True),
    "oth_tls_certificate": _kind("pem", secret=True),
    "oth_tls_chain": _kind("pem", secret=True, allow_list=True),
    "oth_internal_ip": _kind("address", empty_ok=True),
    # playbooks/kubernetes.yml; the tiers, the DNS service and the host-only flows are checked by
    # module_utils/kubernetes_manifests.py, which knows their shape.
    "oth_kubernetes_namespace": _kind("name", pattern=KUBERNETES_NAME,
                                      what="a Kubernetes namespace name (lower-case letters, digits and '-')"),
    "oth_kubernetes_output_dir": _optional(_kind("path")),
    "oth_kubernetes_kubeconfig": _optional(_kind("path")),
    "oth_kubernetes_tls_secret_name": _kind("name", pattern=KUBERNETES_NAME,
                                            what="a Kubernetes object name (lower-case letters, digits and '-')"),
    "oth_kubernetes_tiers": _kind("raw"),
    "oth_kubernetes_dns": _kind("raw"),
    "oth_kubernetes_host_only_flows": _kind("raw"),
    # firewall
    "firewall_ssh_client": _optional(_kind("name", pattern=r"[0-9A-Fa-f:.]+ [0-9]+ [0-9]+",
                                           what="SSH_CLIENT as sshd sets it ('address port port')")),
    "firewall_backend": _kind("choice", choices=("ufw", "firewalld")),
    "firewall_management_sources": NETWORKS,
    "firewall_allow_controller": BOOL,
    "firewall_confirm_timeout": _kind("int", low=0, high=3600),
    "firewall_container_filter": BOOL,
    "firewall_dns_servers": _list(ENDPOINT),
    "firewall_ntp_servers": _list(ENDPOINT),
    "firewall_package_mirrors": _list(ENDPOINT),
    "firewall_egress_essentials": MATRIX,
    "firewall_matrix_variables": _kind("mapping"),
    "firewall_exclusive_ports": _list(_kind("name", pattern=r"[0-9]+(-[0-9]+)?/(tcp|udp)",
                                            what="a port and protocol such as 22/tcp")),
    # hosts
    "hosts_groups": _list(_kind("name", pattern=r"[A-Za-z0-9_]+", what="an inventory group name")),
    "hosts_resolve_fqdn": BOOL,
    "hosts_fqdn": _optional(HOSTNAME),
    "hosts_fqdn_address": _optional(ADDRESS),
    "hosts_aliases": _list(HOSTNAME),
    "hosts_cloud_init_mode": _kind("choice", choices=("template", "disable")),
    # haproxy
    "haproxy_server_name": HOSTNAME,
    "haproxy_tls_private_key": _kind("pem", secret=True),
    "haproxy_tls_certificate": _kind("pem", secret=True),
    "haproxy_tls_chain": _kind("pem", secret=True, allow_list=True),
    "haproxy_tls_private_key_path": _optional(_kind("path")),
    "haproxy_tls_certificate_path": _optional(_kind("path")),
    "haproxy_tls_chain_paths": _list(_kind("path")),
    "haproxy_tls_bundle_dir": _kind("path"),
    "haproxy_tls_bundle_owner": _kind("name", pattern=LOGIN_NAME, what="a user name"),
    "haproxy_tls_bundle_group": _kind("name", pattern=LOGIN_NAME, what="a group name"),
    "haproxy_tls_bundle_mode": _kind("mode", private=True),
    "haproxy_bind_address": _kind("bind"),
    "haproxy_https_port": PORT,
    "haproxy_http_port": PORT,
    "haproxy_alpn": _list(_kind("name", pattern=r"[A-Za-z0-9./-]+", what="an ALPN protocol name such as h2")),
    "haproxy_ssl_min_version": _kind("choice", choices=("TLSv1.2", "TLSv1.3")),
    "haproxy_ssl_ciphers": _kind("name", pattern=r"[A-Za-z0-9_:+!@=.-]+", what="an OpenSSL cipher list"),
    "haproxy_ssl_ciphersuites": _kind("name", pattern=r"[A-Za-z0-9_:]+", what="a TLS 1.3 cipher suite list"),
    "haproxy_hsts_enabled": BOOL,
    "haproxy_hsts_max_age": _kind("int", low=0),
    "haproxy_hsts_include_subdomains": BOOL,
    "haproxy_hsts_preload": BOOL,
    "haproxy_http_redirect": BOOL,
    "haproxy_http_redirect_code": _kind("choice", choices=(301, 302, 303, 307, 308), numeric=True),
    "haproxy_acme_challenge_plain_http": BOOL,
    "haproxy_acme_backend": PROXY,
    "haproxy_backend_name": PROXY,
    "haproxy_backend_group": _kind("name", pattern=r"[A-Za-z0-9_]+", what="an inventory group name"),
    "haproxy_backend_port": PORT,
    "haproxy_backend_balance": _kind("haproxy", what="an HAProxy balance algorithm"),
    "haproxy_backend_check_path": _kind("name", pattern=r"/[!-~]*", what="a URL path without blanks or '#'",
                                        refuse="#"),
    "haproxy_backend_check_host": HOSTNAME,
    "haproxy_health_uri": _kind("name", pattern=r"/[!-~]*", what="a URL path without blanks or '#'", refuse="#"),
    "haproxy_backend_check_expect_status": _kind("name", pattern=r"[1-5][0-9]{2}(-[1-5][0-9]{2})?",
                                                 what="an HTTP status or range such as 200-399"),
    "haproxy_backend_check_interval": _kind("haproxy_time"),
    "haproxy_backend_check_fall": _kind("int", low=1),
    "haproxy_backend_check_rise": _kind("int", low=1),
    "haproxy_timeouts": _kind("mapping", key=_kind("name", pattern=r"[a-z-]+", what="an HAProxy timeout name"),
                              value=_kind("haproxy_time")),
    "haproxy_global_directives": DIRECTIVES,
    "haproxy_defaults_directives": DIRECTIVES,
    "haproxy_https_directives": DIRECTIVES,
    "haproxy_http_directives": DIRECTIVES,
    "haproxy_backend_directives": DIRECTIVES,
    "haproxy_frontends": _list(_kind("dict", keys={
        "name": PROXY,
        "mode": _kind("choice", choices=("http", "tcp")),
        "bind": _list(_kind("haproxy", what="one bind line"), required=True),
        "directives": DIRECTIVES,
        "default_backend": PROXY,
    }, required=("name", "bind"))),
    "haproxy_backends": _list(_kind("dict", keys={
        "name": PROXY,
        "mode": _kind("choice", choices=("http", "tcp")),
        "balance": _kind("haproxy", what="an HAProxy balance algorithm"),
        "directives": DIRECTIVES,
        "servers": _list(_kind("dict", keys={
            "name": PROXY,
            "address": _kind("server_address"),
            "port": PORT,
            "options": _list(_kind("haproxy", what="one server option")),
        }, required=("name", "address", "port"))),
    }, required=("name",))),
    # keepalived
    "keepalived_virtual_address": ADDRESS,
    "keepalived_virtual_prefix": _kind("int", low=1, high=128),
    "keepalived_interface": _optional(_kind("name", pattern=r"[A-Za-z0-9_.:@-]{1,15}", what="an interface name such as eth0")),
    "keepalived_group": _kind("name", pattern=r"[A-Za-z0-9_]+", what="an inventory group name"),
    "keepalived_unicast": BOOL,
    "keepalived_virtual_router_id": _kind("int", low=1, high=255),
    "keepalived_site_name": HOSTNAME,
    "keepalived_priority": _kind("int", low=1, high=254),
    "keepalived_vrrp_version": _kind("choice", choices=(2, 3), numeric=True),
    "keepalived_advert_interval": _kind("seconds", low=0.01, high=255),
    "keepalived_auth_pass": _optional(_kind("name", pattern=r"[!-~]{1,8}", what="1 to 8 printable characters, no blank",
                                            secret=True, refuse='"#!')),
    "keepalived_preempt": BOOL,
    "keepalived_check_interval": _kind("int", low=1, high=60),
    "keepalived_check_timeout": _kind("seconds", low=0.05, high=10),
    "keepalived_check_fall": _kind("int", low=1, high=10),
    "keepalived_check_rise": _kind("int", low=1, high=10),
    "keepalived_notify_script": _optional(_kind("path")),
    # ssh_access
    "ssh_access_flows": MATRIX,
    "ssh_access_management_user": _optional(_kind("name", pattern=LOGIN_NAME, what="a login name")),
    "ssh_access_management_sources": NETWORKS,
    "ssh_access_allow_controller": BOOL,
    "ssh_access_jump_host": _kind("bool", null_ok=True),
    "ssh_access_permit_open": _list(_kind("name", pattern=r"(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):([0-9]{1,5}|\*)",
                                          what="host:port (IPv6 as [addr]:port)")),
    "ssh_access_permit_root_login": BOOL,
    "ssh_access_absent_users": _kind("choice", choices=("lock", "remove")),
    "ssh_access_staff_group": _kind("name", pattern=LOGIN_NAME, what="a group name"),
    "ssh_access_staff_shell": _kind("path"),
    "ssh_access_key_types": TOKENS,
    "ssh_access_kex_algorithms": TOKENS,
    "ssh_access_ciphers": TOKENS,
    "ssh_access_macs": TOKENS,
    "ssh_access_pubkey_algorithms": TOKENS,
    "ssh_access_login_grace_time": _kind("int", low=0),
    "ssh_access_max_auth_tries": _kind("int", low=1),
    "ssh_access_client_alive_interval": _kind("int", low=0),
    "ssh_access_client_alive_count_max": _kind("int", low=0),
    "ssh_access_max_startups": _kind("name", pattern=r"[0-9]{1,5}(:[0-9]{1,3}:[0-9]{1,5})?", null_ok=True,
                                     what="start or start:rate:full, as sshd's MaxStartups (10:30:100)"),
}

# Read by every role from every host of the site (through hostvars), so checked for all of them.
HOST_SPEC = {
    "oth_internal_ip": _kind("address", empty_ok=True),
    "oth_internal_ipv6": _kind("address", version=6, empty_ok=True),
    "hosts_aliases": _list(HOSTNAME),
}

_SHARED = ("oth_fqdn", "oth_public_ip", "oth_internal_ip", "oth_admin_sources", "oth_admin_ssh_to_application",
           "oth_bastion_address", "oth_features", "oth_object_storage", "oth_egress_policy",
           "oth_mariadb_host", "oth_rabbitmq_host", "oth_minio_host", "oth_network_matrix",
           "oth_network_matrix_extra")
_TLS = ("oth_tls_private_key", "oth_tls_certificate", "oth_tls_chain")

ROLE_INPUTS = {
    "firewall": _SHARED + tuple(n for n in SPEC if n.startswith("firewall_")),
    "hosts": ("oth_fqdn", "oth_public_ip", "oth_internal_ip") + tuple(n for n in SPEC if n.startswith("hosts_")),
    "haproxy": ("oth_fqdn",) + _TLS + tuple(n for n in SPEC if n.startswith("haproxy_")),
    "keepalived": ("oth_fqdn", "oth_public_ip", "oth_internal_ip", "haproxy_https_port", "haproxy_server_name",
                   "haproxy_health_uri") + tuple(n for n in SPEC if n.startswith("keepalived_")),
    "ssh_access": ("oth_admin_sources", "oth_admin_users", "oth_admin_ssh_to_application", "oth_internal_ip",
                   "oth_bastion_address", "oth_network_matrix", "oth_network_matrix_extra")
    + tuple(n for n in SPEC if n.startswith("ssh_access_")),
}
ROLE_INPUTS["kubernetes"] = (("oth_fqdn", "oth_features", "oth_object_storage", "oth_egress_policy",
                              "oth_mariadb_host", "oth_rabbitmq_host", "oth_minio_host", "oth_network_matrix",
                              "oth_network_matrix_extra") + _TLS
                             + tuple(n for n in SPEC if n.startswith("oth_kubernetes_")))
ROLE_INPUTS["loadbalancer"] = tuple(sorted(set(ROLE_INPUTS["hosts"] + ROLE_INPUTS["firewall"]
                                               + ROLE_INPUTS["ssh_access"] + ROLE_INPUTS["haproxy"]
                                               + ROLE_INPUTS["keepalived"])))
ROLE_INPUTS["application"] = tuple(sorted(set(ROLE_INPUTS["hosts"] + ROLE_INPUTS["firewall"]
                                              + ROLE_INPUTS["ssh_access"])))
ROLE_INPUTS["storage"] = ROLE_INPUTS["application"]


def names(role):
    """The variables ``role`` reads, in a stable order."""
    if role not in ROLE_INPUTS:
        raise InputError("no role %r: one of %s" % (role, ", ".join(sorted(ROLE_INPUTS))))
    return list(ROLE_INPUTS[role])


# --------------------------------------------------------------------------------------------
# Checking values against the description
# --------------------------------------------------------------------------------------------

# A value the vars lookup hands over for a variable that is not defined at all.
UNDEFINED = "__oth_stack_undefined__"


class _Checker:
    def __init__(self, values):
        self.values = values
        self.problems = []

    def add(self, where, value, text, secret=False, fix=None):
        message = "%s: %s %s" % (where, "(value not shown)" if secret else show(value), text)
        if fix:
            message += "; " + fix
        self.problems.append(message.rstrip(".") + ".")

    def check(self, where, value, spec, secret=False):
        secret = secret or spec.get("secret", False)
        kind = spec["kind"]
        if value is None and (spec.get("null_ok") or spec.get("empty_ok")):
            return
        if spec.get("empty_ok") and value in ("", []):
            return
        try:
            handler = getattr(self, "_" + kind, None)
            if handler is not None:
                handler(where, value, spec, secret)
            else:
                _PARSERS[kind](value, spec)
        except InputError as error:
            self.add(where, value, str(error), secret)

    def _list(self, where, value, spec, secret):
        if not isinstance(value, (list, tuple)):
            raise InputError("is %s; a list is expected (in YAML: one '- item' per line, or [a, b])"
                             % _type_name(value))
        if spec.get("required") and not value:
            raise InputError("is empty; give at least one item")
        if spec.get("staff"):
            return self._staff(where, value, spec)
        for index, item in enumerate(value):
            self.check("%s[%d]" % (where, index), item, spec["of"], secret)

    def _dict(self, where, value, spec, secret, label=None):
        if not isinstance(value, dict):
            raise InputError("is %s; a mapping is expected" % _type_name(value))
        unknown = sorted(str(key) for key in value if key not in spec["keys"])
        if unknown:
            self.add(where, value, "has unknown keys %s (known: %s)" % (
                ", ".join(show(k) for k in unknown), ", ".join(sorted(spec["keys"]))), secret)
        for key in spec.get("required", ()):
            if value.get(key) in (None, "", []):
                self.add(where, value, "lacks %s, which is required" % key, secret)
        for key, item_spec in spec["keys"].items():
            if key in value and value[key] is not None:
                self.check("%s.%s" % (label or where, key), value[key], item_spec, secret)

    def _mapping(self, where, value, spec, secret):
        if not isinstance(value, dict):
            raise InputError("is %s; a mapping is expected" % _type_name(value))
        spec_key, spec_value = spec.get("key"), spec.get("value")
        for key, item in value.items():
            if spec_key:
                self.check("%s key" % where, key, spec_key)
            elif not _is_text(key) or not re.fullmatch(_VARIABLE_NAME, key):
                self.add(where, key, "is not a valid key (letters, digits, '_')")
            if spec_value:
                self.check("%s.%s" % (where, key), item, spec_value, secret)
            else:
                self._plain("%s.%s" % (where, key), item)

    def _plain(self, where, value):
        """Free data (matrix variables): every string on one line."""
        if isinstance(value, dict):
            for key, item in value.items():
                self._plain("%s.%s" % (where, key), item)
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                self._plain("%s[%d]" % (where, index), item)
        elif _is_text(value) and _CONTROL.search(value):
            self.add(where, value, "holds a newline or another control character; remove it")

    def _endpoints(self, where, value, spec, secret):
        items = value if isinstance(value, (list, tuple)) else [value]
        for index, item in enumerate(items):
            here = where if items is not value else "%s[%d]" % (where, index)
            if item in (None, "") and spec.get("empty_ok"):
                continue
            self.check(here, item, ENDPOINT, secret)

    def _matrix(self, where, value, spec, secret):
        from ansible_collections.oth.stack.plugins.module_utils.network_matrix import MatrixError, normalize_matrix
        try:
            normalize_matrix(value, where)
        except MatrixError as error:
            self.problems.append(str(error))

    def _staff(self, where, users, spec):
        key_types = self.values.get("ssh_access_key_types")
        if not isinstance(key_types, (list, tuple)) or not key_types:
            key_types = ("ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
                         "ssh-rsa", "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com")
        names_seen = []
        for index, user in enumerate(users):
            name = user.get("name") if isinstance(user, dict) else None
            label = "%s[%s]" % (where, name if _is_text(name) and not _CONTROL.search(name) else index)
            if not isinstance(user, dict):
                self.add("%s[%d]" % (where, index), user, "is not a mapping {name, authorized_keys}")
                continue
            self._dict(label, user, spec["of"], False, label=label)
            if name == "root":
                self.add(label + ".name", name, "is refused: root is no staff account",
                         fix="list a personal account; root login is ssh_access_permit_root_login")
            if name in names_seen:
                self.add(label + ".name", name, "is listed twice; list each account once")
            names_seen.append(name)
            state = user.get("state", "present")
            keys = user.get("authorized_keys") or []
            if state == "present" and not keys:
                self.add(label + ".authorized_keys", keys, "is empty: a present account needs at "
                         "least one key", fix="add its public key, or set state: absent to retire it")
            if not isinstance(keys, (list, tuple)):
                self.add(label + ".authorized_keys", keys, "is not a list; give one key per list item")
                continue
            for key_index, key in enumerate(keys):
                try:
                    parse_ssh_key(key, key_types)
                except InputError as error:
                    self.add("%s.authorized_keys[%d]" % (label, key_index), key, str(error))


def _choice(value, spec):
    choices = spec["choices"]
    if spec.get("numeric") and not isinstance(value, bool) and (
            isinstance(value, int) or _is_text(value) and value.isdigit()):
        if int(value) in choices:
            return int(value)
    elif _is_text(value) and value in choices:
        return value
    raise InputError("is not one of %s" % ", ".join(str(c) for c in choices))


def _bind(value, _spec):
    if value in ("*", ""):
        return value
    return parse_address(value)


def _server_address(value, _spec):
    _one_line(value, "a server address")
    if re.fullmatch(r"[0-9a-fA-F:.\[\]]+", value):
        return parse_address(value)
    return parse_hostname(value)


_PARSERS = {
    "bool": lambda value, spec: parse_bool(value),
    "name": lambda value, spec: _refuse(parse_name(value, spec["pattern"], spec["what"]), spec),
    "hostname": lambda value, spec: parse_hostname(value),
    "choice": _choice,
    "address": lambda value, spec: parse_address(value, spec.get("version")),
    "network": lambda value, spec: parse_network(value),
    "endpoint": lambda value, spec: parse_endpoint(value),
    "port": lambda value, spec: parse_port(value),
    "int": lambda value, spec: parse_int(value, spec.get("low"), spec.get("high")),
    "seconds": lambda value, spec: parse_seconds(value, spec["low"], spec["high"]),
    "haproxy": lambda value, spec: parse_haproxy(value, spec.get("what", "an HAProxy value")),
    "haproxy_time": lambda value, spec: parse_haproxy_time(value),
    "path": lambda value, spec: parse_path(value),
    "mode": lambda value, spec: parse_mode(value, spec.get("private", False)),
    "pem": lambda value, spec: parse_pem(value, spec.get("allow_list", False)),
    "raw": lambda value, spec: value,
    "bind": _bind,
    "server_address": _server_address,
}


def _refuse(value, spec):
    for character in spec.get("refuse", ""):
        if character in value:
            raise InputError("holds %r, which is not allowed here" % character)
    return value


def _check_haproxy_references(values, checker):
    """Names that must agree with each other: proxies unique, referenced backends defined."""
    frontends = values.get("haproxy_frontends")
    backends = values.get("haproxy_backends")
    frontends = frontends if isinstance(frontends, list) else []
    backends = backends if isinstance(backends, list) else []
    backend_name = values.get("haproxy_backend_name")
    given = [backend_name, values.get("haproxy_acme_backend")] + [
        item.get(key) for item in frontends + backends if isinstance(item, dict) for key in ("name", "default_backend")]
    if any(name is not None and not (_is_text(name) and re.fullmatch(PROXY_NAME, name)) for name in given):
        return  # each bad name is reported on its own; comparing them would only repeat it
    backend_names = [backend_name] + [b.get("name") for b in backends if isinstance(b, dict)]
    proxy_names = (["https", "http"] + backend_names[:1]
                   + [f.get("name") for f in frontends if isinstance(f, dict)] + backend_names[1:])
    duplicates = sorted({str(n) for n in proxy_names if proxy_names.count(n) > 1})
    if duplicates:
        checker.problems.append(
            "haproxy_frontends and haproxy_backends names must be unique and must not be https, "
            "http or %s (built in): %s used twice." % (backend_name, ", ".join(duplicates)))
    references = []
    try:
        if parse_bool(values.get("haproxy_acme_challenge_plain_http", False)):
            references.append(("haproxy_acme_backend", values.get("haproxy_acme_backend")))
    except InputError:
        pass
    references += [("haproxy_frontends[%s].default_backend" % f.get("name"), f["default_backend"])
                   for f in frontends if isinstance(f, dict) and "default_backend" in f]
    for variable, backend in references:
        if backend not in backend_names:
            checker.problems.append(
                '%s names the backend "%s", which is not defined: use %s or a name from '
                "haproxy_backends (%s)." % (variable, show(backend)[1:-1], backend_name,
                                            ", ".join(str(n) for n in backend_names)))


def _given(values, *names_):
    return any(values.get(name) not in (None, "", [], UNDEFINED) for name in names_)


def _check_haproxy_parts(values, servers, checker):
    # Without haproxy_server_name among the values (the servers alone, after a tier's check of
    # every other input), only the servers are checked.
    parts_given = (_given(values, "haproxy_server_name")
                   and _given(values, "haproxy_tls_private_key", "haproxy_tls_private_key_path")
                   and _given(values, "haproxy_tls_certificate", "haproxy_tls_certificate_path"))
    if "haproxy_server_name" in values and not parts_given:
        checker.problems.append(
            "haproxy_server_name (default oth_fqdn), haproxy_tls_private_key (default "
            "oth_tls_private_key) and haproxy_tls_certificate (default oth_tls_certificate), or their "
            "*_path variants, must all be set: see the README section \"Feeding the certificate\".")
    if servers is None:
        return
    missing = [server["name"] for server in servers if not server.get("address")]
    if not servers or missing:
        checker.problems.append(
            "The backend {0} needs servers: the group {1} (haproxy_backend_group) is empty or missing, "
            "or these hosts have neither oth_internal_ip nor gathered facts: {2}. Put the application "
            "servers in that group and gather their facts first (a play on them before this role), or "
            "set their oth_internal_ip.".format(values.get("haproxy_backend_name"),
                                                values.get("haproxy_backend_group"), ", ".join(missing)))


def _check_hosts_fqdn(values, checker):
    try:
        resolve = parse_bool(values.get("hosts_resolve_fqdn", False))
    except InputError:
        return
    if resolve and not _given(values, "hosts_fqdn"):
        checker.problems.append(
            "hosts_resolve_fqdn is true but hosts_fqdn (default: oth_fqdn) is empty: set oth_fqdn and "
            "oth_public_ip in group_vars/all, or hosts_resolve_fqdn: false.")
    if resolve and not _given(values, "hosts_fqdn_address"):
        checker.problems.append(
            "hosts_resolve_fqdn is true but hosts_fqdn_address (default: oth_public_ip) is empty: set "
            "oth_public_ip to the load balancer's public address, or hosts_resolve_fqdn: false.")


def problems(values, hostvars=None, hosts=None, servers=None):
    """Every problem with ``values`` (variable name -> value; UNDEFINED for unset ones) and with
    the per-host variables of ``hosts`` in ``hostvars``, as messages. Empty: all good.

    ``servers`` ([{name, address}], HAProxy's backend from the inventory) adds the check that the
    application backend has servers with addresses."""
    checker = _Checker(values)
    for name, value in values.items():
        if value == UNDEFINED or name not in SPEC:
            continue
        checker.check(name, value, SPEC[name])
    if "haproxy_backend_name" in values:
        _check_haproxy_references(values, checker)
        _check_haproxy_parts(values, servers, checker)
    if "hosts_resolve_fqdn" in values:
        _check_hosts_fqdn(values, checker)
    for host in hosts or []:
        # Inventory names become /etc/hosts names, HAProxy server names and ssh_config hosts.
        try:
            if not _valid_ip(host):
                parse_hostname(host)
        except InputError as error:
            checker.add("inventory host", host, str(error),
                        fix="rename the host in the inventory and set ansible_host to its address")
        host_values = hostvars.get(host) if hostvars is not None else None
        if host_values is None:
            continue
        for name, spec in HOST_SPEC.items():
            value = hostvar(host_values, name)
            if value is not None:
                checker.check("hostvars[%s].%s" % (host, name), value, spec)
    return checker.problems


def hostvar(host_values, name):
    """One host's variable from hostvars, or None when unset (an undefined template reads as unset)."""
    try:
        value = host_values.get(name)
    except Exception:  # noqa: BLE001 - whatever templating raised, the variable is not usable
        return None
    if value is None or type(value).__name__.endswith("Undefined"):
        return None
    return value
