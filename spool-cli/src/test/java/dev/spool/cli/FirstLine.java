package dev.spool.cli;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CountDownLatch;

/** Collects what a command prints and opens a latch at the first line (a server's "serving on …"). */
final class FirstLine extends OutputStream {
    final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    final CountDownLatch line = new CountDownLatch(1);

    @Override
    public synchronized void write(int b) {
        bytes.write(b);
        if (b == '\n') {
            line.countDown();
        }
    }

    synchronized String text() {
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
