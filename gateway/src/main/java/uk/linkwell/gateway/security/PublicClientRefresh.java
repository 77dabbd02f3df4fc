package uk.linkwell.gateway.security;

import jakarta.servlet.http.HttpServletRequest;
import java.util.Map;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.oauth2.core.AuthorizationGrantType;
import org.springframework.security.oauth2.core.ClientAuthenticationMethod;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.endpoint.OAuth2ParameterNames;
import org.springframework.security.oauth2.server.authorization.authentication.OAuth2ClientAuthenticationToken;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClient;
import org.springframework.security.oauth2.server.authorization.client.RegisteredClientRepository;
import org.springframework.security.web.authentication.AuthenticationConverter;
import org.springframework.util.StringUtils;

/**
 * Lets a public app (no secret) use its refresh token: Spring Authorization Server identifies a public client only on
 * a PKCE code exchange. A refresh request that names a public client and carries no credentials is taken as that
 * client's; the refresh token itself is the proof, bound to the client it was issued to (Spring checks that) and
 * replaced on every use ({@code reuse-refresh-tokens: false}), as OAuth 2.1 asks for public clients.
 */
final class PublicClientRefresh {

    private PublicClientRefresh() {}

    /** A {@code grant_type=refresh_token} request with {@code client_id} and nothing else to authenticate it. */
    static final class Converter implements AuthenticationConverter {
        @Override
        public Authentication convert(HttpServletRequest request) {
            String[] clientIds = request.getParameterValues(OAuth2ParameterNames.CLIENT_ID);
            if (!"POST".equals(request.getMethod())
                    || !AuthorizationGrantType.REFRESH_TOKEN
                            .getValue()
                            .equals(request.getParameter(OAuth2ParameterNames.GRANT_TYPE))
                    || request.getHeader("Authorization") != null
                    || request.getParameter(OAuth2ParameterNames.CLIENT_SECRET) != null
                    || request.getParameter("client_assertion") != null
                    || clientIds == null
                    || clientIds.length != 1
                    || !StringUtils.hasText(clientIds[0])) {
                return null;
            }
            return new OAuth2ClientAuthenticationToken(
                    clientIds[0],
                    ClientAuthenticationMethod.NONE,
                    null,
                    Map.of(OAuth2ParameterNames.GRANT_TYPE, AuthorizationGrantType.REFRESH_TOKEN.getValue()));
        }
    }

    /** Accepts such a request for a registered public client, and only for the refresh grant. */
    static final class Provider implements AuthenticationProvider {

        private final RegisteredClientRepository clients;

        Provider(RegisteredClientRepository clients) {
            this.clients = clients;
        }

        @Override
        public Authentication authenticate(Authentication authentication) {
            OAuth2ClientAuthenticationToken request = (OAuth2ClientAuthenticationToken) authentication;
            if (!ClientAuthenticationMethod.NONE.equals(request.getClientAuthenticationMethod())
                    || !AuthorizationGrantType.REFRESH_TOKEN
                            .getValue()
                            .equals(request.getAdditionalParameters().get(OAuth2ParameterNames.GRANT_TYPE))) {
                return null;
            }
            RegisteredClient client = clients.findByClientId(String.valueOf(request.getPrincipal()));
            if (client == null || !client.getClientAuthenticationMethods().contains(ClientAuthenticationMethod.NONE)) {
                throw new OAuth2AuthenticationException(OAuth2ErrorCodes.INVALID_CLIENT);
            }
            return new OAuth2ClientAuthenticationToken(client, ClientAuthenticationMethod.NONE, null);
        }

        @Override
        public boolean supports(Class<?> authentication) {
            return OAuth2ClientAuthenticationToken.class.isAssignableFrom(authentication);
        }
    }
}
