# This file is part of Coop ERP. Licensed under the GNU GPL v3 or later.
"""A client of CoopCycle's REST API (JSON-LD, API Platform)

OAuth2 client credentials (tokens last an hour; one that the server
refuses is renewed once) or an `ak_` API key; pages followed through
`hydra:view` / `hydra:next`. Only the standard library: the calls are few
and simple.
"""
import base64
import json
import urllib.error
import urllib.parse
import urllib.request

TIMEOUT = 30
SCOPES = 'tasks deliveries'


class APIError(Exception):
    "CoopCycle did not answer as expected: status (or None) and detail"

    def __init__(self, url, status, detail):
        super().__init__(f'{url}: {status} {detail}')
        self.url = url
        self.status = status
        self.detail = detail


class Client:
    """Calls one CoopCycle instance; token is (value, expires in seconds)
    from an earlier call, and on_token receives each new token"""

    def __init__(self, base_url, client_id=None, client_secret=None,
            api_key=None, token=None, on_token=None):
        self.base_url = base_url.rstrip('/')
        self.client_id = client_id
        self.client_secret = client_secret
        self.api_key = api_key
        self.token = token
        self.on_token = on_token or (lambda token, expires_in: None)

    def url(self, path):
        return urllib.parse.urljoin(self.base_url + '/', path.lstrip('/'))

    def _open(self, request):
        url = request.full_url
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                return json.loads(response.read() or b'null')
        except urllib.error.HTTPError as error:
            raise APIError(url, error.code, error.reason)
        except (urllib.error.URLError, OSError) as error:
            raise APIError(url, None, getattr(error, 'reason', error))
        except ValueError as error:
            raise APIError(url, None, f"not JSON: {error}")

    def fetch_token(self):
        "A new OAuth2 token by client credentials"
        credentials = base64.b64encode(
            f'{self.client_id}:{self.client_secret}'.encode()).decode()
        request = urllib.request.Request(
            self.url('/oauth2/token'), method='POST',
            data=urllib.parse.urlencode({
                    'grant_type': 'client_credentials',
                    'scope': SCOPES,
                    }).encode(),
            headers={
                'Authorization': f'Basic {credentials}',
                'Content-Type': 'application/x-www-form-urlencoded',
                'Accept': 'application/json',
                })
        answer = self._open(request)
        if not isinstance(answer, dict) or not answer.get('access_token'):
            raise APIError(request.full_url, None, "no access_token")
        self.token = answer['access_token']
        self.on_token(self.token, int(answer.get('expires_in') or 3600))
        return self.token

    def bearer(self):
        if self.api_key:
            return self.api_key
        return self.token or self.fetch_token()

    def get(self, path):
        "GET path (a path or an IRI), as JSON"
        def request():
            return urllib.request.Request(self.url(path), headers={
                    'Authorization': f'Bearer {self.bearer()}',
                    'Accept': 'application/ld+json',
                    })
        try:
            return self._open(request())
        except APIError as error:
            if error.status != 401 or self.api_key:
                raise
            # Expired or revoked: one new token, then give up
            self.fetch_token()
            return self._open(request())

    def pages(self, path):
        "The members of a collection, page after page"
        while path:
            page = self.get(path)
            yield from page.get('hydra:member', [])
            path = (page.get('hydra:view') or {}).get('hydra:next')

    def store_deliveries(self, store_id):
        return self.pages(f'/api/stores/{store_id}/deliveries')
