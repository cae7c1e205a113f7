"""The lab topology itself: every node boots systemd and sees the others on the network."""


def test_systemd_is_running(host):
    state = host.run("systemctl is-system-running --wait").stdout.strip()
    assert state in ("running", "degraded"), state
