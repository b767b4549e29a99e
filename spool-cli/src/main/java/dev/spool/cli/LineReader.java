package dev.spool.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Arrays;

/**
 * {@code spool produce}'s reader of stdin: lines as bytes, with a bound: a line longer than {@code lineBytesMax} is reported by
 * {@link #tooLong()} after reading only that much of it, so a hostile stdin cannot exhaust memory.
 */
final class LineReader {
    private final InputStream in;
    private final int lineBytesMax;
    private byte[] line = new byte[256];
    private int length;
    private boolean tooLong;
    private boolean eof;

    LineReader(InputStream in, int lineBytesMax) {
        this.in = in;
        this.lineBytesMax = lineBytesMax;
    }

    /** Reads the next line; false at the end of input. */
    boolean next() throws IOException {
        length = 0;
        tooLong = false;
        if (eof) {
            return false;
        }
        while (true) {
            int b = in.read();
            if (b < 0) {
                eof = true;
                return length > 0;
            }
            if (b == '\n') {
                return true;
            }
            if (length == lineBytesMax) {
                tooLong = true;
                return true;
            }
            if (length == line.length) {
                line = Arrays.copyOf(line, (int) Math.min((long) line.length * 2, lineBytesMax));
            }
            line[length++] = (byte) b;
        }
    }

    boolean tooLong() {
        return tooLong;
    }

    byte[] bytes() {
        return line;
    }

    int length() {
        return length;
    }
}
