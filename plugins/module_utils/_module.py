# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
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
    client_from_options,
)
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError
from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter


# Ansible's own placeholder for no_log values in the echoed module arguments.
NO_LOG_PLACEHOLDER = 'VALUE_SPECIFIED_IN_NO_LOG_PARAMETER'


class IotsModule(AnsibleModule):
    """An AnsibleModule with the requests check, the shared client and one way to fail.

    Pass ``argument_spec=connection_argspec(...)`` plus the module's own options; read the
    connection options through ``self.options`` (an ``OptionAdapter`` of the params).
    """

    def __init__(self, *args, **kwargs):
        super(IotsModule, self).__init__(*args, **kwargs)
        self.options = OptionAdapter.from_ansible_module(self)
        if not HAS_REQUESTS:
            self.fail_json(msg=missing_required_lib('requests'), exception=REQUESTS_IMPORT_ERROR)

    def client(self):
        """The shared client for this task's options; bad options fail the task before any request."""
        try:
            client = client_from_options(self.options)
        except IotsError as exc:
            self.fail_iots(exc)
        if client.warning:
            self.warn(client.warning)
        return client

    def fail_iots(self, exc, **result):
        """Fail with the error's one-line message and its structured fields; no traceback."""
        result.update(exc.to_result())
        self.fail_json(msg=str(exc), **result)

    def exit_returning_secrets(self, secret_keys, **result):
        """``exit_json`` that returns the ``secret_keys`` values even when one equals a no_log input.

        Ansible masks every value of a no_log option wherever it appears in the output, so a returned
        client secret or token equal to an input would come back as ``********`` and break the next task.
        Only these returned values are exempted; the echoed module arguments are masked by name instead.
        """
        for key in secret_keys:
            if result.get(key):
                self.no_log_values.discard(result[key])
        args = {}
        for name, value in self.params.items():
            secret = self.argument_spec.get(name, {}).get('no_log') and value is not None
            args[name] = NO_LOG_PLACEHOLDER if secret else value
        result.setdefault('invocation', {'module_args': args})
        self.exit_json(**result)
