# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""The one shape of a resource module: check -> token -> read -> plan -> apply -> result.

A module describes its resource with a ``Resource`` subclass and ends ``main()`` with
``run(MyResource, argument_spec(), **AnsibleModule keyword arguments)``. The runner calls, in order:

``check()``
    the options as a checked ``spec``; bad input raises ``IotsOptionError`` before any request.
``scopes(spec)``
    the logical scope names (``_scopes``) of the calls this run may make; the token is asked for
    exactly these, unless the ``token`` option gives one. None: the run makes no call and needs no token.
``read(api, spec)``
    what IoTS has now (reads only). ``api(function, *args)`` calls ``function(client, token, *args)``.
``plan(spec, current)``
    a list of ``Change``: per object its key, ``action`` (``NONE`` for nothing to do), ``before`` and
    ``after`` (IoTS's objects, ``after`` predicted). A read-only module plans nothing.
``apply(api, change)``
    the writes of one change, never called in check mode or for ``NONE``; returns what IoTS has
    now when it answered it (it replaces the prediction), else None.
``view(obj)``
    what the user sees of an object: the diff and the returned values show nothing else.
``result(changes, current)``
    the returned values beside ``changed`` and ``diff``.

The runner alone decides ``changed`` (a change whose action is not ``NONE``), builds the diff
(before/after views; keyed by ``key_text`` for a bulk resource), skips every write in check mode,
and turns a failed write into one error that lists what was done and what is pending.
"""

from ansible_collections.wso2.iots.plugins.module_utils._access_token import TOKEN_ARGSPEC, access_token
from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsError, IotsScopeError
from ansible_collections.wso2.iots.plugins.module_utils._module import IotsModule
from ansible_collections.wso2.iots.plugins.module_utils._options import connection_argspec

NONE = 'none'

SCOPE_HINT = (
    'Give the user the permissions behind these scopes (the module documentation lists the scopes each task needs), or give token a bearer token that has them.'
)


def resource_argspec(options):
    """The shared connection options, ``token``, and the module's own ``options``."""
    spec = connection_argspec()
    spec.update((name, dict(value)) for name, value in TOKEN_ARGSPEC.items())
    spec.update(options)
    return spec


class Change(object):
    """One object's planned change: what IoTS has (``before``), what it will have (``after``), and how."""

    __slots__ = ('key', 'action', 'before', 'after', 'spec')

    def __init__(self, key, action, before=None, after=None, spec=None):
        self.key = key
        self.action = action
        self.before = before
        self.after = after
        self.spec = spec

    @property
    def changed(self):
        return self.action != NONE


class Api(object):
    """The client and the token of one run: ``api(function, *args)`` is ``function(client, token, *args)``."""

    def __init__(self, client, token):
        self.client = client
        self.token = token

    def __call__(self, function, *args, **kwargs):
        return function(self.client, self.token, *args, **kwargs)


class Resource(object):
    """What a module says about its resource; the runner does the rest (see the module docstring)."""

    #: A bulk resource returns one record per object under ``records_key`` and keys its diff by object;
    #: ``keyed_diff`` keys the diff of a single object too.
    bulk = False
    keyed_diff = False
    records_key = 'records'
    #: False: a bulk result lists only the objects that change (and one that failed) under ``records_key``
    #: and in ``pending``; the unchanged ones are only counted (``summary``, action ``NONE``).
    list_unchanged = True
    #: What one object is called in messages, and the actions a plan can choose (``NONE`` last).
    noun = 'object'
    actions: tuple = (NONE,)

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.check_mode = module.check_mode
        self.diff = module._diff

    def check(self):
        return dict(self.params)

    def scopes(self, spec):
        raise NotImplementedError

    def read(self, api, spec):
        raise NotImplementedError

    def plan(self, spec, current):
        return []

    def apply(self, api, change):
        raise NotImplementedError

    def view(self, obj):
        return obj or {}

    def key_text(self, key):
        return '/'.join(key) if isinstance(key, tuple) else str(key)

    def record(self, change):
        """One object's line of a bulk result (and of the error when a write fails)."""
        return dict(name=self.key_text(change.key), action=change.action, changed=change.changed)

    def listed(self, records):
        """The records a bulk result shows: all of them, or without the unchanged ones (``list_unchanged``)."""
        if self.list_unchanged:
            return records
        return [item for item in records if item['action'] != NONE or item.get('failed')]

    def summary(self, records):
        """How many objects each action touched (failed ones not counted)."""
        counts = dict((action, 0) for action in self.actions)
        for item in records:
            if not item.get('failed'):
                counts[item['action']] = counts.get(item['action'], 0) + 1
        return counts

    def summary_text(self, records):
        counts = self.summary(records)
        return ', '.join('%s %d' % (action, count) for action, count in counts.items())

    def result(self, changes, current):
        return {}


class PartialRunError(IotsError):
    """A write failed in the middle of a bulk run: its result lists what was done and what is pending."""

    def __init__(self, cause, resource, done, failed, pending):
        given = len(done) + 1 + len(pending)  # every object of the task, listed or not
        records, pending = resource.listed(done + [failed]), resource.listed(pending)
        # The failed object counts too when its cause says it was written before the failure.
        changed = [item for item in records if item['changed']]
        message = '%s %d of %d %s(s) changed before this failure (%s); %d not attempted. The task result lists them in %s and pending.' % (
            str(cause),
            len(changed),
            given,
            resource.noun,
            resource.summary_text(done),
            len(pending),
            resource.records_key,
        )
        details = dict(cause.details, changed=bool(changed) or bool(cause.details.get('changed')))
        details.update({resource.records_key: records, 'pending': pending, 'summary': resource.summary(done + [failed])})
        super(PartialRunError, self).__init__(
            message, url=cause.url, method=cause.method, status=cause.status, error=cause.error, description=cause.description, details=details
        )


class ResourceModule(IotsModule):
    """An IotsModule with the token of the run and the runner's steps."""

    def __init__(self, argument_spec, **kwargs):
        kwargs.setdefault('supports_check_mode', True)
        super(ResourceModule, self).__init__(argument_spec=resource_argspec(argument_spec), **kwargs)

    def api(self, needs):
        """The Api for the logical scope names ``needs``; a failed grant fails the task."""
        client = self.client()
        try:
            return Api(client, access_token(client, self.options, sorted(set(needs))))
        except IotsScopeError as exc:
            # The grant's own hint names allow_partial_scopes, which these modules do not have.
            self.fail_iots(exc.with_hint(SCOPE_HINT), missing_scopes=exc.missing_scopes)
        except IotsError as exc:
            self.fail_iots(exc)
        return None  # not reached: fail_iots ends the process


def diff_of(resource, changes):
    """Before and after as the user sees them: one object's views, or a bulk run's keyed by object."""
    if not (resource.bulk or resource.keyed_diff):
        change = changes[0]
        return dict(before=resource.view(change.before), after=resource.view(change.after))
    before, after = {}, {}
    for change in changes:
        if change.changed:
            key = resource.key_text(change.key)
            before[key] = resource.view(change.before)
            after[key] = resource.view(change.after)
    return dict(before=before, after=after)


def apply_all(resource, api, changes):
    """Every change's writes, in order; a failure raises PartialRunError with the records so far."""
    done = []
    for index, change in enumerate(changes):
        if change.changed:
            before = api.client.writes_answered
            try:
                written = resource.apply(api, change)
            except IotsError as exc:
                # An object some of whose writes went through before the failure has changed.
                if api.client.writes_answered > before:
                    exc.details['changed'] = True
                if not resource.bulk:
                    raise  # one object: the cause alone says what happened
                failed = dict(resource.record(change), changed=bool(exc.details.get('changed')), failed=True, msg=str(exc))
                raise PartialRunError(exc, resource, done, failed, [resource.record(c) for c in changes[index + 1 :]])
            if written is not None:
                change.after = written
        done.append(resource.record(change))
    return done


def run(resource_class, argument_spec, **module_kwargs):
    """The whole module run (see the module docstring); ends the process with the task's result."""
    module = ResourceModule(argument_spec, **module_kwargs)
    resource = resource_class(module)
    try:
        spec = resource.check()
    except IotsError as exc:
        module.fail_json(msg=str(exc))
    needs = resource.scopes(spec)
    api = module.api(needs) if needs else None
    try:
        current = resource.read(api, spec)
        changes = resource.plan(spec, current)
    except IotsError as exc:
        module.fail_iots(exc)
    try:
        records = [resource.record(change) for change in changes] if module.check_mode else apply_all(resource, api, changes)
    except IotsError as exc:
        module.fail_iots(exc)
    result: dict = dict(changed=any(change.changed for change in changes))
    if resource.bulk:
        result.update({resource.records_key: resource.listed(records), 'summary': resource.summary(records)})
    result.update(resource.result(changes, current))
    if module._diff and changes:
        result['diff'] = diff_of(resource, changes)
    module.exit_json(**result)
