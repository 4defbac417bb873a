# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Copy files that the guides show into the guides, and check that the copies are current.

antsibull-docs copies only the ``.rst`` files of ``docs/docsite/rst`` into a docsite, so a guide
can neither point at an image file nor ``literalinclude`` a file from elsewhere in the repository.
A guide therefore carries such files inline, after a comment that names the source:

    .. image-source: ../images/iots_token_flow.svg

    .. figure:: data:image/svg+xml;base64,
       PHN2ZyB4bWxucz0i...
       :alt: ...

    .. literal-source: ../../awx/iots_credential_type.yml

    .. code-block:: yaml

      inputs:
        ...

Edit the source file, then run ``python docs/docsite/embed_sources.py``. With ``--check`` nothing
is written and the exit code is 1 when a guide does not carry the current content.
"""

import argparse
import base64
import os
import re
import sys

DOCSITE = os.path.dirname(os.path.abspath(__file__))
RST_DIR = os.path.join(DOCSITE, 'rst')

IMAGE_SOURCE = re.compile(r'^\.\. image-source: (\S+)\s*$')
LITERAL_SOURCE = re.compile(r'^\.\. literal-source: (\S+)\s*$')
DATA_DIRECTIVE = re.compile(r'^\.\. (figure|image):: data:image/svg\+xml;base64,\s*$')
CODE_DIRECTIVE = re.compile(r'^\.\. code-block:: \S+\s*$')
PAYLOAD_LINE = re.compile(r'^   [A-Za-z0-9+/=]+$')
IMAGE_INDENT = '   '
CODE_INDENT = '  '
WIDTH = 76


def image_lines(path):
    with open(path, 'rb') as source:
        data = base64.b64encode(source.read()).decode('ascii')
    return [IMAGE_INDENT + data[i : i + WIDTH] for i in range(0, len(data), WIDTH)]


def literal_lines(path):
    with open(path, encoding='utf-8') as source:
        text = source.read().rstrip('\n')
    return [(CODE_INDENT + line) if line.strip() else '' for line in text.split('\n')]


def _next_content(lines, index):
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


def _embed_image(lines, index):
    """Replace the base64 lines after the directive at ``index``; return the index after them."""
    start = index + 1
    end = start
    while end < len(lines) and PAYLOAD_LINE.match(lines[end]):
        end += 1
    return start, end


def _embed_literal(lines, index):
    """The range of a code block's content: after its options and the blank line, up to the next text."""
    start = index + 1
    while start < len(lines) and lines[start].startswith(CODE_INDENT + ':'):
        start += 1
    start = _next_content(lines, start) if start < len(lines) and not lines[start].strip() else start
    end = start
    while end < len(lines) and (not lines[end].strip() or lines[end].startswith(CODE_INDENT)):
        end += 1
    while end > start and not lines[end - 1].strip():
        end -= 1
    return start, end


KINDS = (
    (IMAGE_SOURCE, DATA_DIRECTIVE, _embed_image, image_lines, 'a figure or image directive with a data:image/svg+xml;base64, URI'),
    (LITERAL_SOURCE, CODE_DIRECTIVE, _embed_literal, literal_lines, 'a code-block directive'),
)


def embed(rst_path):
    """Return (new text, list of problems) for one guide."""
    with open(rst_path, encoding='utf-8') as rst:
        lines = rst.read().split('\n')
    problems = []
    index = 0
    while index < len(lines):
        line = lines[index]
        index += 1
        for comment, directive, content_range, content_lines, expected in KINDS:
            source = comment.match(line)
            if not source:
                continue
            path = os.path.normpath(os.path.join(os.path.dirname(rst_path), source.group(1)))
            index = _next_content(lines, index)
            if index >= len(lines) or not directive.match(lines[index]):
                problems.append('%s:%d: the comment must be followed by %s' % (rst_path, index + 1, expected))
                break
            if not os.path.isfile(path):
                problems.append('%s:%d: %s does not exist' % (rst_path, index + 1, path))
                break
            start, end = content_range(lines, index)
            new = content_lines(path)
            if content_lines is literal_lines and end < len(lines) and lines[end].strip():
                # The text after a code block must be separated from it by a blank line.
                new.append('')
            lines[start:end] = new
            index = start + len(new)
            break
    return '\n'.join(lines), problems


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', 1)[0])
    parser.add_argument('--check', action='store_true', help='write nothing; exit 1 when a guide does not carry the current content')
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
            print('%s: an embedded copy is out of date; run python %s' % (path, os.path.relpath(__file__)), file=sys.stderr)
            failed = True
        else:
            with open(path, 'w', encoding='utf-8') as rst:
                rst.write(new)
            print('updated %s' % path)
    return 1 if failed else 0


if __name__ == '__main__':
    sys.exit(main())
