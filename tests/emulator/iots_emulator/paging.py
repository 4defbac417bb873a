# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""offset/limit of the device-mgt list resources and the rules for them.

RequestValidationUtil.validatePaginationParameters: a negative offset or limit, or a limit above
100, is 400; DeviceManagerUtil.validateDeviceListPageSize / validateGroupListPageSize: a limit of 0
(or none) is the default page size of cdm-config.xml, 20.
"""

from . import bodies
from .exchange import Reply

DEFAULT_PAGE_SIZE = 20
MAX_PAGE_SIZE = 100


def int_query(request, name):
    """A JAX-RS int @QueryParam: absent -> 0; not a number -> None (CXF answers 404)."""
    value = request.query_value(name)
    if value is None or value == '':
        return 0
    try:
        return int(value)
    except ValueError:
        return None


def page_of(request):
    """((offset, limit), None) for a valid request, else (None, the error Reply)."""
    offset, limit = int_query(request, 'offset'), int_query(request, 'limit')
    if offset is None or limit is None:
        return None, Reply.empty(404)
    for value, text in ((offset, 'Request parameter offset is s negative value.'), (limit, 'Request parameter limit is a negative value.')):
        if value < 0:
            return None, bodies.device_mgt_error(400, text)
    if limit > MAX_PAGE_SIZE:
        return None, bodies.device_mgt_error(400, 'Request parameter limit should be less than or equal to 100.')
    return (offset, limit or DEFAULT_PAGE_SIZE), None


def cut(items, page):
    offset, limit = page
    return items[offset : offset + limit]
