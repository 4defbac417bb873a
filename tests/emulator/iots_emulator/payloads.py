# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Request bodies of the device-mgt resources, read as CXF and GsonMessageBodyHandler read them."""

from . import bodies
from .exchange import Reply


def json_body(request, kind=dict):
    """(the parsed body, None) or (None, error Reply). An empty body is None (a null entity).

    Another media type is 415; malformed JSON, or JSON that is not a ``kind``, is 400.
    """
    if request.media_type not in ('application/json', ''):
        return None, Reply.empty(415)
    try:
        data = request.json() if request.body.strip() else None
    except ValueError:
        return None, bodies.device_mgt_error(400, 'Bad Request', 'Malformed request body.')
    if data is not None and not isinstance(data, kind):
        return None, bodies.device_mgt_error(400, 'Bad Request', 'Malformed request body.')
    return data, None


def gson_string(status, text):
    """A String entity written by GsonMessageBodyHandler: a JSON string literal."""
    return Reply.json(status, text)


def path_int(value):
    """A JAX-RS int @PathParam, or None when it is not a number (CXF answers 404)."""
    try:
        return int(value)
    except ValueError:
        return None
