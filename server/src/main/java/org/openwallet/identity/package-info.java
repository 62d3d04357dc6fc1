/**
 * Users, sign-up, login and access tokens. Every {@code /v1} request except sign-up and login
 * carries a bearer token (an ES256-signed JWT) that names the user; controllers receive that user
 * as an {@link org.openwallet.identity.AuthenticatedUser} parameter.
 */
package org.openwallet.identity;
