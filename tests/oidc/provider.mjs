// A real OpenID Connect provider for the tests (node oidc-provider with its built-in sign-in pages).
// Reads its settings from the environment; prints "ready <issuer>" once it listens on loopback.
//   OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, OIDC_REDIRECT_URIS (a JSON list),
//   OIDC_ACCOUNTS = {"login": {"email": ..., "email_verified": true, "name": ...}, ...}
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const accounts = JSON.parse(process.env.OIDC_ACCOUNTS || '{}');

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: JSON.parse(process.env.OIDC_REDIRECT_URIS),
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  scopes: ['openid', 'email', 'profile'],
  // Claims in the ID token itself, as many company providers send them.
  conformIdTokenClaims: false,
  pkce: { methods: ['S256'], required: () => true },
  features: { devInteractions: { enabled: true } },
  cookies: { keys: ['onboarding-test-provider-cookie-key'] },
  async findAccount(ctx, id) {
    const claims = accounts[id] || { email: `${id}@unknown.example`, email_verified: false, name: id };
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});

provider.listen(port, '127.0.0.1', () => { console.log(`ready ${issuer}`); });
