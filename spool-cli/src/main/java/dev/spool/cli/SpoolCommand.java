package dev.spool.cli;

import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code spool} command: the root of the sub-commands, and the one place that turns a failure
 * into the CLI's contract: one line {@code spool: <message>} on stderr and exit code 1 (2 for a
 * usage error), with the stack trace only under {@code --verbose}.
 *
 * <p>Records go to {@link #out}; notes, summaries and log lines go to {@link #err}, so stdout can
 * be piped. The streams are fields so tests run commands in-process ({@link #execute}).
 */
@Command(name = "spool", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT,
        versionProvider = SpoolCommand.Version.class,
        description = "A durable, segmented, append-only event log with Kafka's on-disk format.")
public final class SpoolCommand implements Runnable {
    /**
     * The commands, in the order help lists them. Picocli reads every option of every command it is
     * given, by reflection, before it parses a word: for the one command named on the line only that
     * one is given ({@link #commandLine}), which halves the start of a short command.
     */
    private static final Map<String, Class<?>> COMMANDS = commands();
    static final int EXIT_OK = 0;
    /** Whether logback, the command's logging binding, is on the class path (an embedding program may leave it out). */
    private static final boolean LOGBACK = classPresent("ch.qos.logback.classic.LoggerContext");
    static final int EXIT_ERROR = 1;
    static final int EXIT_USAGE = 2;

    final InputStream in;
    final PrintStream out;
    final PrintStream err;
    /** Whether {@link #in} is a person at a terminal who can answer a question ({@code spool repair} asks). */
    final boolean terminal;
    /** The global options written before the command ({@code spool --data-dir D topics list}). */
    @CommandLine.Mixin
    CommonOptions common;
    /** How the command logs; global, so written before or after the command. */
    @CommandLine.Mixin
    LogOptions logOptions;

    SpoolCommand(InputStream in, PrintStream out, PrintStream err) {
        this(in, out, err, false);
    }

    SpoolCommand(InputStream in, PrintStream out, PrintStream err, boolean terminal) {
        this.in = in;
        this.out = out;
        this.err = err;
        this.terminal = terminal;
    }

    @Override
    public void run() {
        throw new CommandLine.ParameterException(new CommandLine(this), "Missing command: try 'spool --help'");
    }

    public static void main(String[] args) {
        // Buffered: consume writes record by record, one system call each without a buffer.
        PrintStream out = new PrintStream(new java.io.BufferedOutputStream(
                new java.io.FileOutputStream(java.io.FileDescriptor.out), 1 << 16), false, StandardCharsets.UTF_8);
        // System.console() is null when stdin or stdout is not a terminal (a pipe, a script, a service).
        int code = execute(args, System.in, out, System.err, System.console() != null);
        out.flush();
        System.exit(code);
    }

    /** Sets the logging the command line (global options at any level) and SPOOL_LOG_* ask for, before the command runs. */
    private static void configureLogging(CommandLine.ParseResult parsed) {
        if (!LOGBACK) {
            return; // run inside another program with its own slf4j binding: its logging is its own
        }
        SpoolCommand root = (SpoolCommand) parsed.commandSpec().userObject();
        try {
            LogSetup.apply(LogSetup.settings(root.logOptions, root.common.verbose, System.getenv()), root.common.verbose);
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw new CommandLine.ParameterException(parsed.commandSpec().commandLine(), e.getMessage());
        }
    }

    private static boolean classPresent(String name) {
        try {
            Class.forName(name, false, SpoolCommand.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }

    private static Map<String, Class<?>> commands() {
        Map<String, Class<?>> commands = new LinkedHashMap<>();
        commands.put("topics", TopicsCommand.class);
        commands.put("produce", ProduceCommand.class);
        commands.put("consume", ConsumeCommand.class);
        commands.put("groups", GroupsCommand.class);
        commands.put("dump", DumpCommand.class);
        commands.put("verify", VerifyCommand.class);
        commands.put("repair", RepairCommand.class);
        commands.put("serve", ServeCommand.class);
        commands.put("users", UsersCommand.class);
        commands.put("warm-up", WarmUpCommand.class);
        return Collections.unmodifiableMap(commands);
    }

    /**
     * The command line for {@code root}: with only the command {@code args} name when they name one,
     * otherwise (no command, {@code help}, a typo that needs suggestions) with every command.
     */
    static CommandLine commandLine(SpoolCommand root, String... args) {
        CommandLine line = new CommandLine(root);
        String named = commandNamed(line.getCommandSpec(), args);
        boolean versionOnly = named == null && args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"));
        for (Map.Entry<String, Class<?>> command : COMMANDS.entrySet()) {
            if (!versionOnly && (named == null || named.equals(command.getKey()))) {
                line.addSubcommand(command.getKey(), command.getValue());
            }
        }
        if (named == null && !versionOnly) {
            line.addSubcommand("help", CommandLine.HelpCommand.class);
        }
        return line;
    }

    /**
     * The first word of {@code args} that is not one of {@code root}'s (global) options or its
     * value, if it names a command.
     */
    private static String commandNamed(CommandLine.Model.CommandSpec root, String[] args) {
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            if (arg.equals("--")) {
                return null;
            }
            if (arg.startsWith("-")) {
                CommandLine.Model.OptionSpec option = root.findOption(arg);
                if (!arg.contains("=") && option != null && option.arity().max() > 0) {
                    i++;
                }
                continue;
            }
            return COMMANDS.containsKey(arg) ? arg : null;
        }
        return null;
    }

    /** Runs one command line with the given streams and no terminal; returns the exit code. */
    public static int execute(String[] args, InputStream in, PrintStream out, PrintStream err) {
        return execute(args, in, out, err, false);
    }

    /** Runs one command line with the given streams; {@code terminal}: whether {@code in} is a person at a terminal. */
    static int execute(String[] args, InputStream in, PrintStream out, PrintStream err, boolean terminal) {
        CommandLine line = commandLine(new SpoolCommand(in, out, err, terminal), args);
        line.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
        line.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
        line.setParameterExceptionHandler((e, arguments) -> {
            String command = e.getCommandLine().getCommandSpec().qualifiedName();
            String guess = "";
            if (e instanceof CommandLine.UnmatchedArgumentException unmatched && !unmatched.getSuggestions().isEmpty()) {
                guess = "; did you mean '" + String.join("' or '", unmatched.getSuggestions()) + "'?";
            }
            err.println("spool: " + e.getMessage() + guess + " (see '" + command + " --help')");
            return EXIT_USAGE;
        });
        line.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
            boolean verbose = false;
            for (CommandLine.ParseResult result = parseResult; result != null; result = result.subcommand()) {
                verbose |= result.hasMatchedOption("--verbose");
            }
            err.println("spool: " + describe(e));
            if (verbose) {
                e.printStackTrace(err);
            }
            return EXIT_ERROR;
        });
        line.setExecutionStrategy(parsed -> {
            CommonOptions.propagate(parsed);
            configureLogging(parsed);
            return new CommandLine.RunLast().execute(parsed);
        });
        int code = line.execute(args);
        out.flush();
        err.flush();
        return code;
    }

    /** One line for any failure: the message, with the path of a file-system error made explicit. */
    static String describe(Throwable e) {
        if (e instanceof NoSuchFileException f) {
            return (f.getReason() == null ? "no such file" : f.getReason()) + ": " + f.getFile();
        }
        if (e instanceof AccessDeniedException f) {
            return "permission denied: " + f.getFile();
        }
        if (e instanceof FileSystemException f && f.getReason() != null) {
            return f.getReason() + ": " + f.getFile();
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName() + (e.getCause() == null ? "" : ": " + describe(e.getCause()));
        }
        return message.replace('\n', ' ');
    }

    /** The version from the jar's manifest, when packaged. */
    static final class Version implements CommandLine.IVersionProvider {
        /** The version of the kafka-clients library the server's protocol classes come from. */
        private static String kafkaVersion() {
            java.util.Properties properties = new java.util.Properties();
            try (InputStream in = SpoolCommand.class.getResourceAsStream("/kafka/kafka-version.properties")) {
                if (in != null) {
                    properties.load(in);
                }
            } catch (java.io.IOException e) {
                // fall through to "unknown"
            }
            return properties.getProperty("version", "(unknown)");
        }

        @Override
        public String[] getVersion() {
            String version = SpoolCommand.class.getPackage().getImplementationVersion();
            return new String[] {"spool " + (version == null ? "(development build: classes, not the jar)" : version),
                "Kafka protocol and log format of Apache Kafka " + kafkaVersion(),
                "Java " + Runtime.version() + " (" + System.getProperty("java.vm.name") + ")"};
        }
    }
}
