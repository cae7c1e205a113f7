# SPDX-License-Identifier: GPL-3.0-or-later
"""Stand-in for the get-pip.py that ansible-test downloads from a host these machines cannot reach.

ansible-test runs `python get_pip_X_Y.py [pip options] pip==X.Y ...` in an empty virtual
environment; this does the same from the interpreter's own ensurepip and the package index pip
already uses. The Makefile places it in ansible-test's cache (~/.ansible/test/cache/).
"""
import subprocess
import sys

subprocess.check_call([sys.executable, "-m", "ensurepip", "--default-pip"], stdout=subprocess.DEVNULL)
# get-pip.py's own flags, which pip install does not know.
args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", "--quiet", *args]))
