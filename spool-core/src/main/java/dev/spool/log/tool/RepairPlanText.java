package dev.spool.log.tool;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.OptionalLong;

/**
 * A {@link LogRepair.Plan} in words, in records and offsets (what a user can weigh), for the
 * question {@code spool repair} asks before it cuts. For example: "Partition orders-0: batch at
 * offsets 5000–5999 (1,000 records) in 00000000000000000000.log at position 123456 is corrupt
 * (CRC mismatch …). Repair keeps offsets 0–4999 and 6000–14999 and moves the damaged bytes to
 * 00000000000000000000.log.broken: offsets 5000–5999 (1,000 records) lost."
 */
final class RepairPlanText {
    private RepairPlanText() {
    }

    static String describe(LogRepair.Plan plan) {
        StringBuilder out = new StringBuilder("Partition " + plan.partition() + ": ");
        if (!plan.removesData()) {
            return out.append(plan.problem()).append(". Repair marks the missing offsets as lost with an empty batch,"
                    + " so that new records never reuse them; no data is removed.").toString();
        }
        String file = plan.segment().getFileName().toString();
        List<String> damaged = new ArrayList<>();
        for (SegmentSalvage.Damage damage : plan.damages()) {
            damaged.add(what(damage) + " in " + file + " at position " + damage.position() + " "
                    + (damaged.isEmpty() ? "is" : "are") + " corrupt (" + damage.problem() + ")");
        }
        out.append(String.join("; ", damaged)).append(". Repair keeps ");
        List<String> kept = keptRanges(plan);
        out.append(kept.isEmpty() ? "no offsets" : "offsets " + String.join(" and ", kept));
        out.append(" and moves the damaged bytes to ").append(file).append(".broken: ").append(lost(plan))
                .append(" lost.");
        return out.toString();
    }

    /** What the damage was: the batch its header names, or the bytes between the last and the next good offset. */
    private static String what(SegmentSalvage.Damage damage) {
        OptionalLong claimed = damage.claimedLastOffset();
        boolean claimFits = claimed.isPresent() && (damage.lastOffset().isEmpty()
                || claimed.getAsLong() == damage.lastOffset().getAsLong());
        if (claimFits) {
            return "batch at " + offsets(damage.firstOffset(), claimed.getAsLong());
        }
        String bytes = String.format(Locale.ROOT, "%,d damaged bytes", damage.bytes());
        if (damage.lastOffset().isEmpty()) {
            return bytes + " from offset " + damage.firstOffset() + " on (offsets unknown)";
        }
        if (damage.firstOffset() == 0) {
            return bytes + " (offsets unknown: those before offset " + (damage.lastOffset().getAsLong() + 1) + ")";
        }
        return bytes + " (offsets unknown: between the last good offset " + (damage.firstOffset() - 1)
                + " and the next good batch at " + (damage.lastOffset().getAsLong() + 1) + ")";
    }

    /** The offsets lost, as "offsets 5000–5999 (1,000 records)", joined by "and"; "no offsets" when none. */
    static String lost(LogRepair.Plan plan) {
        List<String> lost = new ArrayList<>();
        for (SegmentSalvage.Damage damage : plan.damages()) {
            if (damage.lastOffset().isPresent()) {
                if (damage.losesOffsets()) {
                    lost.add(offsets(damage.firstOffset(), damage.lastOffset().getAsLong()));
                }
            } else if (damage.claimedLastOffset().isPresent()) {
                lost.add(offsets(damage.firstOffset(), damage.claimedLastOffset().getAsLong()));
            } else {
                lost.add("the offsets from " + damage.firstOffset() + " on that the damaged bytes held");
            }
        }
        return lost.isEmpty() ? "no offsets" : String.join(" and ", lost);
    }

    /** The log's offsets the repair keeps, from the log's start to its end, around each damaged run. */
    private static List<String> keptRanges(LogRepair.Plan plan) {
        List<String> out = new ArrayList<>();
        long from = plan.logStart().orElse(plan.damages().get(0).firstOffset());
        for (SegmentSalvage.Damage damage : plan.damages()) {
            if (damage.firstOffset() > from) {
                out.add(span(from, damage.firstOffset() - 1));
            }
            if (damage.lastOffset().isEmpty()) {
                return out;
            }
            from = Math.max(from, damage.lastOffset().getAsLong() + 1);
        }
        long end = plan.logEnd().orElse(plan.kept().isEmpty() ? from
                : plan.kept().get(plan.kept().size() - 1).lastOffset() + 1);
        if (end > from) {
            out.add(span(from, end - 1));
        }
        return out;
    }

    /** "offsets 5000–5999 (1,000 records)", or "offset 7 (1 record)". */
    private static String offsets(long first, long last) {
        return (first == last ? "offset " : "offsets ") + span(first, last)
                + String.format(Locale.ROOT, " (%,d record%s)", last - first + 1, last == first ? "" : "s");
    }

    private static String span(long first, long last) {
        return first == last ? Long.toString(first) : first + "–" + last;
    }
}
