# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""What a user sees of a policy, and the checks of the ``features`` option (iots_policy, iots_policy_info).

* ``policy_view(policy, ranks, flavor) -> dict``: a Policy JSON as {id, name, device_type, description, ownership,
  compliance, active, priority, features: [{code, content}], roles, users, groups[, policy_type]}, features sorted
  by code with their content parsed (``_policy_api.parsed_content``/``shown_content``), lists sorted;
  ``ranks`` maps ids to their rank (1 first), else the stored ``priorityId`` is shown
* ``check_features(features) -> [{code, content}]`` sorted by code; a content that is not a mapping, or a
  repeated code (``_unique``), is an ``IotsOptionError``
"""

from collections.abc import Mapping

from ansible_collections.wso2.iots.plugins.module_utils._errors import IotsOptionError
from ansible_collections.wso2.iots.plugins.module_utils._policy_api import parsed_content, shown_content
from ansible_collections.wso2.iots.plugins.module_utils._unique import check_unique


def policy_view(policy, ranks, flavor):
    profile = policy.get('profile') or {}
    features = [dict(code=f.get('featureCode'), content=shown_content(parsed_content(f.get('content')))) for f in profile.get('profileFeaturesList') or []]
    view = dict(
        id=policy.get('id'),
        name=policy.get('policyName'),
        device_type=profile.get('deviceType'),
        description=policy.get('description') or '',
        ownership=policy.get('ownershipType') or 'ANY',
        compliance=policy.get('compliance'),
        active=bool(policy.get('active')),
        priority=ranks.get(policy.get('id'), policy.get('priorityId')),
        features=sorted(features, key=lambda f: f['code'] or ''),
        roles=sorted(policy.get('roles') or []),
        users=sorted(policy.get('users') or []),
        groups=sorted(g.get('name') or '' for g in policy.get('deviceGroups') or [] if isinstance(g, dict)),
    )
    if flavor == 'entgra':
        view['policy_type'] = policy.get('policyType')
    return view


def check_features(features):
    checked = []
    for feature in features:
        code = feature.get('code')
        if not isinstance(code, str) or not code.strip():
            raise IotsOptionError('features: each needs a non-empty code.')
        content = feature.get('content')
        if not isinstance(content, Mapping):
            raise IotsOptionError('features: the content of %r must be a mapping of settings, not %s %r.' % (code, type(content).__name__, content))
        checked.append(dict(code=code, content=dict(content)))
    check_unique([feature['code'] for feature in checked], 'features', 'feature code')
    return sorted(checked, key=lambda f: f['code'])
