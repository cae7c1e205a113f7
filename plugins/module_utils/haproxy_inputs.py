# -*- coding: utf-8 -*-
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Every problem with the variables of oth.stack.haproxy, found on the controller before the role
touches the host. Each message names the variable, what is wrong and how to fix it.

The certificate parts themselves are checked by module_utils/pem_bundle.py; here only that they
are given.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import re

DIRECTIVE_LISTS = ("haproxy_global_directives", "haproxy_defaults_directives", "haproxy_https_directives",
                   "haproxy_http_directives", "haproxy_backend_directives")
BUILT_IN_PROXIES = ("https", "http")
_PROXY_NAME_RE = re.compile(r"^[A-Za-z0-9_.:-]+$")


def _is_one_line_directive(item):
    return isinstance(item, str) and not re.search(r"[\r\n]", item) and bool(re.search(r"\S", item))


def _directive_lists(v):
    """(variable, list) for every list of one-line directives, the structured hooks included."""
    lists = [(name, v.get(name) or []) for name in DIRECTIVE_LISTS]
    for frontend in v.get("haproxy_frontends") or []:
        name = frontend.get("name")
        lists.append(("haproxy_frontends[%s].bind" % name, frontend.get("bind")))
        lists.append(("haproxy_frontends[%s].directives" % name, frontend.get("directives") or []))
    for backend in v.get("haproxy_backends") or []:
        name = backend.get("name")
        lists.append(("haproxy_backends[%s].directives" % name, backend.get("directives") or []))
        for server in backend.get("servers") or []:
            lists.append(("haproxy_backends[%s].servers[%s]" % (name, server.get("name")),
                          [server.get("name"), str(server.get("address"))] + list(server.get("options") or [])))
    return lists


def _ports(v):
    ports = [(name, v.get(name)) for name in ("haproxy_https_port", "haproxy_http_port", "haproxy_backend_port")]
    for backend in v.get("haproxy_backends") or []:
        for server in backend.get("servers") or []:
            ports.append(("haproxy_backends[%s].servers[%s].port" % (backend.get("name"), server.get("name")),
                          server.get("port")))
    return ports


def _as_port(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def input_problems(v, servers, parts_given):
    """Messages for every problem; empty when there is none.

    v: the role's variables by name. servers: the backend's [{name, address}] from the inventory.
    parts_given: whether the private key and the certificate are both non-empty.
    """
    problems = []
    if not v.get("haproxy_server_name") or not parts_given:
        problems.append(
            "haproxy_server_name (default oth_fqdn), haproxy_tls_private_key (default "
            "oth_tls_private_key) and haproxy_tls_certificate (default oth_tls_certificate), or their "
            "*_path variants, must all be set: see the README section \"Feeding the certificate\".")

    missing = [server["name"] for server in servers if not server.get("address")]
    if not servers or missing:
        problems.append(
            "The backend {0} needs servers: the group {1} (haproxy_backend_group) is empty or missing, "
            "or these hosts have neither oth_internal_ip nor gathered facts: {2}. Put the application "
            "servers in that group and gather their facts first (a play on them before this role), or "
            "set their oth_internal_ip.".format(v.get("haproxy_backend_name"), v.get("haproxy_backend_group"),
                                                ", ".join(missing)))

    backend_name = v.get("haproxy_backend_name")
    backend_names = [backend_name] + [backend.get("name") for backend in v.get("haproxy_backends") or []]
    proxy_names = (list(BUILT_IN_PROXIES) + backend_names[:1]
                   + [frontend.get("name") for frontend in v.get("haproxy_frontends") or []] + backend_names[1:])
    if (any(not isinstance(name, str) or not _PROXY_NAME_RE.match(name) for name in proxy_names)
            or len(set(proxy_names)) != len(proxy_names)):
        problems.append(
            "haproxy_frontends and haproxy_backends names must be unique, use only letters, digits and "
            "_.:- and must not be https, http or {0} (built in). Names given: {1}.".format(
                backend_name, ", ".join(str(name) for name in proxy_names)))

    for variable, items in _directive_lists(v):
        if not isinstance(items, list) or not all(_is_one_line_directive(item) for item in items):
            problems.append(
                "{0} must be a list of one-line HAProxy directives (strings, no newlines, not empty), "
                "e.g. [\"maxconn 20000\"]; one list item per directive.".format(variable))

    references = [("haproxy_acme_backend", v.get("haproxy_acme_backend"))] if v.get("haproxy_acme_challenge_plain_http") else []
    references += [("haproxy_frontends[%s].default_backend" % frontend.get("name"), frontend["default_backend"])
                   for frontend in v.get("haproxy_frontends") or [] if "default_backend" in frontend]
    for variable, backend in references:
        if backend not in backend_names:
            problems.append(
                "{0} names the backend \"{1}\", which is not defined: use {2} or a name from "
                "haproxy_backends ({3}).".format(variable, backend, backend_name,
                                                 ", ".join(str(name) for name in backend_names)))

    for variable, port in _ports(v):
        number = _as_port(port)
        if number is None or not 1 <= number <= 65535:
            problems.append("{0} is {1}: a TCP port is a number from 1 to 65535.".format(variable, port))
    return problems
