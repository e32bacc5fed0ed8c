# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Prepares ansible-test's pip bootstrap from PyPI, for machines that reach PyPI but not ansible-test's download host.

`ansible-test ... --venv` bootstraps pip in each venv it makes with a get-pip script that it downloads from its own
host, unless ``~/.ansible/test/cache/get_pip_<version>.py`` already exists (see ``bootstrap()`` in ansible-test's
``_util/target/setup/requirements.py``). For every pip version the installed ansible-test may ask for, this downloads
that pip's wheel from PyPI into the cache and writes a small script there that installs pip (and whatever else
ansible-test passes) by running pip from that wheel. Run it with the Python that has ansible-core installed.
"""

from __future__ import annotations

import glob
import os
import pathlib
import re
import subprocess
import sys

SCRIPT = '''\
# Written by privx.secrets' tests/ansible_test_pip.py in place of ansible-test's get-pip-{version}.py:
# runs pip from the pip {version} wheel beside this file to install what ansible-test asks for.
import glob
import os
import sys

wheel = sorted(glob.glob(os.path.join(os.path.dirname(os.path.abspath(__file__)), 'pip-{version}-*.whl')))[-1]
sys.path.insert(0, wheel)
arguments = [argument for argument in sys.argv[1:] if argument not in ('--no-setuptools', '--no-wheel')]

from pip._internal.cli.main import main  # noqa: E402

sys.exit(main(['install'] + arguments))
'''


def wanted_pip_versions():
    """Every pip version ansible-test pins for its venvs (a default, and overrides per Python version)."""
    import ansible_test  # pylint: disable=import-outside-toplevel

    source = pathlib.Path(ansible_test.__file__).parent / '_internal' / 'python_requirements.py'
    versions = set(re.findall(r"\bpip='([0-9][0-9.]*)'", source.read_text(encoding='utf-8')))
    if not versions:
        sys.exit('ansible_test_pip: no pip version found in %s' % source)
    return sorted(versions)


def main():
    cache = os.path.expanduser('~/.ansible/test/cache')
    os.makedirs(cache, exist_ok=True)
    for version in wanted_pip_versions():
        target = os.path.join(cache, 'get_pip_%s.py' % version.replace('.', '_'))
        if not glob.glob(os.path.join(cache, 'pip-%s-*.whl' % version)):
            subprocess.run([sys.executable, '-m', 'pip', 'download', '--quiet', '--disable-pip-version-check',
                            '--no-deps', '--only-binary', ':all:', '--dest', cache, 'pip==%s' % version], check=True)
        script = SCRIPT.format(version=version)
        existing = None
        if os.path.exists(target):
            with open(target, encoding='utf-8') as handle:
                existing = handle.read()
        if existing != script:
            with open(target + '.tmp', 'w', encoding='utf-8') as handle:
                handle.write(script)
            os.replace(target + '.tmp', target)
            print('ansible_test_pip: pip %s bootstrap ready at %s' % (version, target))


if __name__ == '__main__':
    main()
