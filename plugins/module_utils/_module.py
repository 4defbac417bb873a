# -*- coding: utf-8 -*-
# Copyright: contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""AnsibleModule for the IoTS modules: the shared options, the requests check, one way to fail."""

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

from ansible_collections.wso2.iots.plugins.module_utils._client import (
    HAS_REQUESTS,
    REQUESTS_IMPORT_ERROR,
)
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError
from ansible_collections.wso2.iots.plugins.module_utils._options import client_from_options


class IotsModule(AnsibleModule):
    """An AnsibleModule whose ``argument_spec`` already includes the connection options."""

    def __init__(self, *args, **kwargs):
        super(IotsModule, self).__init__(*args, **kwargs)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)

    def client(self):
        """The shared client for this task's options; bad options fail the task before any request."""
        try:
            client = client_from_options(self.params.get)
        except IotsError as exc:
            self.fail_iots(exc)
        if client.warning:
            self.warn(client.warning)
        return client

    def fail_iots(self, exc, **result):
        """Fail with the error's one-line message and its structured fields; no traceback."""
        result.update(exc.to_result())
        self.fail_json(msg=str(exc), **result)
