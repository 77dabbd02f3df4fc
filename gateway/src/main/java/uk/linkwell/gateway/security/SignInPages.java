package uk.linkwell.gateway.security;

import static org.springframework.web.util.HtmlUtils.htmlEscape;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.http.MediaType;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * The embedded server's two pages for people: sign in ({@code /login}, handled by Spring Security's form login) and
 * consent to what an app asks for ({@code /oauth2/consent}, answered to Spring Authorization Server's
 * {@code /oauth2/authorize}). Plain HTML with visible labels, no scripts, nothing fetched from elsewhere.
 */
@RestController
@ConditionalOnProperty(
        name = "linkwell.security.authorization-server.enabled",
        havingValue = "true",
        matchIfMissing = true)
public class SignInPages {

    static final String LOGIN_PATH = "/login";
    static final String CONSENT_PATH = "/oauth2/consent";

    private static final String STYLE = "body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;"
            + "padding:0 1rem;color:#1b1b1b;line-height:1.5}label{display:block;margin-top:1rem;font-weight:600}"
            + "input[type=text],input[type=password]{display:block;width:100%;padding:.5rem;font-size:1rem;"
            + "border:2px solid #505a5f;box-sizing:border-box}button{margin-top:1.5rem;padding:.6rem 1.2rem;"
            + "font-size:1rem;background:#005eb8;color:#fff;border:0}button.secondary{background:#4c6272}"
            + ".error{border-left:5px solid #d5281b;padding:.5rem 1rem;background:#fbe9e7}"
            + "fieldset{border:0;padding:0}fieldset label{font-weight:400}:focus{outline:3px solid #ffb81c}";

    @GetMapping(path = LOGIN_PATH, produces = MediaType.TEXT_HTML_VALUE)
    public String signIn(@RequestParam Optional<String> error, CsrfToken csrf) {
        String problem = error.isPresent()
                ? "<p class=\"error\" role=\"alert\">The username or password is not right. Try again.</p>"
                : "";
        return page(
                "Sign in to Linkwell",
                problem + "<form method=\"post\" action=\"" + LOGIN_PATH + "\">"
                        + "<label for=\"username\">Username</label>"
                        + "<input type=\"text\" id=\"username\" name=\"username\" autocomplete=\"username\" required autofocus>"
                        + "<label for=\"password\">Password</label>"
                        + "<input type=\"password\" id=\"password\" name=\"password\" autocomplete=\"current-password\" required>"
                        + hidden(csrf.getParameterName(), csrf.getToken())
                        + "<button type=\"submit\">Sign in</button></form>");
    }

    @GetMapping(path = CONSENT_PATH, produces = MediaType.TEXT_HTML_VALUE)
    public String consent(
            @RequestParam("client_id") String clientId,
            @RequestParam(name = "scope", defaultValue = "") String scope,
            @RequestParam("state") String state) {
        String boxes = Arrays.stream(scope.split(" "))
                .filter(s -> !s.isBlank() && !s.equals("openid"))
                .map(s -> "<label><input type=\"checkbox\" name=\"scope\" value=\"" + htmlEscape(s) + "\" checked> "
                        + htmlEscape(describe(s)) + " <code>" + htmlEscape(s) + "</code></label>")
                .collect(Collectors.joining());
        String fields = hidden("client_id", clientId) + hidden("state", state);
        return page(
                "Allow " + clientId + "?",
                "<p>The app <strong>" + htmlEscape(clientId) + "</strong> asks to act for you at Linkwell. Untick "
                        + "what it should not have; what you see there is still limited to your own caseload and "
                        + "to what people have consented to share.</p>"
                        + "<form method=\"post\" action=\"/oauth2/authorize\"><fieldset><legend>It may</legend>"
                        + boxes + "</fieldset>" + fields + "<button type=\"submit\">Allow</button></form>"
                        + "<form method=\"post\" action=\"/oauth2/authorize\">" + fields
                        + "<button type=\"submit\" class=\"secondary\">Deny</button></form>");
    }

    /** A scope in words: {@code user/Goal.rs} is "read and search Goal records". */
    static String describe(String scope) {
        switch (scope) {
            case "fhirUser":
                return "know who you are (your Practitioner record)";
            case "offline_access":
                return "stay signed in after you close it (a refresh token)";
            default:
                break;
        }
        return SmartScope.parse(scope)
                .map(s -> Arrays.stream(SmartScope.Permission.values())
                                .filter(s::grants)
                                .map(p -> p.name().toLowerCase(Locale.ROOT))
                                .collect(Collectors.joining(", "))
                        + " " + (s.resourceType().equals(SmartScope.ANY_TYPE) ? "any" : s.resourceType())
                        + " records")
                .orElse(scope);
    }

    private static String hidden(String name, String value) {
        return "<input type=\"hidden\" name=\"" + htmlEscape(name) + "\" value=\"" + htmlEscape(value) + "\">";
    }

    private static String page(String title, String body) {
        return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
                + "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>" + htmlEscape(title)
                + "</title><style>" + STYLE + "</style></head><body><main><h1>" + htmlEscape(title) + "</h1>" + body
                + "</main></body></html>";
    }
}
