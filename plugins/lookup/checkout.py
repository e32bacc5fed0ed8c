# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations

DOCUMENTATION = r'''
name: checkout
short_description: Check a secret out of PrivX for the play, and release it when the play ends
version_added: 0.1.0
description:
  - Checks out the account secret at each path and returns its current secret (the newest version), or the whole checkout record.
  - All lookups of the same path in one play, from any host, task or fork, share one checkout and one secret value,
    and the whole run authenticates once per token lifetime, however many hosts and references there are.
  - Every checkout is released at the end of the play that made it when the P(privx.secrets.checkouts#callback) callback
    is enabled (recommended), and at the end of the run in any case, including after a failed task, a fatal error,
    Ctrl-C, SIGTERM, or the controller being killed; unless another run of the same API client still uses it, or the
    run is an AWX job (see O(release)).
  - "How it works: the first lookup of a run starts a small agent process that holds the token and the run's checkouts
    in memory only. Ansible runs lookups in short-lived forked workers, so the workers ask the agent over a Unix socket in a
    directory only the same OS user can enter (mode 0700; the socket is 0600, and the agent also checks the peer's user id).
    The agent watches the ansible-playbook process and releases everything as soon as it is gone. Nothing is written to disk
    but the socket, a lock file and, per path, a lease file naming the runs on this machine that use its checkout (no
    secret, no credential)."
  - "Without the callback, a checkout lives until the run ends rather than until its play ends. With it, the callback tells
    the agent where each play starts and where the run ends, and also shows as warnings any release that failed."
  - A release that fails is retried, then reported as a warning naming the path; PrivX then ends the checkout when it expires.
author:
  - privx.secrets developers (@privx-secrets)
extends_documentation_fragment:
  - privx.secrets.connection
  - privx.secrets.connection.plugins
options:
  _terms:
    description:
      - Secret paths, as P(privx.secrets.account_secret_info#module) returns them (for example V(corp.example.com/db_admin)).
      - A list among them stands for its paths, as with the builtin lookups
        (C(query('privx.secrets.checkout', ['corp.example.com/db_admin', 'corp.example.com/app_db']))).
      - Leave them out and use O(target_domain) with O(username) instead.
    type: list
    elements: str
    required: false
  target_domain:
    description: Name or ID of the target domain of the account, with O(username), instead of a path.
    type: str
  username:
    description: Username of the account, with O(target_domain) or O(host), instead of a path.
    type: str
  host:
    description:
      - A host of PrivX's host store (common name, address or id) whose account O(username) to check out, instead of a path.
      - The account must be a rotating account of the host (a C(HOST_SECRET)); the path is found as for O(target_domain).
    type: str
    version_added: 0.2.0
  output:
    description:
      - V(secret) returns the current secret string (the newest version).
      - V(checkout) returns the whole checkout record (id, path, expires, all secret versions, account details).
    type: str
    choices: [secret, checkout]
    default: secret
  release:
    description:
      - When the run lets go of the checkout. Letting go releases it, unless another run on this machine still uses it
        (then the last one releases it) or it was created elsewhere (see the notes).
      - V(play) lets go at the end of the play that used it (with the P(privx.secrets.checkouts#callback) callback; without
        it, at the end of the run).
      - V(run) lets go at the end of the run, so that the plays of one run share one checkout.
      - "V(expiry) never releases it: PrivX ends it when it expires (the password policy's C(max_checkout_duration)),
        and rotates the password then if the policy says C(rotate_on_release). The run warns once per path, naming
        the expiry time."
      - "V(auto) is V(expiry) in an AWX or Automation Controller job (the variable C(awx_job_id) or C(tower_job_id) is
        set: jobs, slices of a sliced job, workflow nodes, ad hoc commands), because such jobs run on separate nodes or
        in separate containers and cannot see each other's use of a shared checkout; and V(play) everywhere else."
      - Lookups of the same path that ask for different choices keep the checkout as long as the longest asks.
    type: str
    choices: [auto, play, run, expiry]
    default: auto
    vars:
      - name: privx_checkout_release
    env:
      - name: PRIVX_CHECKOUT_RELEASE
    version_added: 0.2.0
  check_mode:
    description:
      - What the lookup does in a check-mode run (C(--check), when C(ansible_check_mode) is true).
      - V(placeholder) returns O(check_mode_placeholder) for each secret without any call to PrivX, so a check-mode
        run neither holds a checkout nor, at its release, rotates a password whose policy says C(rotate_on_release).
        The run warns once that it did so.
      - V(checkout) checks out for real, as in a normal run (and releases as O(release) says).
    type: str
    choices: [placeholder, checkout]
    default: placeholder
    vars:
      - name: privx_checkout_check_mode
    env:
      - name: PRIVX_CHECKOUT_CHECK_MODE
    version_added: 0.2.0
  check_mode_placeholder:
    description:
      - The text returned for each secret in a check-mode run when O(check_mode=placeholder).
    type: str
    default: PRIVX-CHECK-MODE-PLACEHOLDER
notes:
  - "Check mode: by default a check-mode run gets a placeholder, not the secret (O(check_mode)); tasks that compare the
    secret (a template's diff, say) therefore predict a change. Set O(check_mode=checkout) (or the variable
    C(privx_checkout_check_mode=checkout)) to check out for real in check mode; releasing such a checkout rotates the
    password when its policy says C(rotate_on_release)."
  - Enable the callback with C(callbacks_enabled = privx.secrets.checkouts) in C(ansible.cfg), or
    E(ANSIBLE_CALLBACKS_ENABLED=privx.secrets.checkouts).
  - Use C(no_log) on tasks whose arguments or results would show the secret; the lookup itself never logs it.
    A failure of the lookup in such a task still shows its cause (never a secret); on ansible-core 2.16 to 2.18,
    which hide it, as a warning of the lookup's own.
  - The agent's directory is E(PRIVX_AGENT_DIR) when set, else C($XDG_RUNTIME_DIR/privx.secrets), else C(~/.ansible/privx).
  - Lookups of the same path with different connection options (another API client) get separate checkouts.
  - "Runs that share one API client share its checkouts: PrivX gives one API client one checkout per path and answers a
    second request with the active one, telling nobody. Runs of the same OS user on one machine (sharing the agent
    directory) tell each other which checkouts they use, in lease files in that directory: each lets go at its play's
    or run's end, and the last one releases the checkout. A run never releases a checkout created elsewhere: it warns
    once and leaves it to its creator or its expiry. Runs on different machines (or with different agent directories)
    outside AWX cannot see each other: give them O(release=expiry) or API clients of their own."
  - "With the default O(release=auto), situation by situation. One ansible-playbook run: released at the end of the
    play that used it. Runs at the same time on one machine: shared; the last run releases it. One AWX job, two AWX
    jobs at the same time with one credential, a sliced job (its slices share one checkout), a workflow (nodes at the
    same time share it; a later node gets it again while it is active): left to expire, so a C(rotate_on_release)
    password rotates once, at expiry. An ad hoc command: one play, released when it ends (in AWX: left to expire)."
  - "In AWX and other automation controllers every job is its own ansible-playbook run, on a node or in a container of
    its own, so jobs cannot see each other. Set C(privx_checkout_release=play) in the job template's extra variables
    when no other job uses the API client at the same time (no slicing, no simultaneous runs, no other template with
    the credential): the job's agent then releases its checkouts at the end of each play and when the job ends, even
    when it is cancelled. With V(expiry), choose a C(max_checkout_duration) longer than the longest job."
  - Connection variables (C(privx_url) and the others) may be templates and vault-encrypted values; they are rendered
    as ansible-core renders a connection plugin's variables.
  - O(target_domain) matches the domain's name without regard to letter case, as the modules do.
seealso:
  - module: privx.secrets.checkout_release
  - module: privx.secrets.account_secret_info
'''

