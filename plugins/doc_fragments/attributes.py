# -*- coding: utf-8 -*-
# Copyright (c) contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later


class ModuleDocFragment(object):
    # Standard attribute docs; modules override check_mode/diff_mode details where they differ.
    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description: Can run in check_mode and return changed status prediction without modifying target.
  diff_mode:
    description: Will return details on what has changed (or possibly needs changing in check_mode), when in diff mode.
'''

    # Every IoTS module is in the action group; meta/runtime.yml lists them (a unit test checks both).
    ACTION_GROUP = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/wso2.iots.iots) in C(module_defaults) to set defaults for this module.
    support: full
    membership:
      - wso2.iots.iots
'''

    # Read-only modules (*_info): they never change anything, in check mode or not.
    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - This module only reads, so it runs in check mode as it does otherwise.
  diff_mode:
    support: N/A
    details:
      - This module changes nothing.
'''
