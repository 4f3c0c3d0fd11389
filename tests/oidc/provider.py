"""A real OpenID Connect provider on loopback for the tests: node's `oidc-provider` (tests/oidc/).

`npm ci`-style install happens once into tests/oidc/node_modules (gitignored) the first time a
session needs it; Debian's nodejs and npm come from scripts/setup.sh --test.
"""
from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import time
from pathlib import Path
from urllib.parse import urljoin

import requests

HERE = Path(__file__).resolve().parent
CLIENT_ID = "onboarding-tests"
CLIENT_SECRET = "a-client-secret-for-the-tests-only"


def ensure_installed() -> None:
    if (HERE / "node_modules" / "oidc-provider").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise RuntimeError("npm is missing: run scripts/setup.sh --test")
    subprocess.run([npm, "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True, timeout=600)


class OidcProvider:
    """Runs tests/oidc/provider.mjs with the given accounts; `issuer` is its URL."""

    def __init__(self, port: int, redirect_uris: list[str], accounts: dict[str, dict]):
        self.port, self.redirect_uris, self.accounts = port, redirect_uris, accounts
        self.issuer = f"http://127.0.0.1:{port}"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        ensure_installed()
        env = dict(os.environ, OIDC_PORT=str(self.port), OIDC_CLIENT_ID=CLIENT_ID, OIDC_CLIENT_SECRET=CLIENT_SECRET,
                   OIDC_REDIRECT_URIS=json.dumps(self.redirect_uris), OIDC_ACCOUNTS=json.dumps(self.accounts),
                   NODE_ENV="test")
        self.process = subprocess.Popen(["node", str(HERE / "provider.mjs")], cwd=HERE, env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(self.issuer + "/.well-known/openid-configuration", timeout=2).ok:
                    return
            except requests.ConnectionError:
                if self.process.poll() is not None:
                    output = self.process.stdout.read() or ""
                    raise RuntimeError("the OpenID provider did not start: " + output) from None
                time.sleep(0.1)
        raise RuntimeError("the OpenID provider did not answer within 30 s")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
            if self.process.stdout:
                self.process.stdout.close()


def sign_in_at_provider(authorize_url: str, login: str, stop_at: str) -> str:
    """Go through the provider's own sign-in and consent pages as a person would (any password);
    returns the URL it sends the browser back to (the first one starting with `stop_at`)."""
    session = requests.Session()
    url, method, data = authorize_url, "GET", None
    for _ in range(20):
        response = session.request(method, url, data=data, allow_redirects=False, timeout=10)
        if response.is_redirect:
            url, method, data = urljoin(url, response.headers["Location"]), "GET", None
            if url.startswith(stop_at):
                return url
            continue
        page = response.text
        action = re.search(r'<form[^>]*action="([^"]+)"', page)
        assert action, f"no form on the provider's page {url}: {page[:500]}"
        fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
        if 'name="login"' in page:
            fields.update(login=login, password="any password")
        url, method, data = urljoin(url, action.group(1)), "POST", fields
    raise AssertionError("the provider never sent the browser back")
