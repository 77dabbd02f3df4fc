package uk.linkwell.gateway.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A plain MLLP client over a socket: frames each message (0x0B ... 0x1C 0x0D) and reads the framed answer. */
public final class MllpClient implements AutoCloseable {

    private final Socket socket;
    private final OutputStream out;
    private final InputStream in;

    public MllpClient(int port) throws IOException {
        this(new Socket("127.0.0.1", port));
    }

    /** Over a socket already connected, e.g. a TLS one. */
    public MllpClient(Socket connected) throws IOException {
        socket = connected;
        socket.setSoTimeout(60_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        in = new java.io.BufferedInputStream(socket.getInputStream());
    }

    /** Sends one framed message and returns the ACK as text. */
    public String send(byte[] message) throws IOException {
        sendOnly(message);
        return readAck();
    }

    public String send(String message) throws IOException {
        return send(message.getBytes(StandardCharsets.UTF_8));
    }

    public void sendOnly(byte[] message) throws IOException {
        byte[] frame = new byte[message.length + 3];
        frame[0] = 0x0B;
        System.arraycopy(message, 0, frame, 1, message.length);
        frame[frame.length - 2] = 0x1C;
        frame[frame.length - 1] = 0x0D;
        out.write(frame);
        out.flush();
    }

    public void writeRaw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    public String readAck() throws IOException {
        int b;
        while ((b = in.read()) != 0x0B) {
            if (b < 0) {
                throw new IOException("connection closed before an ACK");
            }
        }
        ByteArrayOutputStream ack = new ByteArrayOutputStream();
        while (true) {
            b = in.read();
            if (b < 0) {
                throw new IOException("connection closed inside an ACK");
            }
            if (b == 0x1C) {
                int end = in.read();
                if (end == 0x0D) {
                    return ack.toString(StandardCharsets.UTF_8);
                }
                ack.write(b);
                b = end;
            }
            ack.write(b);
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
