# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""How long the shared client waits and retries, and so how long its requests may take.

Without ``requests``: the iots_bearer lookup works out how long to wait for another process's
token request from these numbers, and only the process that sends the request loads the HTTP stack.
"""

DEFAULT_TIMEOUT = 30
DEFAULT_RETRIES = 2
DEFAULT_BACKOFF = 0.5
MAX_RETRY_AFTER = 5.0


def longest_wait(timeout, retries=DEFAULT_RETRIES, backoff=DEFAULT_BACKOFF, requests=1):
    """Seconds that ``requests`` requests may take with every retry: each attempt's timeout plus the pauses."""
    pause = max(MAX_RETRY_AFTER, backoff * 2 ** max(retries - 1, 0))
    return requests * ((retries + 1) * timeout + retries * pause)
