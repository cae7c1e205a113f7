#!/usr/bin/env bash
# ansible-test sanity on the collection as a user installs it: build the tarball, install it
# into a scratch collections tree, and test that tree.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
# Outside the repository: inside a git work tree ansible-test lists only files git tracks.
work=$(mktemp -d "${TMPDIR:-/tmp}/oth-stack-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT

ansible-galaxy collection build --force --output-path "$work/build" "$root" >/dev/null
ansible-galaxy collection install --force --no-deps -p "$work/tree" "$work"/build/oth-stack-*.tar.gz >/dev/null

# ansible-test fetches get-pip.py from a host these machines cannot reach; give it a stand-in.
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
for version in 24_2 25_3; do
  cp "$root/tools/get-pip-offline.py" "$cache/get_pip_${version}.py"
done

cd "$work/tree/ansible_collections/oth/stack"
ansible-test sanity --python 3.11 --color "$@"
