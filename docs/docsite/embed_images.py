# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Embed the SVG diagrams of docs/docsite/images into the guides as data URIs.

antsibull-docs copies only the ``.rst`` files of ``docs/docsite/rst`` into a docsite, so a guide
cannot point at an image file. A guide therefore carries its diagram inline, after a comment that
names the source file::

    .. image-source: ../images/iots_token_flow.svg

    .. figure:: data:image/svg+xml;base64,
       PHN2ZyB4bWxucz0i...
       :alt: ...

Edit the SVG, then run ``python docs/docsite/embed_images.py``. With ``--check`` nothing is
written and the exit code is 1 when a guide does not carry the current SVG.
"""

import argparse
import base64
import os
import re
import sys

DOCSITE = os.path.dirname(os.path.abspath(__file__))
RST_DIR = os.path.join(DOCSITE, 'rst')

SOURCE_COMMENT = re.compile(r'^\.\. image-source: (\S+)\s*$')
DATA_DIRECTIVE = re.compile(r'^\.\. (figure|image):: data:image/svg\+xml;base64,\s*$')
PAYLOAD_LINE = re.compile(r'^   [A-Za-z0-9+/=]+$')
INDENT = '   '
WIDTH = 76


def encoded_lines(svg_path):
    with open(svg_path, 'rb') as svg:
        data = base64.b64encode(svg.read()).decode('ascii')
    return [INDENT + data[i:i + WIDTH] for i in range(0, len(data), WIDTH)]


def embed(rst_path):
    """Return (new text, list of problems) for one guide."""
    with open(rst_path, encoding='utf-8') as rst:
        lines = rst.read().split('\n')
    problems = []
    index = 0
    while index < len(lines):
        source = SOURCE_COMMENT.match(lines[index])
        index += 1
        if not source:
            continue
        svg_path = os.path.normpath(os.path.join(os.path.dirname(rst_path), source.group(1)))
        while index < len(lines) and not lines[index].strip():
            index += 1
        if index >= len(lines) or not DATA_DIRECTIVE.match(lines[index]):
            problems.append('%s:%d: the image-source comment must be followed by a figure or image '
                            'directive with a data:image/svg+xml;base64, URI' % (rst_path, index + 1))
            continue
        if not os.path.isfile(svg_path):
            problems.append('%s:%d: %s does not exist' % (rst_path, index + 1, svg_path))
            continue
        start = index + 1
        end = start
        while end < len(lines) and PAYLOAD_LINE.match(lines[end]):
            end += 1
        lines[start:end] = encoded_lines(svg_path)
        index = start
    return '\n'.join(lines), problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--check', action='store_true',
                        help='write nothing; exit 1 when a guide does not carry the current SVG')
    args = parser.parse_args(argv)
    failed = False
    for name in sorted(os.listdir(RST_DIR)):
        if not name.endswith('.rst'):
            continue
        path = os.path.join(RST_DIR, name)
        with open(path, encoding='utf-8') as rst:
            old = rst.read()
        new, problems = embed(path)
        for problem in problems:
            print(problem, file=sys.stderr)
            failed = True
        if new == old:
            continue
        if args.check:
            print('%s: embedded image is out of date; run python %s' % (path, os.path.relpath(__file__)),
                  file=sys.stderr)
            failed = True
        else:
            with open(path, 'w', encoding='utf-8') as rst:
                rst.write(new)
            print('updated %s' % path)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
