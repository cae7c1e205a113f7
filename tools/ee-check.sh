#!/usr/bin/env bash
# The collection as a user installs it: build the tarball, install it into a scratch tree, and
# check that ansible-doc shows every plugin and role from it, and that ansible-builder makes an
# execution environment context whose requirements are the collection's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/oth-stack-ee.XXXXXX")
trap 'rm -rf "$work"' EXIT

ansible-galaxy collection build --force --output-path "$work/build" "$root" >/dev/null
tarball=$(ls "$work"/build/oth-stack-*.tar.gz)
ansible-galaxy collection install --force --no-deps -p "$work/tree" "$tarball" >/dev/null 2>&1
installed="$work/tree/ansible_collections/oth/stack"

# Every plugin and role of the installed copy documents itself (only that copy is on the path).
export ANSIBLE_COLLECTIONS_PATH="$work/tree"
failed=0
for plugin in "$installed"/plugins/filter/*.yml "$installed"/plugins/filter/[a-z]*.py "$installed"/plugins/modules/*.py; do
  name=$(basename "${plugin%.*}")
  type=filter; case $plugin in */modules/*) type=module;; esac
  # A filter file that holds several filters documents each in its own .yml.
  if [ "$type" = filter ] && [ "${plugin##*.}" = py ] && ! grep -q '^DOCUMENTATION' "$plugin"; then continue; fi
  if ! ansible-doc -t "$type" "oth.stack.$name" >/dev/null 2>"$work/doc.err"; then
    echo "ansible-doc -t $type oth.stack.$name failed:"; cat "$work/doc.err"; failed=1
  fi
done
for role in "$installed"/roles/*/; do
  name=$(basename "$role")
  if ! ansible-doc -t role "oth.stack.$name" >/dev/null 2>"$work/doc.err"; then
    echo "ansible-doc -t role oth.stack.$name failed:"; cat "$work/doc.err"; failed=1
  fi
done

# The execution environment: the context ansible-builder creates, and the requirements its
# introspection finds in the installed collection.
cp "$root/tools/ee/execution-environment.yml" "$work/"
cp "$tarball" "$work/oth-stack.tar.gz"
(cd "$work" && ansible-builder create -f execution-environment.yml -c context >/dev/null)
grep -q 'oth-stack.tar.gz' "$work/context/_build/requirements.yml" || { echo "the EE context lacks the collection"; failed=1; }
python3 "$work/context/_build/scripts/introspect.py" introspect "$work/tree" > "$work/introspect.txt"
for requirement in netaddr cryptography kubernetes openssh-client; do
  grep -q "$requirement" "$work/introspect.txt" || { echo "introspection lacks $requirement:"; cat "$work/introspect.txt"; failed=1; }
done
[ "$failed" -eq 0 ] && echo "ansible-doc: every plugin and role; ansible-builder create and introspection: ok"
exit "$failed"
