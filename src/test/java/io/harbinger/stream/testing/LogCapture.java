package io.harbinger.stream.testing;

import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.LoggerConfig;
import org.apache.logging.log4j.core.config.Property;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.ArrayList;
import java.util.List;

/**
 * Every log line of this JVM, from every logger, at a level and above, with the stack traces of logged
 * exceptions: what tests read to prove that no secret reaches a log. Meanwhile the appenders of
 * log4j2-test.properties keep only WARN and above; {@link #finish} reloads that configuration.
 */
public final class LogCapture extends AbstractAppender {
    private final List<String> lines = new ArrayList<>();
    private final LoggerContext context;

    private LogCapture(LoggerContext context) {
        super("test-log-capture", null, null, true, Property.EMPTY_ARRAY);
        this.context = context;
    }

    public static LogCapture begin(Level level) {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        LogCapture capture = new LogCapture(context);
        capture.start();
        LoggerConfig root = context.getConfiguration().getRootLogger();
        root.getAppenders().values().forEach(a -> {
            root.removeAppender(a.getName());
            root.addAppender(a, Level.WARN, null);
        });
        root.addAppender(capture, level, null);
        root.setLevel(level);
        // io.harbinger has a level of its own in log4j2-test.properties; its events reach the root's appenders
        context.getConfiguration().getLoggerConfig("io.harbinger").setLevel(level);
        context.updateLoggers();
        return capture;
    }

    /** A throwable as printed in a log: message, stack and causes. */
    public static String stackTrace(Throwable t) {
        StringWriter out = new StringWriter();
        t.printStackTrace(new PrintWriter(out));
        return out.toString();
    }

    @Override
    public void append(LogEvent event) {
        StringBuilder line = new StringBuilder(event.getLoggerName()).append(' ')
                .append(event.getMessage().getFormattedMessage());
        if (event.getThrown() != null) {
            line.append('\n').append(stackTrace(event.getThrown()));
        }
        synchronized (lines) {
            lines.add(line.toString());
        }
    }

    public List<String> lines() {
        synchronized (lines) {
            return new ArrayList<>(lines);
        }
    }

    /** Back to log4j2-test.properties, as before {@link #begin}. */
    public void finish() {
        context.reconfigure();
        stop();
    }
}
