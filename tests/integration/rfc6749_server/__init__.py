# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""An independent RFC 6749 token endpoint (oauthlib) for the iots_token integration tests."""

from .server import Rfc6749Server  # noqa: F401
