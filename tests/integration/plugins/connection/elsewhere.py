# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A local connection that says it reaches another host: a module run "remotely" without a second machine."""

from __future__ import annotations

DOCUMENTATION = r'''
name: elsewhere
short_description: The local connection, posing as one to another host (tests only)
description:
  - Runs everything on this machine, as ansible.builtin.local does, but names another transport, as a connection to another host does.
author:
  - privx.secrets developers (@privx-secrets)
'''

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = 'elsewhere'
