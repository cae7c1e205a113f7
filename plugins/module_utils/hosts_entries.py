# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The /etc/hosts entries of the oth.stack.hosts role: validated, merged, refused on conflicts.

Input is plain data (one record per name and address, each saying which host and variable it came
from), so every error can name the host, the variable and the value the user has to fix.
"""

from __future__ import annotations

from ansible_collections.oth.stack.plugins.module_utils import inputs

try:
    import netaddr
except ImportError:  # reported by inputs.parse_address, where it matters
    netaddr = None


class HostsEntriesError(ValueError):
    """Input that must not reach /etc/hosts; the message tells the user what to change."""


def _origin(source):
    return "%s of host %s" % (source["var"], source["host"]) if source.get("host") else source["var"]


def validate_address(value, source):
    """Return the address in canonical form or raise HostsEntriesError naming its origin."""
    where = _origin(source)
    if value in (None, ""):
        raise HostsEntriesError("%s is empty; set it to the address the name must resolve to" % where)
    try:
        text = inputs.parse_address(value)
    except inputs.InputError as error:
        raise HostsEntriesError("%s is %s, which %s" % (where, inputs.show(value), error))
    address = netaddr.IPAddress(text)
    if address.value == 0 or address.is_loopback() or address.is_multicast():
        raise HostsEntriesError("%s is %r, which other nodes cannot reach (unspecified, loopback or multicast); "
                                "set the node's own unicast address" % (where, text))
    return text


def validate_name(value, source):
    where = _origin(source)
    try:
        text = inputs.parse_hostname(value)
    except inputs.InputError as error:
        raise HostsEntriesError("%s holds the name %s, which %s" % (where, inputs.show(value), error))
    if is_address(text):
        raise HostsEntriesError("%s holds %r as a name, but it is an address" % (where, text))
    return text


def is_address(text):
    """True when a name is really an address (an inventory may name a host by its address)."""
    if netaddr is None:
        return False
    return bool(netaddr.valid_ipv4(str(text)) or netaddr.valid_ipv6(str(text)))


def build_entries(records):
    """Merge records into /etc/hosts lines.

    ``records`` is a list of dicts ``{"name", "address", "host", "name_var", "address_var"}``.
    Returns a list of ``{"address", "names"}`` in first-seen order, one per address. Raises
    HostsEntriesError when an address or name is invalid or one name would map to two addresses.
    """
    by_address = {}
    seen = {}
    for record in records:
        address = validate_address(record["address"], {"host": record.get("host"), "var": record["address_var"]})
        name = validate_name(record["name"], {"host": record.get("host"), "var": record["name_var"]})
        key = name.lower()
        origin = "%s (%s)" % (address, _origin({"host": record.get("host"), "var": record["address_var"]}))
        if key in seen and seen[key][0] != address:
            raise HostsEntriesError(
                "the name %r would resolve to two addresses: %s and %s. Each name must belong to one node: "
                "fix the address, or remove the name from hosts_aliases or the inventory"
                % (name, seen[key][1], origin))
        if key in seen:
            continue
        seen[key] = (address, origin)
        by_address.setdefault(address, []).append(name)
    return [{"address": address, "names": names} for address, names in by_address.items()]


def render_lines(entries):
    width = max([len(entry["address"]) for entry in entries] or [0])
    return ["%s %s" % (entry["address"].ljust(width), " ".join(entry["names"])) for entry in entries]


def find_conflicts(lines, current, marker, own_names=()):
    """Lines of ``current`` (an /etc/hosts text) outside the managed block that map one of the
    block's names to another address.

    The resolver would return both addresses, so such a line is refused like any duplicate.
    Loopback lines for the node's own names (Debian's ``127.0.1.1 host``) are the distribution's
    convention and allowed. Returns a list of messages, empty when there is no conflict.
    """
    wanted = {}
    for line in lines:
        fields = line.split()
        for name in fields[1:]:
            wanted[name.lower()] = fields[0]
    own = {str(name).lower() for name in own_names}
    begin, end = marker.replace("{mark}", "BEGIN"), marker.replace("{mark}", "END")
    conflicts = []
    inside = False
    for number, raw in enumerate((current or "").splitlines(), start=1):
        if raw.strip() == begin:
            inside = True
            continue
        if raw.strip() == end:
            inside = False
            continue
        fields = raw.split("#", 1)[0].split()
        if inside or len(fields) < 2 or netaddr is None:
            continue
        try:
            address = netaddr.IPAddress(fields[0], flags=netaddr.INET_PTON)
        except (netaddr.AddrFormatError, ValueError):
            continue
        for name in fields[1:]:
            key = name.lower()
            if key not in wanted or netaddr.IPAddress(wanted[key]) == address:
                continue
            if address.is_loopback() and key in own:
                continue
            conflicts.append("line %d %r maps %s to %s, but the inventory gives it %s"
                             % (number, raw.strip(), name, address, wanted[key]))
    return conflicts
