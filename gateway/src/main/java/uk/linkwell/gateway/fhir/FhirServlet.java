package uk.linkwell.gateway.fhir;

import ca.uhn.fhir.rest.server.RestfulServer;
import jakarta.servlet.ServletConfig;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import java.io.IOException;
import org.springframework.beans.factory.ObjectProvider;

/**
 * The servlet at {@code /fhir}: hands every request to HAPI's {@link RestfulServer}, which it looks up when the
 * servlet container initialises it (at web server start) rather than when the servlet is registered.
 *
 * <p>Why: Spring Boot creates servlet registrations, and every Servlet bean, while it creates the web server, before
 * it freezes the bean definitions. A registration holding the RestfulServer (or the RestfulServer as a bean of its
 * own, see {@link FhirRestServer}) made Spring build all of HAPI (its 146 DAOs and their providers, each with
 * dozens of autowired fields) at that point, when Spring does not yet cache which beans match a type: every
 * autowired field scanned all bean definitions. JFR of a start: 8.5 s of the main thread. Built later, with the
 * rest of the singletons, the same work uses Spring's type cache.
 */
public class FhirServlet extends HttpServlet {

    private final transient ObjectProvider<FhirRestServer> server;
    private transient RestfulServer delegate;

    public FhirServlet(ObjectProvider<FhirRestServer> server) {
        this.server = server;
    }

    @Override
    public void init(ServletConfig config) throws ServletException {
        super.init(config);
        delegate = server.getObject().server();
        delegate.init(config);
    }

    @Override
    public void service(ServletRequest request, ServletResponse response) throws ServletException, IOException {
        delegate.service(request, response);
    }

    @Override
    public void destroy() {
        if (delegate != null) {
            delegate.destroy();
        }
    }
}
