# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""The scope names of Entgra's device-mgt API (entgra/device-mgt-core, 5.0.31 and later).

ENTGRA_SCOPE_CATALOGUE: every ``@Scope`` key under
``components/device-mgt/io.entgra.device.mgt.core.device.mgt.api/src/main/java`` at
entgra/device-mgt-core 7191242b05 (2026-08-17, after v7.0.8).

PERM_TO_ENTGRA: the renaming of commit 48a72e80e9 "Modify scope keys" (2023-09-27, first in
v5.0.31), each ``perm:*`` key paired with the key that replaced it in the same annotation, with
the merges of commit 9e0427021e applied (``rep:devices:view`` -> ``dm:devices:view``,
``um:activity:get`` -> ``dm:activity:get``, the two policy views -> ``dm:policies:view``).
A few targets live in other components (certificate, grafana, sms handler) or were removed
later; they are kept because the renaming is what a user of the old names needs to know.
"""

ENTGRA_SCOPE_CATALOGUE = frozenset(
    '''
    am:admin:app:install am:admin:app:uninstall dm:activity:get dm:admin:device-firmware-models:create
    dm:admin:device-type:conf:add dm:admin:device-type:conf:view dm:admin:device-type:modify
    dm:admin:device-type:view dm:admin:devices:permanent-delete dm:admin:devices:usage:view
    dm:admin:devices:view dm:admin:enrollment:update dm:an:artifacts:pub:add dm:an:artifacts:pub:delete
    dm:an:artifacts:rcv:add dm:an:artifacts:rcv:delete dm:an:artifacts:siddhi:add
    dm:an:artifacts:siddhi:delete dm:an:artifacts:stream:add dm:an:artifacts:stream:delete
    dm:authorization:verify dm:conf:manage dm:conf:view dm:device-firmware-models:view
    dm:device-type:conf:view dm:device-type:event:create dm:device-type:event:delete
    dm:device-type:event:modify dm:device-type:event:view dm:device-type:features:view
    dm:device-type:statistic:create dm:device-type:statistic:delete dm:device-type:statistic:modify
    dm:device-type:statistic:view dm:device-type:view dm:device:disenroll dm:device:enroll
    dm:device:event:publish dm:device:modify dm:devices:app:view dm:devices:compliance:view
    dm:devices:delete dm:devices:details dm:devices:enrollment-guide:view dm:devices:features:view
    dm:devices:ops:status:update dm:devices:ops:view dm:devices:policy:view dm:devices:search
    dm:devices:status:change dm:devices:update dm:devices:view dm:devicestatusfilter:update
    dm:devicestatusfilter:view dm:geo:alerts:manage dm:geo:an:view dm:geo:geo-fence:manage
    dm:metadata:create dm:metadata:remove dm:metadata:update dm:metadata:view dm:notif:mark-checked
    dm:notifications:view dm:policies:view dm:remote:connect dm:reports:view dm:whitelable:update
    dm:whitelable:view gm:admin:groups:add gm:admin:groups:count gm:admin:groups:view
    gm:devices-types:view gm:devices:add gm:devices:assign gm:devices:count gm:devices:remove
    gm:devices:view gm:groups:add gm:groups:count gm:groups:device:view gm:groups:groups-view
    gm:groups:remove gm:groups:update gm:groups:view gm:roles:share gm:roles:view pm:policies:activate
    pm:policies:add pm:policies:change pm:policies:deactivate pm:policies:details:view
    pm:policies:effective-policy pm:policies:priorities:update pm:policies:remove pm:policies:update
    rm:roles:add rm:roles:combined:add rm:roles:delete rm:roles:details:view rm:roles:permissions:view
    rm:roles:update rm:roles:view rm:users:add tm:tags:create tm:tags:delete tm:tags:mapping:create
    tm:tags:mapping:delete tm:tags:mapping:view tm:tags:update tm:tags:view um:admin:tenants:remove
    um:admin:users:modify um:admin:users:remove um:admin:users:view um:roles:view um:users:add
    um:users:count um:users:cred:change um:users:delete um:users:details:view um:users:invite
    um:users:is-exist um:users:permission:view um:users:search um:users:update
    um:users:user-details:view
'''.split()
)

PERM_TO_ENTGRA = {
    'perm:admin-groups:add': 'gm:admin:groups:add',
    'perm:admin-groups:count': 'gm:admin:groups:count',
    'perm:admin-groups:view': 'gm:admin:groups:view',
    'perm:admin-users:remove': 'um:admin:users:remove',
    'perm:admin-users:view': 'um:admin:users:view',
    'perm:admin:certificates:add': 'cm:cert:add',
    'perm:admin:certificates:delete': 'cm:cert:delete',
    'perm:admin:certificates:details': 'cm:cert:details:get',
    'perm:admin:certificates:verify': 'cm:cert:verify',
    'perm:admin:certificates:view': 'cm:cert:view',
    'perm:admin:device-type': 'dm:admin:device-type:modify',
    'perm:admin:device-type:configs': 'dm:admin:device-type:conf:add',
    'perm:admin:device-type:view': 'dm:admin:device-type:view',
    'perm:admin:devices:update-enrollment': 'dm:admin:enrollment:update',
    'perm:admin:devices:view': 'dm:admin:devices:view',
    'perm:admin:permissions:add': 'admin:permissions:add',
    'perm:admin:tenant:view': 'admin:tenant:view',
    'perm:admin:usage:view': 'dm:admin:devices:usage:view',
    'perm:analytics:artifacts:publisher': 'dm:an:artifacts:pub:add',
    'perm:analytics:artifacts:publisher:delete': 'dm:an:artifacts:pub:delete',
    'perm:analytics:artifacts:receiver': 'dm:an:artifacts:rcv:add',
    'perm:analytics:artifacts:receiver:delete': 'dm:an:artifacts:rcv:delete',
    'perm:analytics:artifacts:siddhi': 'dm:an:artifacts:siddhi:add',
    'perm:analytics:artifacts:siddhi:delete': 'dm:an:artifacts:siddhi:delete',
    'perm:analytics:artifacts:stream': 'dm:an:artifacts:stream:add',
    'perm:analytics:artifacts:stream:delete': 'dm:an:artifacts:stream:delete',
    'perm:applications:install': 'am:admin:app:install',
    'perm:applications:uninstall': 'am:admin:app:uninstall',
    'perm:authorization:verify': 'dm:authorization:verify',
    'perm:device-types:configs': 'dm:device-type:conf:view',
    'perm:device-types:events': 'dm:device-type:event:modify',
    'perm:device-types:events:view': 'dm:device-type:event:view',
    'perm:device-types:features': 'dm:device-type:features:view',
    'perm:device-types:types': 'dm:device-type:view',
    'perm:device:disenroll': 'dm:device:disenroll',
    'perm:device:enroll': 'dm:device:enroll',
    'perm:device:modify': 'dm:device:modify',
    'perm:device:operations': 'dm:ops:view',
    'perm:device:publish-event': 'dm:device:event:publish',
    'perm:devices:applications': 'dm:devices:app:view',
    'perm:devices:change-status': 'dm:devices:status:change',
    'perm:devices:compliance-data': 'dm:devices:compliance:view',
    'perm:devices:delete': 'dm:devices:delete',
    'perm:devices:details': 'dm:devices:details',
    'perm:devices:effective-policy': 'dm:devices:policy:view',
    'perm:devices:enrollment-guide:view': 'dm:devices:enrollment-guide:view',
    'perm:devices:features': 'dm:devices:features:view',
    'perm:devices:operations': 'dm:devices:ops:view',
    'perm:devices:permanent-delete': 'dm:admin:devices:permanent-delete',
    'perm:devices:search': 'dm:devices:search',
    'perm:devices:update': 'dm:devices:update',
    'perm:devices:view': 'dm:devices:view',
    'perm:devicetype:deployment': 'dm:device-type:deploy',
    'perm:geo-service:alerts-manage': 'dm:geo:alerts:manage',
    'perm:geo-service:analytics-view': 'dm:geo:an:view',
    'perm:geo-service:geo-fence': 'dm:geo:geo-fence:manage',
    'perm:get-activity': 'dm:activity:get',
    'perm:grafana:api:view': 'grafana:api:view',
    'perm:groups:add': 'gm:groups:add',
    'perm:groups:assign': 'gm:devices:assign',
    'perm:groups:count': 'gm:groups:count',
    'perm:groups:device': 'gm:groups:device:view',
    'perm:groups:devices': 'gm:devices:view',
    'perm:groups:devices-add': 'gm:devices:add',
    'perm:groups:devices-count': 'gm:devices:count',
    'perm:groups:devices-remove': 'gm:devices:remove',
    'perm:groups:devices-types': 'gm:devices-types:view',
    'perm:groups:groups': 'gm:groups:view',
    'perm:groups:groups-view': 'gm:groups:groups-view',
    'perm:groups:remove': 'gm:groups:remove',
    'perm:groups:roles': 'gm:roles:view',
    'perm:groups:share': 'gm:roles:share',
    'perm:groups:update': 'gm:groups:update',
    'perm:manage-configuration': 'dm:conf:manage',
    'perm:metadata:create': 'dm:metadata:create',
    'perm:metadata:remove': 'dm:metadata:remove',
    'perm:metadata:update': 'dm:metadata:update',
    'perm:metadata:view': 'dm:metadata:view',
    'perm:notifications:mark-checked': 'dm:notif:mark-checked',
    'perm:notifications:view': 'dm:notifications:view',
    'perm:policies:activate': 'pm:policies:activate',
    'perm:policies:changes': 'pm:policies:change',
    'perm:policies:deactivate': 'pm:policies:deactivate',
    'perm:policies:effective-policy': 'pm:policies:effective-policy',
    'perm:policies:get-details': 'dm:policies:view',
    'perm:policies:get-policy-details': 'pm:policies:details:view',
    'perm:policies:manage': 'pm:policies:add',
    'perm:policies:priorities': 'pm:policies:priorities:update',
    'perm:policies:remove': 'pm:policies:remove',
    'perm:policies:update': 'pm:policies:update',
    'perm:remote-session-service:connect': 'dm:remote:connect',
    'perm:roles:add': 'rm:roles:add',
    'perm:roles:add-users': 'rm:users:add',
    'perm:roles:create-combined-role': 'rm:roles:combined:add',
    'perm:roles:delete': 'rm:roles:delete',
    'perm:roles:details': 'rm:roles:details:view',
    'perm:roles:permissions': 'rm:roles:permissions:view',
    'perm:roles:update': 'rm:roles:update',
    'perm:roles:view': 'rm:roles:view',
    'perm:sign-csr': 'dm:sign-csr',
    'perm:sms-handler:view-configuration': 'conf:sms-handler:view',
    'perm:user:permission-view': 'um:users:permission:view',
    'perm:users:add': 'um:users:add',
    'perm:users:count': 'um:users:count',
    'perm:users:credentials': 'um:users:cred:change',
    'perm:users:delete': 'um:users:delete',
    'perm:users:details': 'um:users:details:view',
    'perm:users:is-exist': 'um:users:is-exist',
    'perm:users:roles': 'um:roles:view',
    'perm:users:search': 'um:users:search',
    'perm:users:send-invitation': 'um:users:invite',
    'perm:users:update': 'um:users:update',
    'perm:users:user-details': 'um:users:user-details:view',
    'perm:view-configuration': 'dm:conf:view',
    'perm:whitelabel:update': 'dm:whitelable:update',
    'perm:whitelabel:view': 'dm:whitelable:view',
}
