# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What the collection's lookups do around their own work: options in, errors out, the token cache.

``IotsLookupBase`` sets the options from the variables the lookup reads (templated on the
ansible-core releases that pass them raw), turns the collection's errors into
``AnsibleLookupError`` and opens the token cache that the lookup's cache options describe.
"""

import contextlib

from ansible import constants as C
from ansible.errors import AnsibleLookupError
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError
from ansible_collections.wso2.iots.plugins.module_utils._option_adapter import OptionAdapter
from ansible_collections.wso2.iots.plugins.plugin_utils._token_cache import TokenCacheError, open_cache
from ansible_collections.wso2.iots.plugins.plugin_utils._vault_secrets import loader_vault_secrets

display = Display()


def _may_hold_template(value):
    """Cheap pre-check: only strings with Jinja markers (or containers) can need templating."""
    if isinstance(value, str):
        return '{{' in value or '{%' in value
    return isinstance(value, (list, tuple, dict))


@contextlib.contextmanager
def lookup_errors():
    """Our errors as AnsibleLookupError: their message is already the one line for the user."""
    try:
        yield
    except (IotsError, TokenCacheError) as exc:
        raise AnsibleLookupError(str(exc))


class IotsLookupBase(LookupBase):
    """LookupBase with the collection's option handling and token cache."""

    options = None

    def set_own_options(self, variables, direct):
        """set_options from the variables this lookup reads and the keyword arguments; then ``self.options``.

        ``self.options`` (an ``OptionAdapter``) reads the connection options: an empty ``ca_path``,
        given as a keyword, a variable or an environment variable, counts as not given. A keyword
        that is no option is an error: Ansible would drop it silently, and ``scope=`` for ``scopes=``
        would ask for no scope at all.
        """
        unknown = sorted(set(direct) - set(self.option_definitions))
        if unknown:
            raise AnsibleLookupError(self._unknown_options_message(unknown))
        direct, own = OptionAdapter.without_empty(self.option_definitions, direct, self._own_variables(variables))
        self.set_options(var_options=own, direct=direct)
        self.options = OptionAdapter.from_ansible_plugin(self)

    def _unknown_options_message(self, unknown):
        import difflib  # the error path only

        name = getattr(self, 'ansible_name', None) or self._load_name
        words = []
        for option in unknown:
            close = difflib.get_close_matches(option, list(self.option_definitions), n=1)
            words.append('%s%s' % (option, ' (did you mean %s?)' % close[0] if close else ''))
        return 'lookup %s has no option %s; its options: ansible-doc -t lookup %s' % (name, ', '.join(words), name)

    def _own_variables(self, variables):
        """The variables this lookup reads, each templated.

        ansible-core 2.19 and later pass lookups lazily templated variables. 2.16 to 2.18 pass
        them raw, so ``iots_password: "{{ vault_iots_password }}"`` would arrive as that text.
        Templating again changes nothing on 2.19+, where rendered values are not templates.
        """
        if not variables:
            return {}
        own = {}
        for definition in self.option_definitions.values():
            for entry in definition.get('vars') or ():
                name = entry['name']
                if name in variables and name not in own:
                    value = variables[name]
                    if self._templar is not None and _may_hold_template(value):
                        value = self._templar.template(value)
                    own[name] = value
        return own

    def open_token_cache(self):
        """The token cache the options cache, cache_dir, cache_vault_id and cache_encrypt describe."""
        return open_cache(
            self.get_option('cache'),
            C.DEFAULT_LOCAL_TMP,
            cache_dir=self.get_option('cache_dir'),
            vault_secrets=lambda: loader_vault_secrets(self._loader),  # called on a per-run miss only
            cache_vault_id=self.get_option('cache_vault_id'),
            default_vault_id=C.DEFAULT_VAULT_ENCRYPT_IDENTITY,
            encrypt=self.get_option('cache_encrypt'),
            warn=display.warning,
        )
