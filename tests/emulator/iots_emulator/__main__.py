# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""python -m iots_emulator: run the emulator until SIGTERM or SIGINT (PYTHONPATH=tests/emulator)."""

import argparse
import json
import os
import signal
import sys
import threading

from .server import Emulator
from .store import DEFAULT_REFRESH_TOKEN_VALIDITY, DEFAULT_TOKEN_VALIDITY, SUPPORTED_VERSIONS


def parse_args(argv):
    parser = argparse.ArgumentParser(prog='python -m iots_emulator', description='HTTPS emulator of the WSO2 IoT Server 3.2.0 API gateway.')
    parser.add_argument('--host', default='127.0.0.1', help='address to listen on (default 127.0.0.1)')
    parser.add_argument('--port', type=int, default=8243, help='port (default 8243 like IoTS; 0 picks a free one)')
    parser.add_argument('--state-dir', help='where the certificate and key go (default: a temporary directory)')
    parser.add_argument(
        '--version',
        dest='iots_version',
        choices=SUPPORTED_VERSIONS,
        default='3.2.0',
        help='3.2.0, 3.3 (refresh with scope answers invalid_scope), or entgra (Entgra 7.x: register fields, JWT tokens, dm:*/gm:* scope names)',
    )
    parser.add_argument('--token-validity', type=float, default=DEFAULT_TOKEN_VALIDITY, help='lifetime of new access tokens in seconds (default 3600)')
    parser.add_argument(
        '--refresh-token-validity', type=float, default=DEFAULT_REFRESH_TOKEN_VALIDITY, help='lifetime of new refresh tokens in seconds (default 15552000)'
    )
    parser.add_argument('--users', help='JSON file of users (default: admin, operator, guest, admin@tenant.com)')
    parser.add_argument('--ready-file', help='write {"url", "ca_path", "pid"} here once listening')
    parser.add_argument('--verbose', action='store_true', help='log every request to stderr')
    return parser.parse_args(argv)


def _whole(number):
    return int(number) if float(number).is_integer() else number


def write_ready_file(path, data):
    """Atomically, so a waiting script never reads half a file."""
    temporary = '%s.%d.tmp' % (path, os.getpid())
    with open(temporary, 'w') as handle:
        json.dump(data, handle)
    os.replace(temporary, path)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    emulator = Emulator(
        host=args.host,
        port=args.port,
        version=args.iots_version,
        token_validity=_whole(args.token_validity),
        state_dir=args.state_dir,
        users=args.users,
        verbose=args.verbose,
        refresh_token_validity=_whole(args.refresh_token_validity),
    )
    stop = threading.Event()

    def on_signal(signum, frame):  # pylint: disable=unused-argument
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        emulator.start()
    except (OSError, ValueError) as exc:
        sys.stderr.write('iots-emulator: cannot start: %s\n' % exc)
        return 1
    print('IoTS emulator listening on %s' % emulator.url)
    print('CA certificate: %s' % emulator.ca_path)
    sys.stdout.flush()
    if args.ready_file:
        write_ready_file(args.ready_file, {'url': emulator.url, 'ca_path': emulator.ca_path, 'pid': os.getpid()})
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        if args.ready_file:
            try:
                os.remove(args.ready_file)
            except OSError:
                pass
    print('IoTS emulator stopped')
    return 0


if __name__ == '__main__':
    sys.exit(main())
