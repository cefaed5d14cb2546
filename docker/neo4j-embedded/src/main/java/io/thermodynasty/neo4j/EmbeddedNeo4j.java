package io.thermodynasty.neo4j;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;

import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.io.ByteUnit;

/**
 * Runs an embedded Neo4j (community edition) that speaks Bolt on a loopback port, so the test
 * suite and local development get a real graph server without Docker or a Neo4j download.
 *
 * <p>Every option is a {@code --flag value} argument or, failing that, an environment variable:
 *
 * <pre>
 *   --home DIR          NEO4J_HOME_DIR         required: database home (data/, logs/ go inside)
 *   --host ADDR         NEO4J_BOLT_HOST        default 127.0.0.1
 *   --port N            NEO4J_BOLT_PORT        default 7687
 *   --auth SPEC         NEO4J_AUTH             "none" or "neo4j/&lt;password&gt;" (default neo4j/thermo-neo4j)
 *   --pagecache SIZE    NEO4J_PAGECACHE        default 128m
 *   --ready-file FILE   NEO4J_READY_FILE       default HOME/ready; written once Bolt accepts connections
 *   --conf FILE         NEO4J_CONF_FILE        optional neo4j.conf-style properties, applied first
 * </pre>
 *
 * <p>Once Bolt accepts connections it prints {@code READY bolt://host:port} on stdout and writes the
 * same line to the ready file. SIGTERM/SIGINT run a shutdown hook that closes the databases cleanly
 * and removes the ready file.
 */
public final class EmbeddedNeo4j {

    private static final String DEFAULT_USER = "neo4j";

    private EmbeddedNeo4j() {
    }

