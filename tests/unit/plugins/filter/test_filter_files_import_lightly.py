# Copyright: oth.stack contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""To find any one oth.stack filter, Ansible imports the collection's filter files in name order,
in every task's worker process. A filter file that imports netaddr or cryptography with itself
makes every task using a later filter pay for them (0.05 to 0.1 s each on a small machine), so
they import them only when called."""

from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

import ansible_collections

FILTERS = sorted(path.stem for path in (pathlib.Path(__file__).parents[4] / "plugins" / "filter").glob("*.py"))
# (Ansible itself imports parts of cryptography, for vault; not its x509.)
HEAVY = ("netaddr", "cryptography.x509")


@pytest.mark.parametrize("name", FILTERS)
def test_importing_the_filter_file_imports_no_heavy_library(name):
    script = ("import sys, ansible_collections.oth.stack.plugins.filter.{0} as plugin; plugin.FilterModule().filters(); "
              "print(' '.join(m for m in {1!r} if m in sys.modules))").format(name, HEAVY)
    env = dict(os.environ, PYTHONPATH=os.path.dirname(list(ansible_collections.__path__)[0]))
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == ""
