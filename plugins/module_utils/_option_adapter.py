# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""One way to read the connection options, in the modules, the lookup, the inventory and the event source.

A module has its options in ``module.params``, a controller plugin behind ``get_option`` (after
Ansible's config manager converted them), the event source in a dict; the code that uses them
(``_client.client_from_options``, ``_access_token``) reads them through an ``OptionAdapter`` and
so sees the same two rules everywhere:

* an option the source does not define (a plugin without ``token``, an older ansible-core) reads
  as None;
* an option of ``EMPTY_MEANS_UNSET`` given as ``""`` reads as None (not set).

Interface:

* ``OptionAdapter.from_ansible_module(module)``, ``OptionAdapter.from_dict(options)``,
  ``OptionAdapter.from_ansible_plugin(plugin, written=None, getter=None)``; ``OptionAdapter.wrap(options)``
  takes an adapter as it is, a mapping, or a ``get_option`` function.
* ``adapter.get_option(name)``; the adapter is also callable: ``adapter(name)``.
* ``OptionAdapter.without_empty(option_definitions, direct, variables) -> (direct, variables)``: a
  plugin's keyword arguments and variables before ``set_options``.

Only the standard library here: the lookup imports this on its cache-hit path.
"""

import os

# Path options for which an empty value means "not set": AWX injects an empty credential field
# as "", and Ansible's path type would turn "" into the current directory.
EMPTY_MEANS_UNSET = ('ca_path',)

_ENV_ORIGIN = 'env: '


class OptionAdapter(object):
    """Reads options from one source with the collection's rules (see the module docstring).

    ``getter(name)`` returns an option's value and raises ``KeyError`` for an option the source
    does not define. ``given_empty(name)``, when given, tells whether an ``EMPTY_MEANS_UNSET``
    option was set to ``""`` where the getter cannot see it any more (a controller plugin's value
    has been through Ansible's path type by then).
    """

    __slots__ = ('_getter', '_given_empty')

    def __init__(self, getter, given_empty=None):
        self._getter = getter
        self._given_empty = given_empty

    @classmethod
    def from_dict(cls, options):
        return cls(options.__getitem__)

    @classmethod
    def from_ansible_module(cls, module):
        return cls.from_dict(module.params)

    @classmethod
    def from_ansible_plugin(cls, plugin, written=None, getter=None):
        """The options of a controller plugin (lookup, inventory) after its ``set_options``.

        ``written``: the options as the plugin received them before conversion, by option name (an
        inventory source's file); an option there is empty by its written value (its origin cannot
        tell: ansible-core 2.16 to 2.18 report it without the source file's settings). Any other is
        empty when its value came from an environment variable that is set to ``""``.
        ``getter``: what reads an option instead of ``plugin.get_option`` (the inventory's rendered
        templates); it raises ``KeyError`` for an option the plugin does not define.
        """
        written = written or {}

        def given_empty(name):
            if name in written:
                return written[name] in ('', None)
            value, origin = plugin.get_option_and_origin(name)
            if not (isinstance(origin, str) and origin.startswith(_ENV_ORIGIN) and os.environ.get(origin[len(_ENV_ORIGIN) :].strip()) == ''):
                return False
            # ansible-core 2.16 works the origin out again without the task's variables: the environment's ""
            # decided only when the value the plugin holds is the one that origin gives (a variable may have won).
            return plugin.get_option(name) == value

        return cls(getter or plugin.get_option, given_empty)

    @classmethod
    def wrap(cls, options):
        """``options`` as an adapter: an adapter as it is, a mapping by ``from_dict``, else a getter function."""
        if isinstance(options, cls):
            return options
        if isinstance(options, dict):
            return cls.from_dict(options)
        return cls(options)

    def get_option(self, name):
        """The option's value; None when the source does not define it, or when it is set to "" and that means unset."""
        try:
            if name in EMPTY_MEANS_UNSET:
                if self._given_empty is not None and self._given_empty(name):
                    return None
                value = self._getter(name)
                return None if value == '' else value
            return self._getter(name)
        except KeyError:
            return None

    __call__ = get_option

    @staticmethod
    def without_empty(option_definitions, direct, variables):
        """A plugin's keyword arguments and variables without the ``""`` values of ``EMPTY_MEANS_UNSET`` options.

        For ``set_options``: such an option then comes from its next source (an environment
        variable, ``ansible.cfg``), and never reaches Ansible's path type as ``""``.
        """
        empty_variables = set(entry['name'] for name in EMPTY_MEANS_UNSET for entry in option_definitions.get(name, {}).get('vars') or ())
        direct = dict((name, value) for name, value in direct.items() if not (name in EMPTY_MEANS_UNSET and value == ''))
        variables = dict((name, value) for name, value in variables.items() if not (name in empty_variables and value == ''))
        return direct, variables
