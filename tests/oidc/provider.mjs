// A local OpenID Connect provider for the single sign-on tests: the certified `oidc-provider`
// package with its development login screen, where any login name and any password sign in.
// The account of login name N has the subject N and the verified e-mail N@kommun.example,
// except that a name starting with "overifierad" gets an unverified e-mail.
//
// Settings from the environment: OIDC_PORT, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET and
// OIDC_REDIRECT_URI (the app's /oauth2callback). Prints "ready <issuer>" when it listens.
import Provider from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
const issuer = `http://127.0.0.1:${port}`;
const redirectUri = process.env.OIDC_REDIRECT_URI;

const provider = new Provider(issuer, {
  clients: [{
    client_id: process.env.OIDC_CLIENT_ID,
    client_secret: process.env.OIDC_CLIENT_SECRET,
    redirect_uris: [redirectUri],
    post_logout_redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
  }],
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  // The claims in the ID token itself, as Entra ID and most providers do.
  conformIdTokenClaims: false,
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  cookies: { keys: ['aktiv-test-provider-cookie-key-0123456789'] },
  async findAccount(_ctx, sub) {
    return {
      accountId: sub,
      async claims() {
        return {
          sub,
          email: `${sub}@kommun.example`,
          email_verified: !sub.startsWith('overifierad'),
          name: sub,
        };
      },
    };
  },
});
// Plain http on loopback: the provider otherwise insists on https for its own cookies.
provider.proxy = true;

provider.listen(port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});
