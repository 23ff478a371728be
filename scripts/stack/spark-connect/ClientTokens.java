package summarypipeline.connect;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.security.MessageDigest;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.sparkproject.connect.grpc.Metadata;
import org.sparkproject.connect.grpc.ServerCall;
import org.sparkproject.connect.grpc.ServerCallHandler;
import org.sparkproject.connect.grpc.ServerInterceptor;
import org.sparkproject.connect.grpc.Status;

/**
 * Client authentication for the Kubernetes Spark Connect server (k8s/components/spark-connect, docs/security.md
 * "Who may reach the Spark Connect server"): Spark 3.5's server authenticates no one, so every call must carry
 * {@code authorization: Bearer <token>} with the token of one of the pipeline's clients. The tokens are the files
 * of the directory SPARK_CONNECT_CLIENTS_DIR, one per client, named by the client (a projected volume of
 * the clients' required Secrets); each must hold at least 32 characters. A missing or unreadable directory, or
 * one without a usable token, fails the server's start naming the problem.
 *
 * The pyspark 3.5 client sends the {@code token=} of its sc:// URL as that header, and only over TLS, which the
 * pod's proxy terminates: the server itself listens on plaintext, so this interceptor runs with LoopbackOnly,
 * which refuses every peer but the proxy in the same pod. A refused call gets UNAUTHENTICATED; the message never
 * contains what the client sent. Tokens are read once at start: a rotated Secret takes effect on a restart.
 * Compiled against the connect jar's shaded gRPC (docker/spark-connect.Dockerfile).
 */
public final class ClientTokens implements ServerInterceptor {
  static final String DIR_ENV = "SPARK_CONNECT_CLIENTS_DIR";
  static final int MIN_LENGTH = 32;
  private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
  private static final String BEARER = "Bearer ";

  /** client name -> its token's bytes. */
  private final Map<String, byte[]> tokens;

  public ClientTokens() {
    this(System.getenv(DIR_ENV));
  }

  ClientTokens(String dir) {
    this.tokens = readTokens(dir);
  }

  static Map<String, byte[]> readTokens(String dir) {
    if (dir == null || dir.isEmpty()) {
      throw new IllegalStateException(DIR_ENV + " is not set: expected the directory of the clients' tokens (one file per client)");
    }
    Path root = Paths.get(dir);
    Map<String, byte[]> out = new TreeMap<>();
    // A projected volume holds each file twice (name -> ..data/name): its dot-entries are skipped.
    try (Stream<Path> files = Files.list(root)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.startsWith(".") || !Files.isRegularFile(file)) continue;
        String token = new String(Files.readAllBytes(file), StandardCharsets.UTF_8).trim();
        if (token.length() < MIN_LENGTH) {
          throw new IllegalStateException(DIR_ENV + ": the token of client " + name + " (" + file + ") has " + token.length()
              + " characters; expected at least " + MIN_LENGTH + " (e.g. openssl rand -hex 32)");
        }
        out.put(name, token.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new IllegalStateException(DIR_ENV + "=" + dir + ": cannot list the clients' tokens: " + e, e);
    }
    if (out.isEmpty()) {
      throw new IllegalStateException(DIR_ENV + "=" + dir + " holds no token: expected one file per client (its Secret's key token)");
    }
    return out;
  }

  /** The client whose token `authorization` carries, or null. Compares every token in constant time. */
  String clientOf(String authorization) {
    if (authorization == null || !authorization.startsWith(BEARER)) return null;
    byte[] sent = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    String found = null;
    for (Map.Entry<String, byte[]> e : tokens.entrySet()) {
      if (MessageDigest.isEqual(sent, e.getValue()) && found == null) found = e.getKey();
    }
    return found;
  }

  @Override
  public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
    if (clientOf(headers.get(AUTHORIZATION)) != null) {
      return next.startCall(call, headers);
    }
    call.close(Status.UNAUTHENTICATED.withDescription(
        "this Spark Connect server needs a client token: connect with sc://<host>:<port>/;use_ssl=true;token=<your token>"), new Metadata());
    return new ServerCall.Listener<Q>() {};
  }

  /** Self-test (no Spark needed): java -cp <connect jar>:<classes> summarypipeline.connect.ClientTokens <dir>. */
  public static void main(String[] args) throws IOException {
    Path dir = Files.createTempDirectory("client-tokens");
    String good = "0123456789abcdef0123456789abcdef";
    Files.write(dir.resolve("classifier"), (good + "\n").getBytes(StandardCharsets.UTF_8));
    Files.createDirectory(dir.resolve("..data"));
    ClientTokens t = new ClientTokens(dir.toString());
    check(t.clientOf("Bearer " + good), "classifier");
    check(t.clientOf("Bearer " + good + "x"), null);
    check(t.clientOf(good), null);
    check(t.clientOf(null), null);
    Files.write(dir.resolve("spark-dispatcher"), "short".getBytes(StandardCharsets.UTF_8));
    try {
      new ClientTokens(dir.toString());
      throw new AssertionError("a short token was accepted");
    } catch (IllegalStateException expected) {
      if (!expected.getMessage().contains("client spark-dispatcher")) throw new AssertionError(expected.getMessage());
    }
    try {
      new ClientTokens(null);
      throw new AssertionError("a missing directory was accepted");
    } catch (IllegalStateException expected) {
      if (!expected.getMessage().startsWith(DIR_ENV + " is not set")) throw new AssertionError(expected.getMessage());
    }
    System.out.println("ClientTokens: ok");
  }

  private static void check(String got, String want) {
    if (want == null ? got != null : !want.equals(got)) throw new AssertionError("expected " + want + ", got " + got);
  }
}
