# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

"""Device groups (DM_GROUP, DM_DEVICE_GROUP_MAP) of carbon-device-mgt 3.0.240, without HTTP.

The system groups ``BYOD`` and ``COPE`` belong to ``wso2.system.user``; the super tenant gets them
at start-up (DeviceManagementServiceComponent, default groups of cdm-config.xml), other tenants
when their first device enrols (DeviceManagementProviderServiceImpl.addDeviceToGroups).
"""

import collections

SYSTEM_USER = 'wso2.system.user'
SYSTEM_GROUPS = ('BYOD', 'COPE')


class Group(object):
    def __init__(self, group_id, tenant, name, description, owner):
        self.id = group_id
        self.tenant = tenant
        self.name = name
        self.description = description
        self.owner = owner
        self.members = collections.OrderedDict()  # device id -> Device, in the order they were added

    def to_json(self):
        """org.wso2.carbon.device.mgt.common.group.mgt.DeviceGroup through Gson (nulls left out)."""
        data = collections.OrderedDict([('id', self.id)])
        for key in ('description', 'name', 'owner'):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


class GroupStore(object):
    def __init__(self):
        self.by_id = collections.OrderedDict()
        self.next_id = 1

    def create(self, tenant, name, description, owner):
        group = Group(self.next_id, tenant, name, description, owner)
        self.next_id += 1
        self.by_id[group.id] = group
        return group

    def get(self, tenant, group_id):
        group = self.by_id.get(group_id)
        return group if group is not None and group.tenant == tenant else None

    def named(self, tenant, name):
        for group in self.by_id.values():
            if group.tenant == tenant and group.name == name:
                return group
        return None

    def ensure_system_groups(self, tenant):
        for name in SYSTEM_GROUPS:
            if self.named(tenant, name) is None:
                self.create(tenant, name, 'Default system group for devices with %s ownership.' % name, SYSTEM_USER)

    def delete(self, tenant, group_id):
        group = self.get(tenant, group_id)
        if group is None:
            return False
        del self.by_id[group_id]
        return True

    def visible(self, tenant, user):
        """The groups a user may see: an admin every group of the tenant, others their own (inferred)."""
        return [g for g in self.by_id.values() if g.tenant == tenant and (user.admin or g.owner == user.name)]

    def of_device(self, device):
        return [g for g in self.by_id.values() if g.tenant == device.tenant and device.id in g.members]

    def join_system_group(self, device, ownership):
        self.ensure_system_groups(device.tenant)
        self.named(device.tenant, ownership).members[device.id] = device
