package uk.linkwell.gateway.ingest.mllp;

import io.netty.channel.ChannelHandler;
import io.netty.handler.timeout.IdleStateHandler;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.camel.component.hl7.HL7MLLPNettyEncoderFactory;
import org.apache.camel.component.netty.ChannelHandlerFactory;
import org.apache.camel.component.netty.DefaultChannelHandlerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The MLLP framing of the listener's connections, as configured under {@code linkwell.hospital.mllp}. */
@Configuration
public class MllpConfig {

    /**
     * MLLP de-framing that hands the route the exact bytes (no decoding, no LF to CR rewriting) and holds the size
     * limit while it reads.
     */
    @Bean
    public ChannelHandlerFactory hospitalMllpDecoder(MllpProperties properties) {
        return new MllpFrameDecoder.Factory(properties.maxMessageBytes());
    }

    /** Signals a connection with nothing sent or received for {@code idle-timeout}; the decoder closes it. */
    @Bean
    public ChannelHandlerFactory hospitalMllpIdleTimeout(MllpProperties properties) {
        long millis = properties.idleTimeout().toMillis();
        return new DefaultChannelHandlerFactory() {
            @Override
            public ChannelHandler newChannelHandler() {
                return new IdleStateHandler(0, 0, millis, TimeUnit.MILLISECONDS);
            }
        };
    }

    /** MLLP framing of the ACKs, which the route builds as bytes. */
    @Bean
    public HL7MLLPNettyEncoderFactory hospitalMllpEncoder() {
        HL7MLLPNettyEncoderFactory encoder = new HL7MLLPNettyEncoderFactory();
        encoder.setConvertLFtoCR(false);
        encoder.setCharset(StandardCharsets.UTF_8);
        return encoder;
    }
}