EXAMPLES = r'''
- name: Write the application's configuration with its database password
  ansible.builtin.template:
    src: app.conf.j2
    dest: "{{ app_config_dir }}/app.conf"
    mode: "0600"
  vars:
    db_password: "{{ lookup('privx.secrets.checkout', 'corp.example.com/app_db') }}"
  no_log: true

- name: By target domain and username, with the whole checkout record
  ansible.builtin.set_fact:
    db_checkout: "{{ lookup('privx.secrets.checkout', target_domain='corp.example.com', username='app_db', output='checkout') }}"
  no_log: true

# Pass a secret in a module option that is no_log, never through environment: or a command line,
# which -vvv output and ps on the target would show.
# Connection options may be inventory variables instead of PRIVX_* environment variables: privx_url,
# privx_client_id, privx_client_secret and privx_oauth_client_secret (in a vault-encrypted group_vars file, say).
- name: Root of a host, by host and username (one checkout for the whole play, released when it ends)
  ansible.builtin.set_fact:
    web01_root_password: "{{ lookup('privx.secrets.checkout', host='web01', username='root') }}"
  no_log: true

- name: Post the password to the application's API
  ansible.builtin.uri:
    url: "{{ app_api_url }}/rotate-keys"   # https://app.example.com/api, say
    method: POST
    url_username: app_db
    url_password: "{{ lookup('privx.secrets.checkout', 'corp.example.com/app_db') }}"
    force_basic_auth: true
  no_log: true
'''

RETURN = r'''
_raw:
  description:
    - One entry per path, the current secret string, or with O(output=checkout) the checkout record.
  type: list
  elements: raw
'''

