# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""module_utils/haproxy_inputs: the haproxy role's checks of its variables."""

from __future__ import annotations

import pytest

from ansible_collections.oth.stack.plugins.module_utils.haproxy_inputs import input_problems

SERVERS = ({"name": "app1", "address": "10.0.0.11"}, {"name": "app2", "address": "10.0.0.12"})


def variables(**overrides):
    values = {
        "haproxy_server_name": "telehealth.example.com", "haproxy_backend_name": "application",
        "haproxy_backend_group": "application", "haproxy_frontends": [], "haproxy_backends": [],
        "haproxy_global_directives": [], "haproxy_defaults_directives": [], "haproxy_https_directives": [],
        "haproxy_http_directives": [], "haproxy_backend_directives": [],
        "haproxy_acme_challenge_plain_http": False, "haproxy_acme_backend": "acme",
        "haproxy_https_port": 443, "haproxy_http_port": 80, "haproxy_backend_port": 80,
    }
    values.update(overrides)
    return values


def problems(servers=SERVERS, parts_given=True, **overrides):
    return input_problems(variables(**overrides), list(servers), parts_given)


STATS = {"name": "stats", "bind": ["127.0.0.1:8404"], "directives": ["mode http"], "default_backend": "acme"}
ACME = {"name": "acme", "servers": [{"name": "responder", "address": "127.0.0.1", "port": 8080}]}


def test_the_defaults_and_well_formed_hooks_have_no_problem():
    assert problems() == []
    assert problems(haproxy_frontends=[STATS], haproxy_backends=[ACME], haproxy_acme_challenge_plain_http=True,
                    haproxy_global_directives=["maxconn 2000"]) == []


def test_a_missing_server_name_or_certificate_part():
    assert problems(haproxy_server_name="")[0].startswith("haproxy_server_name (default oth_fqdn)")
    assert problems(parts_given=False)[0].startswith("haproxy_server_name (default oth_fqdn)")


def test_backend_servers_must_exist_and_have_addresses():
    assert problems(servers=[])[0].startswith("The backend application needs servers")
    found = problems(servers=[{"name": "app1", "address": ""}, SERVERS[1]])
    assert len(found) == 1 and "gathered facts: app1." in found[0]


@pytest.mark.parametrize("overrides", [
    {"haproxy_frontends": [dict(STATS, name="https")]},  # built in
    {"haproxy_frontends": [STATS], "haproxy_backends": [dict(ACME, name="stats")]},  # twice
    {"haproxy_backends": [dict(ACME, name="bad name")]},
])
def test_proxy_names_must_be_unique_and_plain(overrides):
    found = problems(**overrides)
    assert any(problem.startswith("haproxy_frontends and haproxy_backends names must be unique") for problem in found)


@pytest.mark.parametrize("directives", [["http-request deny\nfrontend sneaky"], ["  "], [42], "maxconn 2000"])
def test_every_hook_directive_is_one_line(directives):
    assert problems(haproxy_https_directives=directives) == [
        "haproxy_https_directives must be a list of one-line HAProxy directives (strings, no newlines, not "
        "empty), e.g. [\"maxconn 20000\"]; one list item per directive."]


def test_directives_of_structured_hooks_are_named_by_their_place():
    found = problems(haproxy_backends=[dict(ACME, servers=[dict(ACME["servers"][0], options=["check\ninter 1s"])])])
    assert found[0].startswith("haproxy_backends[acme].servers[responder] must be a list of one-line")


def test_every_referenced_backend_exists():
    found = problems(haproxy_acme_challenge_plain_http=True, haproxy_acme_backend="no-such-backend")
    assert found == ['haproxy_acme_backend names the backend "no-such-backend", which is not defined: use '
                     "application or a name from haproxy_backends (application)."]
    found = problems(haproxy_frontends=[dict(STATS, default_backend="nowhere")])
    assert found[0].startswith('haproxy_frontends[stats].default_backend names the backend "nowhere"')


@pytest.mark.parametrize("port", [0, 65536, "https", None])
def test_ports_are_tcp_ports(port):
    assert problems(haproxy_https_port=port) == [
        "haproxy_https_port is {0}: a TCP port is a number from 1 to 65535.".format(port)]


def test_every_problem_is_reported_at_once():
    assert len(problems(servers=[], haproxy_http_port=0, haproxy_https_directives=["a\nb"])) == 3
