package uk.linkwell.gateway.ingest.mllp;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.timeout.IdleStateEvent;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * MLLP de-framing for the hospital listener (0x0B, message, 0x1C 0x0D) that holds the size limit while bytes
 * arrive: each frame goes on as the exact bytes between the start block and the end block; a frame that passes
 * {@code linkwell.hospital.mllp.max-message-bytes} goes on as an {@link Oversized} with its first 64 KiB (so the
 * route can store it rejected and answer AR), and everything after it on that connection is dropped unread until
 * the route closes the connection behind the AR. Bytes that do not start a frame close the connection at once.
 */
// Not camel-hl7's HL7MLLPNettyDecoderFactory: its decoder is a netty DelimiterBasedFrameDecoder whose maximum frame
// length is fixed at Integer.MAX_VALUE (no setting), which searches the whole buffered frame again for the end
// block on every read (a 12 MB frame took 15.5 s), and which has no way to answer a frame it refuses.
final class MllpFrameDecoder extends ByteToMessageDecoder {

    static final byte START_BLOCK = 0x0B;
    static final byte END_BLOCK = 0x1C;
    static final byte CARRIAGE_RETURN = 0x0D;

    /** Line ends and blanks some senders put between frames, passed over; more than this is not MLLP. */
    static final int MAX_BYTES_BETWEEN_FRAMES = 1024;
    /**
     * How long a refused connection may stay open while the route stores the refusal and writes the AR (which
     * closes it); a backstop that only matters if no answer comes.
     */
    static final Duration REFUSED_CONNECTION_GRACE = Duration.ofSeconds(10);

    private static final Logger log = LoggerFactory.getLogger(MllpFrameDecoder.class);

    /** A frame over the limit: its first bytes (up to {@link MllpReception#OVERSIZE_KEPT_BYTES}) and how many were read. */
    record Oversized(byte[] head, long bytesRead) {}

    private enum State {
        BETWEEN_FRAMES,
        IN_FRAME,
        REFUSED
    }

    private final int maxMessageBytes;
    private State state = State.BETWEEN_FRAMES;
    private int bytesBetweenFrames;
    /** How far into the current frame the end block has already been looked for. */
    private int scanned;

    MllpFrameDecoder(int maxMessageBytes) {
        this.maxMessageBytes = maxMessageBytes;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        while (in.isReadable()) {
            switch (state) {
                case REFUSED -> in.skipBytes(in.readableBytes());
                case BETWEEN_FRAMES -> {
                    byte b = in.getByte(in.readerIndex());
                    if (b == START_BLOCK) {
                        in.skipBytes(1);
                        state = State.IN_FRAME;
                        scanned = 0;
                    } else if (isBlank(b) && bytesBetweenFrames < MAX_BYTES_BETWEEN_FRAMES) {
                        in.skipBytes(1);
                        bytesBetweenFrames++;
                    } else {
                        log.info(
                                "MLLP connection from {} closed: {} bytes that do not start with an MLLP start block",
                                ctx.channel().remoteAddress(),
                                in.readableBytes() + bytesBetweenFrames);
                        in.skipBytes(in.readableBytes());
                        state = State.REFUSED;
                        ctx.close();
                    }
                }
                case IN_FRAME -> {
                    if (!frame(ctx, in, out)) {
                        return;
                    }
                }
            }
        }
    }

    /** Takes the frame at the reader index if it is complete or over the limit; false when more bytes are needed. */
    private boolean frame(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        int start = in.readerIndex();
        int available = in.readableBytes();
        int end = start + available;
        // Only the bytes not looked at before; a trailing 0x1C is looked at again once its next byte is here.
        int from = start + scanned;
        int block;
        while ((block = in.indexOf(from, end, END_BLOCK)) >= 0 && block < end - 1) {
            if (in.getByte(block + 1) == CARRIAGE_RETURN) {
                int length = block - start;
                if (length > maxMessageBytes) {
                    refuse(ctx, in, out, length);
                    return false;
                }
                byte[] message = new byte[length];
                in.readBytes(message);
                in.skipBytes(2);
                out.add(message);
                state = State.BETWEEN_FRAMES;
                bytesBetweenFrames = 0;
                return true;
            }
            from = block + 1;
        }
        scanned = block == end - 1 ? available - 1 : available;
        if (available > maxMessageBytes) {
            refuse(ctx, in, out, available);
        }
        return false;
    }

    private void refuse(ChannelHandlerContext ctx, ByteBuf in, List<Object> out, int bytesRead) {
        byte[] head = new byte[Math.min(bytesRead, MllpReception.OVERSIZE_KEPT_BYTES)];
        in.getBytes(in.readerIndex(), head);
        in.skipBytes(in.readableBytes());
        state = State.REFUSED;
        // Nothing more is read from this connection: the sender's bytes wait in the kernel, not in the JVM, until
        // the AR is written and the connection closed.
        ctx.channel().config().setAutoRead(false);
        log.info(
                "MLLP frame from {} refused after {} bytes: over the limit of {} bytes; the rest is not read and the "
                        + "connection is closed after the AR",
                ctx.channel().remoteAddress(),
                bytesRead,
                maxMessageBytes);
        out.add(new Oversized(head, bytesRead));
        ctx.executor().schedule(() -> ctx.close(), REFUSED_CONNECTION_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    }

    private static boolean isBlank(byte b) {
        return b == CARRIAGE_RETURN || b == '\n' || b == ' ' || b == '\t';
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            log.info(
                    "MLLP connection from {} closed: nothing sent or received for longer than the idle timeout",
                    ctx.channel().remoteAddress());
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    /** A new decoder for each connection (it keeps the connection's framing state), for camel-netty's decoders. */
    static final class Factory extends DefaultChannelHandlerFactory {

        private final int maxMessageBytes;

        Factory(int maxMessageBytes) {
            this.maxMessageBytes = maxMessageBytes;
        }

        @Override
        public ChannelHandler newChannelHandler() {
            return new MllpFrameDecoder(maxMessageBytes);
        }
    }
}
