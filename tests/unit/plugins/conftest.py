# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the plugin unit tests (pytest also puts this folder on sys.path, for http_fakes)."""

from unittest import mock

import pytest
import requests


@pytest.fixture
def server():
    """The HTTP layer: set ``server.return_value``/``side_effect`` to http_fakes answers; read ``call_args_list``."""
    with mock.patch.object(requests.Session, 'request', autospec=True) as patched:
        yield patched