from ansible import constants as C

from ansible_collections.privx.secrets.plugins.module_utils.core.errors import PrivXError
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_connection import AgentConnection, first_time_in_run
from ansible_collections.privx.secrets.plugins.plugin_utils._agent_protocol import (
    CALLBACK_OFF_NOTICE,
    CHECK_MODE_NOTICE,
    CHECKOUT,
    LEAVE_TO_EXPIRY,
    RELEASE_AT_PLAY_END,
)
from ansible_collections.privx.secrets.plugins.plugin_utils._privx_lookup import PrivXLookupBase, display, flat_terms

# Variables AWX gives every job it runs (awx/main/models/unified_jobs.py in ansible/awx, awx_meta_vars): jobs,
# slices of a sliced job (which run as the nodes of a workflow job), workflow nodes and ad hoc commands.
AWX_JOB_VARIABLES = ('awx_job_id', 'tower_job_id')
CHECK_MODE_WARNING = ('privx.secrets: check mode: the checkout lookup returns a placeholder instead of each secret and checks '
                      'nothing out (a checkout would be released at the end, which rotates a password whose policy says '
                      'rotate_on_release). To check out for real in check mode, set the variable '
                      'privx_checkout_check_mode=checkout (or the lookup option check_mode=checkout).')
CALLBACK = 'privx.secrets.checkouts'
CALLBACK_OFF_WARNING = ('privx.secrets: the %s callback is not enabled, so the checkouts of this run are kept until the '
                        'run ends rather than released at the end of each play: enable it with callbacks_enabled = %s '
                        'in ansible.cfg (or ANSIBLE_CALLBACKS_ENABLED=%s)' % (CALLBACK, CALLBACK, CALLBACK))


def release_mode(choice, variables):
    """(the agent's release mode, why it is "expiry" or None) for the lookup's ``release`` option (see its documentation)."""
    if choice != 'auto':
        return choice, None
    job = next((variables[name] for name in AWX_JOB_VARIABLES if variables.get(name) is not None), None)
    if job is None:
        return RELEASE_AT_PLAY_END, None
    return LEAVE_TO_EXPIRY, ('release=auto in an AWX job (awx_job_id %s): other jobs with the same API client (the other '
                             'slices of a sliced job, jobs running at the same time) may be using this checkout, and no job '
                             'can see the others; set privx_checkout_release=play if no other job uses it at the same time' % job)


class LookupModule(PrivXLookupBase):

    FQCN = 'privx.secrets.checkout'

    def run(self, terms, variables=None, **kwargs):
        self.read_options(variables, kwargs)
        place, username = (self.get_option('target_domain'), self.get_option('host')), self.get_option('username')
        output = self.get_option('output')
        try:
            requests = self._requests(terms, place, username)
            if (variables or {}).get('ansible_check_mode') and self.get_option('check_mode') == 'placeholder':
                if first_time_in_run(CHECK_MODE_NOTICE):
                    display.warning(CHECK_MODE_WARNING)
                return [self.get_option('check_mode_placeholder') for _request in requests]
            release, reason = release_mode(self.get_option('release'), variables or {})
            connection = self.agent_connection()
            agent = AgentConnection()
            answers = [agent.request(CHECKOUT, connection=connection, output=output, release=release, reason=reason, **request)
                       for request in requests]
        except PrivXError as error:
            raise self.failure(str(error)) from None
        except OSError as error:  # the agent's directory or lock file, which name no plugin of their own
            raise self.failure('%s: %s' % (error.strerror or error.__class__.__name__, error.filename)) from None
        for answer in answers:
            if answer['warning']:
                display.warning(answer['warning'])
        if release == RELEASE_AT_PLAY_END and not _callback_enabled() and first_time_in_run(CALLBACK_OFF_NOTICE):
            display.warning(CALLBACK_OFF_WARNING)
        return [answer['value'] for answer in answers]

    @staticmethod
    def _requests(terms, place, username):
        """``place``: (target_domain, host) as given."""
        target_domain, host = place
        if target_domain or host or username:
            if terms:
                raise PrivXError('give secret paths or target_domain (or host) with username, not both')
            if target_domain and host:
                raise PrivXError('give target_domain or host, not both')
            if not ((target_domain or host) and username):
                raise PrivXError('target_domain (or host) and username go together: give both, or a secret path')
            return [{'target_domain': target_domain, 'username': username} if target_domain else {'host': host, 'username': username}]
        if not terms:
            raise PrivXError('give a secret path (or target_domain with username)')
        return [{'path': path} for path in flat_terms(terms, 'a secret path')]


def _callback_enabled():
    """Whether the run lets go of "play" checkouts at each play's end (the callback tells the agent when)."""
    return CALLBACK in (C.CALLBACKS_ENABLED or [])
