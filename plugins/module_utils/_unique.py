# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one duplicate check of the modules' list options: an entry given twice is an error (which one would win?).

Interface:

* ``check_unique(values, option, noun, shown=repr, fold=None, note='') -> values``: ``values`` are the
  entries' keys in the option's order; ``noun`` names one entry (``device``, ``user``, ``feature code``);
  ``shown(value)`` is its text in the message; ``fold(value)`` what makes two the same (``str.lower`` where
  IoTS compares names without case); ``note`` says why, in the message. The error names both places:
  ``users[2] names user 'BOB' again (first in users[0]; ...); give each user once.``
"""

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError


def check_unique(values, option, noun, shown=repr, fold=None, note=''):
    seen = {}
    for index, value in enumerate(values):
        key = value if fold is None else fold(value)
        if key in seen:
            raise IotsOptionError(
                '%s[%d] names %s %s again (first in %s[%d]%s); give each %s once.' % (option, index, noun, shown(value), option, seen[key], note, noun)
            )
        seen[key] = index
    return values
