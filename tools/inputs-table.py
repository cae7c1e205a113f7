#!/usr/bin/env python3
# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print, as Markdown, what each variable of a role accepts, from the input layer's description
(plugins/module_utils/inputs.py). The role READMEs' "What each variable accepts" tables are its
output: python3 tools/inputs-table.py ROLE."""

import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / ".cache" / "collections"))

from ansible_collections.oth.stack.plugins.module_utils import inputs  # noqa: E402

KINDS = {
    "bool": "a boolean: true/false (yes/no, on/off, 1/0 also; any other word is refused)",
    "hostname": "a host name (letters, digits, '-', '_', dots)",
    "address": "one IP address, no prefix, no :port",
    "network": "an IP address or a CIDR network with zero host bits",
    "endpoint": "'any', an inventory host or group, an address, a network (zero host bits) or a DNS name",
    "endpoints": "an endpoint or a list of them: an inventory host, an address, a network or a DNS name",
    "port": "a port, 1 to 65535",
    "int": "a whole number",
    "seconds": "a number of seconds, whole or decimal (0.4)",
    "haproxy": "one line of HAProxy text, no '#'",
    "haproxy_time": "an HAProxy time (500ms, 5s, 1m)",
    "path": "an absolute path without blanks",
    "mode": "an octal mode, quoted ('0600')",
    "pem": "PEM text (never shown in messages)",
    "matrix": "network matrix rows (roles/firewall/README.md)",
    "mapping": "a mapping; every string on one line",
    "bind": "'*' or one IP address",
    "server_address": "an IP address or a host name, no :port",
    "raw": "a list of OpenSSH public key lines",
}


def describe(spec):
    kind = spec["kind"]
    if kind == "list":
        text = "a list; each item: " + describe(spec["of"])
    elif kind == "dict":
        text = "a mapping with keys " + ", ".join(
            "`%s` (%s)" % (key, describe(value)) for key, value in spec["keys"].items())
    elif kind == "choice":
        text = "one of " + ", ".join("`%s`" % choice for choice in spec["choices"])
    elif kind == "name":
        text = spec["what"]
    else:
        text = KINDS[kind]
    if kind in ("int", "seconds") and (spec.get("low") is not None or spec.get("high") is not None):
        text += ", %s to %s" % (spec.get("low", "any"), spec.get("high") if spec.get("high") is not None else "any")
    if spec.get("secret"):
        text += " (never shown in messages)"
    if spec.get("staff"):
        text += "; names unique and not root, keys one per line of a type in `ssh_access_key_types`"
    if spec.get("empty_ok"):
        text += "; or empty"
    return text


def main(role):
    print("| variable | accepts |")
    print("|---|---|")
    for name in inputs.names(role):
        spec = inputs.SPEC[name]
        print("| `%s` | %s |" % (name, describe(spec).replace("|", "\\|")))
    if role in ("firewall", "hosts", "ssh_access", "haproxy", "keepalived"):
        for name, spec in inputs.HOST_SPEC.items():
            print("| `%s` (every node's) | %s |" % (name, describe(spec)))


if __name__ == "__main__":
    main(sys.argv[1])
