# Copyright (c) 2026, contributors to the wso2.iots collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""wso2.iots.device_events: an Event-Driven Ansible source for WSO2 IoTS and Entgra IoTS.

IoTS has no webhook: the source polls the device list and the activities list and puts one event per
change on the queue (the change detection is in plugins/module_utils/_events.py).
"""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path
from typing import Any

DOCUMENTATION = r"""
---
short_description: Events when IoTS devices enrol, change status, disenrol or finish an operation
description:
  - Polls a WSO2 IoT Server 3.2 or Entgra IoT Server 7 gateway every O(interval) seconds and puts one
    event on the queue for each change it sees.
  - Each poll reads the whole device list (C(GET /devices), 100 devices a request) and compares it with
    the previous poll by enrolment, since IoTS's device-status task changes a status without changing
    any date the server could filter on. Operation results come from C(GET /activities?since=), which
    IoTS serves to users with the admin role only.
  - The first poll is a silent baseline unless O(emit_initial=true). The source keeps its state in
    memory; after a restart it starts with a new baseline.
  - Every event has one top-level key C(iots) with C(event) (the kind), C(device) (C(type), C(id),
    C(name), C(status), C(owner), C(ownership)), C(previous_status) and C(operation) (C(activity_id),
    C(code), C(status), C(response)) or V(null); C(meta.uuid) is the same for the same change.
  - Connection errors and server errors (5xx) are logged and retried with a backoff that doubles up to
    300 seconds while the source keeps running; an expired token is replaced with a new one. A missing
    scope (403), the admin-only answer of the activities list, a TLS failure or bad arguments stop the source.
  - Needs the Python package C(requests) next to ansible-rulebook (in a decision environment too).