    public static void main(String[] args) throws Exception {
        Options options = Options.parse(args);
        long startedAt = System.nanoTime();
        DatabaseManagementService dbms = buildService(options);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> shutdown(dbms, options), "neo4j-shutdown"));
        if (options.password != null) {
            setPassword(dbms, options.password);
        }
        awaitBolt(options.host, options.port, Duration.ofSeconds(60));
        long millis = (System.nanoTime() - startedAt) / 1_000_000;
        String ready = "READY bolt://" + options.host + ":" + options.port
                + " auth=" + (options.password == null ? "none" : DEFAULT_USER) + " startup_ms=" + millis;
        writeReadyFile(options.readyFile, ready);
        System.out.println(ready);
        System.out.flush();
        // The JVM exits through the shutdown hook; the main thread only has to stay parked.
        new CountDownLatch(1).await();
    }

    private static DatabaseManagementService buildService(Options options) {
        DatabaseManagementServiceBuilder builder = new DatabaseManagementServiceBuilder(options.home);
        if (options.conf != null) {
            builder.loadPropertiesFromFile(options.conf);
        }
        builder.setConfig(BoltConnector.enabled, true)
                .setConfig(BoltConnector.listen_address, new SocketAddress(options.host, options.port))
                .setConfig(BoltConnector.advertised_address, new SocketAddress(options.host, options.port))
                .setConfig(GraphDatabaseSettings.auth_enabled, options.password != null)
                .setConfig(GraphDatabaseSettings.pagecache_memory, options.pagecacheBytes)
                // A test instance must not preallocate 256 MiB log files or keep days of history.
                .setConfig(GraphDatabaseSettings.preallocate_logical_logs, false)
                .setConfig(GraphDatabaseSettings.logical_log_rotation_threshold, ByteUnit.mebiBytes(16))
                .setConfig(GraphDatabaseSettings.keep_logical_logs, "1 files")
                .setConfig(GraphDatabaseSettings.udc_enabled, false);
        return builder.build();
    }

    /** Sets the built-in user's password and clears the "change required" flag Neo4j puts on it. */
    private static void setPassword(DatabaseManagementService dbms, String password) {
        String cypher = "ALTER USER " + DEFAULT_USER + " SET PASSWORD $pw CHANGE NOT REQUIRED";
        try {
            dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME)
                    .executeTransactionally(cypher, Map.of("pw", password));
        } catch (RuntimeException e) {
            // On restart the stored password is usually already this one, and Neo4j refuses a no-op change.
            if (!String.valueOf(e.getMessage()).contains("Old password and new password cannot be the same")) {
                throw e;
            }
        }
    }

    private static void awaitBolt(String host, int port, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(host, port), 1000);
                return;
            } catch (IOException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("Bolt did not open on " + host + ":" + port, e);
                }
                Thread.sleep(100);
            }
        }
    }

    private static void writeReadyFile(Path readyFile, String line) throws IOException {
        // Write-then-rename so a watcher never reads a half-written file.
        Path tmp = readyFile.resolveSibling(readyFile.getFileName() + ".tmp");
        Files.writeString(tmp, line + System.lineSeparator(), StandardCharsets.UTF_8);
        Files.move(tmp, readyFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static void shutdown(DatabaseManagementService dbms, Options options) {
        try {
            Files.deleteIfExists(options.readyFile);
        } catch (IOException ignored) {
            // A stale ready file is harmless: the launcher script also checks the pid.
        }
        System.out.println("Shutting down Neo4j ...");
        dbms.shutdown();
        System.out.println("Neo4j stopped.");
        System.out.flush();
    }

    /** Command-line/env options; flags win over environment variables. */
    private static final class Options {
        Path home;
        String host;
        int port;
        String password;
        long pagecacheBytes;
        Path readyFile;
        Path conf;

        static Options parse(String[] args) {
            Map<String, String> flags = parseFlags(args);
            Options o = new Options();
            String home = pick(flags, "home", "NEO4J_HOME_DIR", null);
            if (home == null) {
                throw new IllegalArgumentException("usage: EmbeddedNeo4j --home DIR [--port N] [--auth none|neo4j/PASS]");
            }
            o.home = Path.of(home).toAbsolutePath();
            o.host = pick(flags, "host", "NEO4J_BOLT_HOST", "127.0.0.1");
            o.port = Integer.parseInt(pick(flags, "port", "NEO4J_BOLT_PORT", "7687"));
            o.password = parseAuth(pick(flags, "auth", "NEO4J_AUTH", DEFAULT_USER + "/thermo-neo4j"));
            o.pagecacheBytes = ByteUnit.parse(pick(flags, "pagecache", "NEO4J_PAGECACHE", "128m"));
            o.readyFile = Path.of(pick(flags, "ready-file", "NEO4J_READY_FILE", o.home.resolve("ready").toString()));
            String conf = pick(flags, "conf", "NEO4J_CONF_FILE", null);
            o.conf = conf == null || conf.isEmpty() ? null : Path.of(conf);
            return o;
        }

        /** "none" disables auth (null); "neo4j/SECRET" enables it. Same spelling as the Docker image. */
        private static String parseAuth(String spec) {
            if (spec.equalsIgnoreCase("none")) {
                return null;
            }
            int slash = spec.indexOf('/');
            if (slash < 0 || !spec.substring(0, slash).equals(DEFAULT_USER) || slash == spec.length() - 1) {
                throw new IllegalArgumentException("auth must be 'none' or 'neo4j/<password>', got: " + spec);
            }
            return spec.substring(slash + 1);
        }

        private static Map<String, String> parseFlags(String[] args) {
            Map<String, String> flags = new HashMap<>();
            for (int i = 0; i < args.length; i++) {
                if (!args[i].startsWith("--") || i + 1 >= args.length) {
                    throw new IllegalArgumentException("expected '--flag value', got: " + args[i]);
                }
                flags.put(args[i].substring(2), args[++i]);
            }
            return flags;
        }

        private static String pick(Map<String, String> flags, String flag, String env, String fallback) {
            String value = flags.get(flag);
            if (value == null) {
                value = System.getenv(env);
            }
            return value == null || value.isEmpty() ? fallback : value;
        }
    }
}
