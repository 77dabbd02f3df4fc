package uk.linkwell.gateway.exchange;

import ca.uhn.hl7v2.AcknowledgmentCode;
import ca.uhn.hl7v2.DefaultHapiContext;
import ca.uhn.hl7v2.HL7Exception;
import ca.uhn.hl7v2.HapiContext;
import ca.uhn.hl7v2.app.HL7Service;
import ca.uhn.hl7v2.model.Message;
import ca.uhn.hl7v2.protocol.ReceivingApplication;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A real HL7 v2 receiver for the {@code hl7v2-mllp} channel: HAPI HL7 v2's own MLLP server on a free port of this
 * machine, parsing what arrives with HAPI's default validation, keeping every message and answering {@code AA}, or
 * the codes queued with {@link #thenAnswer} first ({@code AE}, {@code AR}, with an error text).
 */
final class Hl7v2Receiver implements AutoCloseable {

    static final String ERROR_TEXT = "Receiver test refusal";

    private final HapiContext context = new DefaultHapiContext();
    private final HL7Service server;
    private final int port;
    private final List<Message> received = new CopyOnWriteArrayList<>();
    private final ConcurrentLinkedQueue<AcknowledgmentCode> answers = new ConcurrentLinkedQueue<>();

    Hl7v2Receiver() {
        try (ServerSocket probe = new ServerSocket(0)) {
            port = probe.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // ACK control ids from memory, not from HAPI's default counter file in the working directory.
        context.getParserConfiguration().setIdGenerator(new ca.uhn.hl7v2.util.idgenerator.InMemoryIDGenerator());
        server = context.newServer(port, false);
        server.registerApplication(new ReceivingApplication<Message>() {
            @Override
            public Message processMessage(Message message, Map<String, Object> metadata) throws HL7Exception {
                received.add(message);
                AcknowledgmentCode code = answers.poll();
                try {
                    return code == null || code == AcknowledgmentCode.AA
                            ? message.generateACK()
                            : message.generateACK(code, new HL7Exception(ERROR_TEXT));
                } catch (IOException e) {
                    throw new HL7Exception(e);
                }
            }

            @Override
            public boolean canProcess(Message message) {
                return true;
            }
        });
        try {
            server.startAndWait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Answers the next messages with these codes, in order, before going back to AA. */
    Hl7v2Receiver thenAnswer(AcknowledgmentCode... codes) {
        answers.addAll(List.of(codes));
        return this;
    }

    String address() {
        return "mllp://127.0.0.1:" + port;
    }

    List<Message> received() {
        return List.copyOf(received);
    }

    @Override
    public void close() {
        server.stopAndWait();
        try {
            context.close();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
