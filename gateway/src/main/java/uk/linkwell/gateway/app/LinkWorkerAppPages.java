package uk.linkwell.gateway.app;

import org.springframework.context.annotation.Configuration;
import org.springframework.web.servlet.config.annotation.ViewControllerRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Serves the link workers' web app at {@code /app/}: its built files are static resources under
 * {@code static/app} (built from {@code gateway/src/main/app} by the Maven build), and {@code /app/} answers its
 * index page, which is also where the sign-in sends the browser back with the authorization code.
 */
@Configuration(proxyBeanMethods = false)
public class LinkWorkerAppPages implements WebMvcConfigurer {

    /** Where the app is served; its registered redirect URI is this path on the gateway. */
    public static final String PATH = "/app/";

    @Override
    public void addViewControllers(ViewControllerRegistry registry) {
        registry.addRedirectViewController("/app", PATH);
        registry.addViewController(PATH).setViewName("forward:" + PATH + "index.html");
    }
}
