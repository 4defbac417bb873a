# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The wso2.iots get-pip stand-in: replaces the get-pip bootstrap script that ansible-test downloads.

``ansible-test sanity --venv`` creates each virtual environment without pip, then runs a cached
get-pip script to put pip in. It downloads that script from a host outside PyPI, which this
project's machines and CI cannot reach. ansible-test reads the script from
``~/.ansible/test/cache/get_pip_<version>.py`` when it is there, so the sanity session of noxfile.py copies this
file to that path. It does what get-pip does, from PyPI only: ensurepip gives a first pip, which then
installs the pip version ansible-test asked for (``pip==X.Y`` among the arguments).
"""

import subprocess
import sys

# get-pip options that are not pip options: setuptools and wheel are not wanted in any case.
_GET_PIP_ONLY = ('--no-setuptools', '--no-wheel')


def main():
    pip_args = [arg for arg in sys.argv[1:] if arg not in _GET_PIP_ONLY]
    subprocess.check_call([sys.executable, '-m', 'ensurepip', '--default-pip'], stdout=subprocess.DEVNULL)
    subprocess.check_call([sys.executable, '-m', 'pip', 'install', '--quiet'] + pip_args)
    # ensurepip may leave its own setuptools behind on old Pythons; ansible-test expects a bare venv.
    subprocess.call([sys.executable, '-m', 'pip', 'uninstall', '--quiet', '--yes', 'setuptools'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


if __name__ == '__main__':
    main()
