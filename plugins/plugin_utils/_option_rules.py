# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# Simplified BSD License (see LICENSES/BSD-2-Clause.txt or https://opensource.org/licenses/BSD-2-Clause)
# SPDX-License-Identifier: BSD-2-Clause

# FOR INTERNAL COLLECTION USE ONLY
# The interfaces in this file are meant for use within the wso2.iots collection
# and may not remain stable to outside uses. Changes may be made in ANY release, even a bugfix release.

"""Rules about option values that the collection's controller plugins (the lookup and the inventory) share.

The modules apply the same rule in ``_client`` (an empty ``ca_path`` is no CA file).
"""

# Path options for which an empty value means "not set": AWX injects an empty credential field
# as "", and Ansible's path type would turn "" into the current directory.
EMPTY_MEANS_UNSET = ('ca_path',)
