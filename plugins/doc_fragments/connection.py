# -*- coding: utf-8 -*-
# Copyright (c) privx.secrets contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import annotations


class ModuleDocFragment:
    """Connection options of every module (DOCUMENTATION) and plugin (PLUGINS adds env, ini and vars sources)."""

    DOCUMENTATION = r'''
options:
  url:
    description:
      - Base URL of PrivX, for example V(https://privx.example.com).
      - Scheme, host and port only; a path, a query or credentials (C(user:password@)) in it fail the task before any call.
      - Modules fall back to the environment variables E(PRIVX_URL), then E(PRIVX_API_BASE_URL).
    type: str
    required: true
  client_id:
    description:
      - API client ID of the PrivX API client.
      - Modules fall back to E(PRIVX_CLIENT_ID), then E(PRIVX_API_CLIENT_ID).
      - Give O(client_id), O(client_secret) and O(oauth_client_secret) together, or O(access_token), or O(exchange_token_file)
        or O(exchange_token) instead. A connection uses one of these three methods; two of them set fail the task before any call.
    type: str
  client_secret:
    description:
      - API client secret of the PrivX API client.
      - Modules fall back to E(PRIVX_CLIENT_SECRET), then E(PRIVX_API_CLIENT_SECRET).
    type: str
  oauth_client_id:
    description:
      - OAuth client ID of the API client, as PrivX shows it with the API client.
      - Modules fall back to E(PRIVX_OAUTH_CLIENT_ID), then E(PRIVX_API_OAUTH_CLIENT_ID).
    type: str
    default: privx-external
  oauth_client_secret:
    description:
      - OAuth client secret of the API client.
      - Modules fall back to E(PRIVX_OAUTH_CLIENT_SECRET), then E(PRIVX_API_OAUTH_CLIENT_SECRET).
    type: str
  access_token:
    description:
      - A ready OAuth2 bearer token to use instead of the API client credentials.
      - It is not renewed; when it expires, PrivX answers 401 and the task fails.
      - Modules fall back to E(PRIVX_ACCESS_TOKEN).
    type: str
  exchange_token:
    description:
      - A JWT from an issuer PrivX trusts (an identity provider, see M(privx.secrets.identity_provider)), which PrivX exchanges
        for its own token, so that no PrivX secret is stored anywhere. PrivX maps the token's subject to a user, whose roles decide what the task may do.
      - The PrivX token is renewed with the refresh token PrivX returns, and by exchanging the JWT again when that fails.
      - A JWT whose C(exp) has passed fails the task with one line saying when it expired, before any call.
      - Prefer O(exchange_token_file) for tokens that a platform renews.
      - Modules fall back to E(PRIVX_EXCHANGE_TOKEN).
    type: str
  exchange_token_file:
    description:
      - Path to a file holding the JWT to exchange, as O(exchange_token) does. It is read again at every token grant, so a platform
        may replace it while the run goes on (a Kubernetes projected service-account token, a CI job's id token, the file AWX injects).
      - Modules fall back to E(PRIVX_EXCHANGE_TOKEN_FILE).
    type: path
  exchange_scope:
    description:
      - The C(scope) sent with the token exchange; empty unless PrivX asks for one.
      - Modules fall back to E(PRIVX_EXCHANGE_SCOPE).
    type: str
  validate_certs:
    description:
      - Whether to verify PrivX's TLS certificate. Leave it on in production and use O(ca_path) for a private CA.
      - When it is V(false) (and O(ca_path) is not set), the run shows one warning saying so, however many hosts and tasks use it.
      - Modules fall back to E(PRIVX_VALIDATE_CERTS).
    type: bool
    default: true
  ca_path:
    description:
      - Path to a PEM file with the CA certificates that PrivX's certificate is verified against.
      - Modules fall back to E(PRIVX_CA_PATH).
    type: path
  timeout:
    description:
      - Seconds to wait for PrivX to answer one HTTP request.
      - Modules fall back to E(PRIVX_TIMEOUT).
    type: int
    default: 30
  retries:
    description:
      - How many times to retry a request after a connection error or an HTTP 429, 502, 503 or 504 answer.
      - Waits as long as PrivX's C(Retry-After) header asks, otherwise backs off exponentially with jitter.
      - Requests that change something are retried only when they cannot have reached PrivX.
      - Modules fall back to E(PRIVX_RETRIES).
    type: int
    default: 5
requirements:
  - "requests >= 2.25 (Python library, listed in the collection's C(requirements.txt)) on the host that runs the module:
    the controller with C(delegate_to: localhost) or C(connection: local), as the examples do. The lookup runs on the controller."
notes:
  - HTTP proxies come from the standard E(HTTPS_PROXY), E(HTTP_PROXY) and E(NO_PROXY) environment variables.
  - The API client needs a role that permits the calls the module makes; PrivX answers 403 otherwise and the task says so.
'''

    # Modules only: the connection variables the action plugin reads for them (plugins/action/connection_info.py), and
    # what it hands over (the run's agent, the progress file). The precedence note is the one place that states it for modules.
    MODULES = r'''
options:
  run_agent:
    description:
      - The socket of the run's checkout agent, which the collection's action plugin hands over when the module runs on
        the controller. The module asks the agent for the run's token of the API client given by the other connection
        options when it first calls PrivX, so that a run makes one token grant however many tasks use one API client.
        Not meant to be set in a task.
      - When the agent cannot be reached or PrivX rejects its token, the module makes a token grant of its own, once.
      - Ignored when O(access_token) is set.
    type: path
    version_added: 0.2.0
  progress_path:
    description:
      - A file where a module that waits (for a rotation, a scan) writes a line after each poll, which the collection's
        action plugin shows while the module runs on the controller. Set by the action plugin; not meant to be set in a task.
    type: path
    version_added: 0.2.0
notes:
  - "Each connection option comes from the first of these that is set: the task's option, C(module_defaults) (for
    example for the C(group/privx.secrets.privx) group), the C(privx_*) variable of the same name (C(privx_url),
    C(privx_client_id), ...; templated, vault-encrypted values too), the environment variables named with each option.
    The P(privx.secrets.checkout#lookup) lookup reads the same variables, so one set of C(privx_*) inventory variables
    serves both. An empty value counts as unset."
  - "The module runs where the task runs: on the controller with C(delegate_to: localhost) or C(connection: local),
    as the examples do. There it uses the run's token (see O(run_agent)); on another host it
    authenticates itself, with the environment variables of that host."
'''

    # Where plugins (the lookup) also read each option: this part names sources only, so that the types, defaults and
    # descriptions above are what ansible-doc shows for plugins too. Ansible takes the LAST environment variable of a
    # list that is set, so each list below names the preferred variable last: PRIVX_URL wins over PRIVX_API_BASE_URL.
    # ansible-core would read an empty PRIVX_VALIDATE_CERTS as false and fail on an empty PRIVX_TIMEOUT:
    # set_plugin_options (module_utils/module/options.py) keeps empty values out of its sight, as the modules treat them as unset.
    PLUGINS = r'''
options:
  url:
    env:
      - name: PRIVX_API_BASE_URL
      - name: PRIVX_URL
    ini:
      - section: privx
        key: url
    vars:
      - name: privx_url
  client_id:
    env:
      - name: PRIVX_API_CLIENT_ID
      - name: PRIVX_CLIENT_ID
    ini:
      - section: privx
        key: client_id
    vars:
      - name: privx_client_id
  client_secret:
    env:
      - name: PRIVX_API_CLIENT_SECRET
      - name: PRIVX_CLIENT_SECRET
    ini:
      - section: privx
        key: client_secret
    vars:
      - name: privx_client_secret
  oauth_client_id:
    env:
      - name: PRIVX_API_OAUTH_CLIENT_ID
      - name: PRIVX_OAUTH_CLIENT_ID
    ini:
      - section: privx
        key: oauth_client_id
    vars:
      - name: privx_oauth_client_id
  oauth_client_secret:
    env:
      - name: PRIVX_API_OAUTH_CLIENT_SECRET
      - name: PRIVX_OAUTH_CLIENT_SECRET
    ini:
      - section: privx
        key: oauth_client_secret
    vars:
      - name: privx_oauth_client_secret
  access_token:
    env:
      - name: PRIVX_ACCESS_TOKEN
    ini:
      - section: privx
        key: access_token
    vars:
      - name: privx_access_token
  exchange_token:
    env:
      - name: PRIVX_EXCHANGE_TOKEN
    ini:
      - section: privx
        key: exchange_token
    vars:
      - name: privx_exchange_token
  exchange_token_file:
    env:
      - name: PRIVX_EXCHANGE_TOKEN_FILE
    ini:
      - section: privx
        key: exchange_token_file
    vars:
      - name: privx_exchange_token_file
  exchange_scope:
    env:
      - name: PRIVX_EXCHANGE_SCOPE
    ini:
      - section: privx
        key: exchange_scope
    vars:
      - name: privx_exchange_scope
  validate_certs:
    env:
      - name: PRIVX_VALIDATE_CERTS
    ini:
      - section: privx
        key: validate_certs
    vars:
      - name: privx_validate_certs
  ca_path:
    env:
      - name: PRIVX_CA_PATH
    ini:
      - section: privx
        key: ca_path
    vars:
      - name: privx_ca_path
  timeout:
    env:
      - name: PRIVX_TIMEOUT
    ini:
      - section: privx
        key: timeout
    vars:
      - name: privx_timeout
  retries:
    env:
      - name: PRIVX_RETRIES
    ini:
      - section: privx
        key: retries
    vars:
      - name: privx_retries
notes:
  - "Each connection option comes from the first of these that is set: the lookup's keyword (for example
    C(timeout=60)), its C(privx_*) variable, its environment variable, the C([privx]) section of C(ansible.cfg), its default.
    Where an option has two environment variables, the one without C(API_) wins (E(PRIVX_URL) over E(PRIVX_API_BASE_URL)).
    An empty value counts as unset."
'''