options:
  url:
    description: The IoTS gateway, for example V(https://iots.example.com:8243).
    type: str
    required: true
  validate_certs:
    description: Verify the gateway's TLS certificate.
    type: bool
    default: true
  ca_path:
    description: The CA certificate file that signed the gateway's certificate.
    type: str
  timeout:
    description: Seconds each request may take.
    type: int
    default: 30
  client_id:
    description: OAuth client id (from M(wso2.iots.iots_app_register)); with O(client_secret) the source gets its own token.
    type: str
  client_secret:
    description: OAuth client secret. Never logged.
    type: str
  username:
    description: User for the password grant; without it the client_credentials grant is used.
    type: str
  password:
    description: Password of O(username). Never logged.
    type: str
  token:
    description:
      - A bearer token instead of O(client_id) and O(client_secret). It cannot be renewed, so the source
        stops when it expires.
    type: str
  token_path:
    description: Path of the token endpoint on the gateway.
    type: str
    default: /token
  server_flavor:
    description: V(iots) for WSO2 IoTS 3.x scope names, V(entgra) for Entgra IoT Server 7.
    type: str
    choices: [iots, entgra]
    default: iots
  device_types:
    description: Device types to watch (one device-list scan each); all types when not set.
    type: list
    elements: str
  interval:
    description: Seconds from the start of one poll to the start of the next.
    type: float
    default: 60
  events:
    description:
      - The kinds of event to put on the queue. Without V(operation_completed) and V(operation_failed)
        the source needs no admin role and reads no activities.
    type: list
    elements: str
    choices: [enrolled, status_changed, disenrolled, operation_completed, operation_failed]
    default: [enrolled, status_changed, disenrolled, operation_completed, operation_failed]
  emit_initial:
    description: Put an V(enrolled) event for each device (and an event for each recent operation result) of the first poll.
    type: bool
    default: false
  max_polls:
    description: Stop after this many polls (V(0), the default, never stops); for tests and one-off runs.
    type: int
    default: 0
"""

EXAMPLES = r"""
- name: React to IoTS devices
  hosts: all
  sources:
    - wso2.iots.device_events:
        url: https://iots.example.com:8243
        ca_path: /etc/pki/iots-ca.pem
        client_id: "{{ iots_client_id }}"
        client_secret: "{{ iots_client_secret }}"
        username: "{{ iots_username }}"
        password: "{{ iots_password }}"
        device_types: [android]
        interval: 60
  rules:
    - name: An android device went INACTIVE
      condition: event.iots.event == "status_changed" and event.iots.device.status == "INACTIVE"
      action:
        run_playbook:
          name: recover_device.yml
"""

LOGGER = logging.getLogger(__name__)
# Polls that may fail before the first one succeeds: an unreachable server at start is an error.
START_ATTEMPTS = 5


def _load_events_module() -> Any:  # noqa: ANN401
    """Import the collection's change detection, which runpy cannot find by itself.

    ansible-rulebook runs this file with runpy.run_path: the directory holding
    ``ansible_collections/`` must be on sys.path for the module_utils to import each other.

    Returns
    -------
    Any
        plugins/module_utils/_events.py of this collection.

    Raises
    ------
    ImportError
        When this file is not inside an installed collection.

    """
    # pylint: disable=import-outside-toplevel
    try:
        from ansible_collections.wso2.iots.plugins.module_utils import _events  # noqa: PLC0415
    except ImportError:
        here = Path(__file__).absolute()
        if here.parents[6].name != "ansible_collections":
            message = "wso2.iots.device_events runs from an installed collection (.../ansible_collections/wso2/iots): install it with ansible-galaxy"
            raise ImportError(message) from None
        sys.path.insert(0, str(here.parents[7]))
        from ansible_collections.wso2.iots.plugins.module_utils import _events  # noqa: PLC0415
    return _events


async def _poll(poller: Any, failures: int) -> tuple[list, int, bool]:  # noqa: ANN401
    """Run one poll in a worker thread, turning a failure into a decision.

    Parameters
    ----------
    poller : Any
        The source's state (a ``_events.Poller``).
    failures : int
        Polls that failed in a row before this one.

    Returns
    -------
    tuple[list, int, bool]
        The events, the failures in a row after this poll, and whether the token expired.

    Raises
    ------
    Exception
        The poll's error, when it must stop the source.

    """
    try:
        events = await asyncio.to_thread(poller.poll)
    except Exception as exc:  # pylint: disable=broad-exception-caught
        decision = poller.failure(exc)
        if decision == "fatal" or (poller.polls == 0 and failures + 1 >= START_ATTEMPTS):
            raise
        if decision == "token":
            LOGGER.info("wso2.iots.device_events: the access token expired; getting a new one")
            poller.token = None
            return [], failures, True
        LOGGER.warning("wso2.iots.device_events: poll failed, trying again in %.1f s: %s", poller.backoff(failures + 1), exc)
        return [], failures + 1, False
    return events, 0, False


async def main(queue: asyncio.Queue, args: dict[str, Any]) -> None:
    """Put an event on ``queue`` for each IoTS device or operation change.

    Parameters
    ----------
    queue : asyncio.Queue
        ansible-rulebook's event queue.
    args : dict[str, Any]
        The source arguments (see DOCUMENTATION).

    Raises
    ------
    RuntimeError
        When the server refuses a new access token right after granting it.

    """
    events_module = _load_events_module()
    settings = events_module.parse_args(args)
    poller = await asyncio.to_thread(events_module.Poller, settings)
    failures = 0
    token_renewals = 0
    loop = asyncio.get_running_loop()
    while True:
        started = loop.time()
        events, failures, expired = await _poll(poller, failures)
        if expired:  # poll again at once with a new token, but not forever
            token_renewals += 1
            if token_renewals > 1:
                message = "wso2.iots.device_events: the server refused a new access token too"
                raise RuntimeError(message)
            continue
        token_renewals = 0
        for event in events:
            await queue.put(event)
            await asyncio.sleep(0)
        if settings["max_polls"] and poller.polls >= settings["max_polls"]:
            return
        # interval runs from the start of one poll to the start of the next.
        pause = settings["interval"] - (loop.time() - started)
        if failures:
            pause = poller.backoff(failures)
        await asyncio.sleep(max(pause, 0))


if __name__ == "__main__":

    class MockQueue(asyncio.Queue[Any]):
        """Print the events instead of handing them to ansible-rulebook."""

        async def put(self, item: Any) -> None:  # noqa: ANN401
            """Print one event.

            Parameters
            ----------
            item : Any
                The event.

            """
            print(item)  # noqa: T201

    asyncio.run(
        main(
            MockQueue(),
            {
                "url": "https://localhost:8243",
                "validate_certs": False,
                "client_id": "id",
                "client_secret": "secret",
                "username": "admin",
                "password": "admin",
                "interval": 5,
                "max_polls": 2,
            },
        ),
    )
