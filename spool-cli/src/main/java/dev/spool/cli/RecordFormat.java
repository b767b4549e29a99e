package dev.spool.cli;

import dev.spool.log.record.Record;
import java.io.PrintStream;

/** How {@code spool consume} writes one record: a format string ({@link FormatString}) or JSON ({@link JsonRecordFormat}). */
interface RecordFormat {
    /** Writes {@code record} of {@code topic}-{@code partition}, its line end included, to {@code out}. */
    void write(String topic, int partition, Record record, PrintStream out);
}
