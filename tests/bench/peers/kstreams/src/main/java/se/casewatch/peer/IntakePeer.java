package se.casewatch.peer;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.TimestampExtractor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The Kafka Streams peer of casewatch's benchmark suite (issue 20 item 5):
 * the three intake rules of the Swedish rule pack (EVENTS.md §2-4),
 * protection_assessment_immediate, preassessment_14d and
 * investigation_4_months, as a Kafka Streams application written the usual
 * way: input keyed by case, a persistent per-case state store (RocksDB,
 * changelogged), a deadline store keyed by (fire instant, case) scanned by a
 * stream-time and a wall-clock punctuator, JSON CloudEvents in, JSON alerts
 * out with casewatch's alert ids (SHA-256 over case, rule, subject, due,
 * kind joined by 0x1f, first 16 bytes in hex).
 *
 * The holiday calendar is data: a file of YYYY-MM-DD lines dumped by
 * casewatch-calendar. The wall clock is the machine's, or the RFC 3339
 * instant in a clock file (as casewatch-processor's processor.clock_file); it
 * counts only on an idle task (no record for 2 s), as casewatch counts it only
 * on a caught-up partition.
 *
 * Not done (the peer covers the intake rules only): de-duplication by event
 * id, rejection of malformed events to a DLQ, the other rules.
 *
 * Usage: IntakePeer BOOTSTRAP INPUT OUTPUT APP_ID STATE_DIR HOLIDAYS [CLOCK_FILE]
 */
public final class IntakePeer {
    static final ZoneId ZONE = ZoneId.of("Europe/Stockholm");
    static final int GENAST_CUTOFF_SEC = 16 * 3600;
    static final String[] RULES = {"protection_assessment_immediate", "preassessment_14d",
                                   "investigation_4_months"};
    static final String[] SEVERITY = {"critical", "high", "high"};
    static final int[] WARN_DAYS = {-1, 3, 14};
    static final boolean[] ROLL = {false, true, true};
    static final int PAI = 0, PRE = 1, INV = 2;
    static final byte WARN = 0, BREACH = 1, BREACHED = 2;
    static final long NONE = Long.MAX_VALUE;
    static final int NO_DATE = Integer.MIN_VALUE;
    static Set<Long> holidays = new HashSet<>();

    /** One open obligation; dates as epoch days. */
    static final class Obligation {
        byte rule;
        String subject;
        int start, nominal, due, lateDue = NO_DATE, lateNominal = NO_DATE;
        byte phase;

        long expiry() { return dayStart(due + 1); }
        long warnAt() { return dayStart(nominal - WARN_DAYS[rule]); }
        long fireAt() {
            return phase == WARN ? warnAt() : phase == BREACH ? expiry() : NONE;
        }
        void setDue(int nom) {
            nominal = nom;
            due = ROLL[rule] ? rollForward(nom) : nom;
            phase = WARN_DAYS[rule] >= 0 && warnAt() < expiry() ? WARN : BREACH;
        }
    }

    /** A case: its open obligations, and the deadline-store entry it holds. */
    static final class CaseState {
        long scheduled = NONE;
        List<Obligation> obs = new ArrayList<>(2);

        long nextFire() {
            long m = NONE;
            for (Obligation o : obs)
                m = Math.min(m, o.fireAt());
            return m;
        }
        Obligation find(int rule, String subject) {
            for (Obligation o : obs)
                if (o.rule == rule && o.subject.equals(subject))
                    return o;
            return null;
        }
    }

    /** A compact binary serde for the case store. */
    static final class CaseSerde implements Serializer<CaseState>, Deserializer<CaseState> {
        @Override
        public void close() {}

        @Override
        public void configure(java.util.Map<String, ?> configs, boolean isKey) {}

        @Override
        public byte[] serialize(String topic, CaseState c) {
            if (c == null)
                return null;
            try {
                ByteArrayOutputStream b = new ByteArrayOutputStream(64);
                DataOutputStream o = new DataOutputStream(b);
                o.writeLong(c.scheduled);
                o.writeByte(c.obs.size());
                for (Obligation x : c.obs) {
                    o.writeByte(x.rule);
                    o.writeByte(x.phase);
                    o.writeUTF(x.subject);
                    o.writeInt(x.start);
                    o.writeInt(x.nominal);
                    o.writeInt(x.due);
                    o.writeInt(x.lateDue);
                    o.writeInt(x.lateNominal);
                }
                return b.toByteArray();
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public CaseState deserialize(String topic, byte[] data) {
            if (data == null)
                return null;
            try {
                DataInputStream i = new DataInputStream(new ByteArrayInputStream(data));
                CaseState c = new CaseState();
                c.scheduled = i.readLong();
                int n = i.readByte();
                for (int k = 0; k < n; k++) {
                    Obligation x = new Obligation();
                    x.rule = i.readByte();
                    x.phase = i.readByte();
                    x.subject = i.readUTF();
                    x.start = i.readInt();
                    x.nominal = i.readInt();
                    x.due = i.readInt();
                    x.lateDue = i.readInt();
                    x.lateNominal = i.readInt();
                    c.obs.add(x);
                }
                return c;
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
        }
    }

    static long dayStart(int epochDay) {
        return LocalDate.ofEpochDay(epochDay).atStartOfDay(ZONE).toInstant().toEpochMilli();
    }

    static int localDate(long ms) {
        return (int)java.time.Instant.ofEpochMilli(ms).atZone(ZONE).toLocalDate().toEpochDay();
    }

    static int rollForward(int d) {
        while (true) {
            LocalDate l = LocalDate.ofEpochDay(d);
            int dow = l.getDayOfWeek().getValue();
            if (dow < 6 && !holidays.contains((long)d))
                return d;
            d++;
        }
    }

    static final char[] HEX = "0123456789abcdef".toCharArray();

    static String alertId(String caseId, String rule, String subject, String due, String kind) {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            String s = caseId + '\u001f' + rule + '\u001f' + subject + '\u001f' + due + '\u001f' + kind;
            byte[] h = md.digest(s.getBytes(StandardCharsets.UTF_8));
            char[] out = new char[32];
            for (int i = 0; i < 16; i++) {
                out[2 * i] = HEX[(h[i] >> 4) & 15];
                out[2 * i + 1] = HEX[h[i] & 15];
            }
            return new String(out);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Event time from the JSON without a full parse (record timestamps are the producer's). */
    public static final class EventTime implements TimestampExtractor {
        @Override
        public long extract(ConsumerRecord<Object, Object> r, long partitionTime) {
            String v = (String)r.value();
            int i = v == null ? -1 : v.indexOf("\"time\":\"");
            if (i < 0)
                return partitionTime;
            int j = v.indexOf('"', i + 8);
            try {
                return OffsetDateTime.parse(v.substring(i + 8, j)).toInstant().toEpochMilli();
            } catch (RuntimeException e) {
                return partitionTime;
            }
        }
    }

    static final class Intake implements Processor<String, String, String, String> {
        private final ObjectMapper json = new ObjectMapper();
        private final Path clockFile;
        private ProcessorContext<String, String> ctx;
        private KeyValueStore<String, CaseState> cases;
        private KeyValueStore<Bytes, byte[]> deadlines;
        private long clock = Long.MIN_VALUE; /* the task's stream time, as casewatch's */
        private long lastRecordWall;

        Intake(Path clockFile) { this.clockFile = clockFile; }

        @Override
        public void init(ProcessorContext<String, String> context) {
            ctx = context;
            cases = context.getStateStore("cases");
            deadlines = context.getStateStore("deadlines");
            lastRecordWall = System.currentTimeMillis();
            context.schedule(Duration.ofHours(1), PunctuationType.STREAM_TIME, t -> {
                clock = Math.max(clock, t);
                fireDue(clock);
            });
            context.schedule(Duration.ofSeconds(1), PunctuationType.WALL_CLOCK_TIME, t -> {
                if (System.currentTimeMillis() - lastRecordWall < 2000)
                    return; /* not idle: the stream's clock rules */
                long wall = wallClock(t);
                if (wall > clock) {
                    clock = wall;
                    fireDue(clock);
                }
            });
        }

        private long wallClock(long now) {
            if (clockFile == null)
                return now;
            try {
                String s = Files.readString(clockFile).trim();
                return s.isEmpty() ? Long.MIN_VALUE : OffsetDateTime.parse(s).toInstant().toEpochMilli();
            } catch (IOException | RuntimeException e) {
                return Long.MIN_VALUE;
            }
        }

        private static Bytes deadlineKey(long at, String caseId) {
            byte[] c = caseId.getBytes(StandardCharsets.UTF_8);
            byte[] k = new byte[8 + c.length];
            long v = at ^ Long.MIN_VALUE; /* signed order as unsigned bytes */
            for (int i = 0; i < 8; i++)
                k[i] = (byte)(v >>> (56 - 8 * i));
            System.arraycopy(c, 0, k, 8, c.length);
            return Bytes.wrap(k);
        }

        /** Every case with something due by now, from the deadline store. */
        private void fireDue(long now) {
            List<String> due = new ArrayList<>();
            try (KeyValueIterator<Bytes, byte[]> it =
                     deadlines.range(deadlineKey(Long.MIN_VALUE, ""), deadlineKey(now, "\uffff"))) {
                while (it.hasNext()) {
                    byte[] k = it.next().key.get();
                    due.add(new String(k, 8, k.length - 8, StandardCharsets.UTF_8));
                }
            }
            for (String caseId : due) {
                CaseState c = cases.get(caseId);
                if (c == null)
                    continue;
                advance(caseId, c, now);
                save(caseId, c);
            }
        }

        private void advance(String caseId, CaseState c, long now) {
            for (Obligation o : c.obs) {
                while (o.fireAt() <= now) {
                    if (o.phase == WARN && now < o.expiry()) {
                        emit(caseId, o, "warning", o.due, o.nominal, now, 0, null);
                        o.phase = BREACH;
                    } else {
                        emit(caseId, o, "breach", o.due, o.nominal, now,
                             localDate(now) - o.due, null);
                        o.phase = BREACHED;
                    }
                }
            }
        }

        private void save(String caseId, CaseState c) {
            long next = c.nextFire();
            if (next != c.scheduled) {
                if (c.scheduled != NONE)
                    deadlines.delete(deadlineKey(c.scheduled, caseId));
                if (next != NONE)
                    deadlines.put(deadlineKey(next, caseId), new byte[0]);
                c.scheduled = next;
            }
            if (c.obs.isEmpty())
                cases.delete(caseId);
            else
                cases.put(caseId, c);
        }

        private void emit(String caseId, Obligation o, String kind, int due, int nominal, long now,
                          int overdue, String eventId) {
            String rule = RULES[o.rule];
            String dueS = LocalDate.ofEpochDay(due).toString();
            StringBuilder b = new StringBuilder(320);
            b.append("{\"id\":\"").append(alertId(caseId, rule, o.subject, dueS, kind))
                .append("\",\"kind\":\"").append(kind)
                .append("\",\"rule\":\"").append(rule)
                .append("\",\"severity\":\"").append(SEVERITY[o.rule])
                .append("\",\"case\":\"").append(caseId)
                .append("\",\"subject\":\"").append(o.subject)
                .append("\",\"start\":\"").append(LocalDate.ofEpochDay(o.start))
                .append("\",\"due\":\"").append(dueS).append('"');
            if (nominal != due)
                b.append(",\"nominal_due\":\"").append(LocalDate.ofEpochDay(nominal)).append('"');
            b.append(",\"at\":\"").append(java.time.Instant.ofEpochMilli(now))
                .append("\",\"days_overdue\":").append(overdue);
            if (eventId != null)
                b.append(",\"events\":[\"").append(eventId).append("\"]");
            b.append('}');
            ctx.forward(new Record<>(caseId, b.toString(), System.currentTimeMillis()));
        }

        private void start(CaseState c, int rule, String subject, long t, int nominal) {
            Obligation old = c.find(rule, subject);
            if (old != null)
                c.obs.remove(old);
            Obligation o = new Obligation();
            o.rule = (byte)rule;
            o.subject = subject;
            o.start = localDate(t);
            o.setDue(nominal);
            c.obs.add(o);
        }

        private void satisfy(String caseId, CaseState c, int rule, String subject, long t,
                             long now, String eventId) {
            Obligation o = c.find(rule, subject);
            if (o == null)
                return;
            boolean afterExpiry = o.phase == BREACHED && t >= o.expiry();
            if (o.lateDue != NO_DATE)
                emit(caseId, o, "resolved", o.lateDue, o.lateNominal, now, localDate(t) - o.lateDue,
                     eventId);
            if (o.phase == BREACHED) {
                if (afterExpiry)
                    emit(caseId, o, "resolved", o.due, o.nominal, now, localDate(t) - o.due, eventId);
                else
                    emit(caseId, o, "withdrawn", o.due, o.nominal, now, 0, eventId);
            }
            c.obs.remove(o);
        }

        private void extend(String caseId, CaseState c, int rule, String subject, long t, long now,
                            String until, String eventId) {
            Obligation o = c.find(rule, subject);
            if (o == null || until == null)
                return;
            if (o.phase == BREACHED && t < o.expiry()) {
                emit(caseId, o, "withdrawn", o.due, o.nominal, now, 0, eventId);
            } else if (o.phase == BREACHED && o.lateDue == NO_DATE) {
                o.lateDue = o.due;
                o.lateNominal = o.nominal;
            }
            o.setDue((int)LocalDate.parse(until).toEpochDay());
            emit(caseId, o, "extended", o.due, o.nominal, now, 0, eventId);
        }

        @Override
        public void process(Record<String, String> r) {
            lastRecordWall = System.currentTimeMillis();
            JsonNode ev;
            try {
                ev = json.readTree(r.value());
            } catch (IOException e) {
                return; /* the peer has no DLQ */
            }
            String type = ev.path("type").asText("");
            String caseId = ev.path("subject").asText(r.key());
            String eventId = ev.path("id").asText("");
            JsonNode data = ev.path("data");
            long t = r.timestamp();
            clock = Math.max(clock, t);
            long now = clock;
            String report = data.hasNonNull("report_id") ? "report:" + data.get("report_id").asText() : null;
            String inv = data.hasNonNull("investigation_id")
                ? "investigation:" + data.get("investigation_id").asText() : null;
            CaseState c = cases.get(caseId);
            boolean fresh = c == null;
            if (fresh)
                c = new CaseState();
            else
                advance(caseId, c, now);
            switch (type.startsWith("se.casewatch.") ? type.substring(13) : type) {
            case "report.received":
                if (report == null)
                    break;
                int start = localDate(t);
                int sod = java.time.Instant.ofEpochMilli(t).atZone(ZONE).toLocalTime().toSecondOfDay();
                start(c, PAI, report, t, start + (sod >= GENAST_CUTOFF_SEC ? 1 : 0));
                start(c, PRE, report, t, (int)LocalDate.ofEpochDay(start).plusDays(14).toEpochDay());
                break;
            case "protection.assessed":
                if (report != null)
                    satisfy(caseId, c, PAI, report, t, now, eventId);
                break;
            case "investigation.opened":
                if (report != null)
                    satisfy(caseId, c, PRE, report, t, now, eventId);
                if (inv != null)
                    start(c, INV, inv, t,
                          (int)LocalDate.ofEpochDay(localDate(t)).plusMonths(4).toEpochDay());
                break;
            case "investigation.not_opened":
            case "report.joined":
                if (report != null)
                    satisfy(caseId, c, PRE, report, t, now, eventId);
                break;
            case "preassessment.extended":
                if (report != null)
                    extend(caseId, c, PRE, report, t, now, data.path("until").asText(null), eventId);
                break;
            case "investigation.extended":
                if (inv != null)
                    extend(caseId, c, INV, inv, t, now, data.path("until").asText(null), eventId);
                break;
            case "investigation.concluded":
                if (inv != null)
                    satisfy(caseId, c, INV, inv, t, now, eventId);
                break;
            default:
                break;
            }
            advance(caseId, c, now);
            if (fresh && c.obs.isEmpty())
                return;
            save(caseId, c);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 6) {
            System.err.println("usage: IntakePeer BOOTSTRAP INPUT OUTPUT APP_ID STATE_DIR HOLIDAYS [CLOCK_FILE]");
            System.exit(2);
        }
        for (String line : Files.readAllLines(Path.of(args[5]))) {
            line = line.trim();
            if (line.length() >= 10)
                holidays.add(LocalDate.parse(line.substring(0, 10)).toEpochDay());
        }
        Path clockFile = args.length > 6 ? Path.of(args[6]) : null;
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, args[3]);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, args[0]);
        p.put(StreamsConfig.STATE_DIR_CONFIG, args[4]);
        p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG, EventTime.class);
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
        p.put(StreamsConfig.producerPrefix("compression.type"), "lz4");
        p.put(StreamsConfig.producerPrefix("linger.ms"), 20);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG), 20);
        /* As the suite's casewatch-processor: a restarted instance does not
         * wait out a long session of the member before it. */
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG), 6000);
        p.put(StreamsConfig.consumerPrefix(ConsumerConfig.HEARTBEAT_INTERVAL_MS_CONFIG), 500);

        Serde<CaseState> caseSerde = Serdes.serdeFrom(new CaseSerde(), new CaseSerde());
        Topology topo = new Topology();
        topo.addSource("in", Serdes.String().deserializer(), Serdes.String().deserializer(), args[1]);
        topo.addProcessor("intake", () -> new Intake(clockFile), "in");
        topo.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("cases"),
                                                       Serdes.String(), caseSerde), "intake");
        topo.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("deadlines"),
                                                       Serdes.Bytes(), Serdes.ByteArray()), "intake");
        topo.addSink("out", args[2], Serdes.String().serializer(), Serdes.String().serializer(),
                     "intake");

        KafkaStreams streams = new KafkaStreams(topo, p);
        long t0 = System.currentTimeMillis();
        streams.setStateListener((n, o) -> {
            System.err.println("peer: state " + o + " -> " + n + " at +"
                               + (System.currentTimeMillis() - t0) + " ms");
        });
        streams.setUncaughtExceptionHandler(e -> {
            e.printStackTrace();
            return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
        });
        /* Leave the group on close, so that a restarted instance is not held
         * back by the session timeout of the old one. */
        Runtime.getRuntime().addShutdownHook(new Thread(() -> streams.close(
            new KafkaStreams.CloseOptions().timeout(Duration.ofSeconds(30)).leaveGroup(true))));
        streams.start();
        Thread.currentThread().join();
    }
}
