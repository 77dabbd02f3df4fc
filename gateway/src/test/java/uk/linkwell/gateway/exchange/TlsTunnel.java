package uk.linkwell.gateway.exchange;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;

/**
 * A TLS front for a plain TCP service (the test broker's AMQP port), as a broker's own TLS listener would be: it
 * requires a client certificate its trust store trusts, then relays bytes both ways to the service. Real sockets on
 * this machine; it keeps the subjects of the client certificates it accepted and counts the handshakes that failed.
 */
final class TlsTunnel implements AutoCloseable {

    private final SSLServerSocket server;
    private final String targetHost;
    private final int targetPort;
    private final ExecutorService relays = Executors.newCachedThreadPool();
    private final List<String> clientCertificates = new CopyOnWriteArrayList<>();
    private final AtomicInteger failedHandshakes = new AtomicInteger();

    TlsTunnel(SSLContext tls, String targetHost, int targetPort) {
        this(tls, targetHost, targetPort, false);
    }

    /** With {@code tls12Only}: TLS 1.2 alone, so a missing client certificate is refused inside the handshake. */
    TlsTunnel(SSLContext tls, String targetHost, int targetPort, boolean tls12Only) {
        this.targetHost = targetHost;
        this.targetPort = targetPort;
        try {
            server = (SSLServerSocket)
                    tls.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setNeedClientAuth(true);
        if (tls12Only) {
            server.setEnabledProtocols(new String[] {"TLSv1.2"});
        }
        relays.submit(this::accept);
    }

    int port() {
        return server.getLocalPort();
    }

    List<String> clientCertificates() {
        return List.copyOf(clientCertificates);
    }

    int failedHandshakes() {
        return failedHandshakes.get();
    }

    private void accept() {
        while (!server.isClosed()) {
            try {
                SSLSocket client = (SSLSocket) server.accept();
                relays.submit(() -> relay(client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void relay(SSLSocket client) {
        try {
            client.startHandshake();
            clientCertificates.add(client.getSession().getPeerPrincipal().getName());
        } catch (IOException e) {
            failedHandshakes.incrementAndGet();
            closeQuietly(client);
            return;
        }
        try {
            Socket target = new Socket(targetHost, targetPort);
            relays.submit(() -> pump(target.getInputStream(), client.getOutputStream(), client, target));
            pump(client.getInputStream(), target.getOutputStream(), client, target);
        } catch (IOException e) {
            closeQuietly(client);
        }
    }

    private static Void pump(InputStream from, OutputStream to, Socket a, Socket b) {
        byte[] buffer = new byte[16 * 1024];
        try {
            for (int n = from.read(buffer); n >= 0; n = from.read(buffer)) {
                to.write(buffer, 0, n);
                to.flush();
            }
        } catch (IOException e) {
            // One side went away: both are closed below.
        } finally {
            closeQuietly(a);
            closeQuietly(b);
        }
        return null;
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }

    @Override
    public void close() {
        closeQuietly0();
        relays.shutdownNow();
    }

    private void closeQuietly0() {
        try {
            server.close();
        } catch (IOException e) {
            // Closing anyway.
        }
    }
}
