package dev.shoal.cli.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.shoal.cli.UsageException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The cluster certificates {@code shoal certs} makes, tried in real TLS handshakes on loopback sockets. */
class TlsDirTest {

  @TempDir
  Path tmp;

  @Test
  void aNodeCertificateOfTheClusterCaPassesAClientThatVerifiesTheHost() throws Exception {
    TlsDir dir = TlsDir.create(tmp.resolve("cluster"), List.of("coordinator", "127.0.0.1", "localhost"));
    assertEquals("ok", handshake(dir.httpsServer(), Pem.trusting(dir.caCertificate()), "localhost"));
    assertEquals("ok", handshake(dir.httpsServer(), Pem.trusting(dir.caCertificate()), "127.0.0.1"));
  }

  @Test
  void aClientTrustingAnotherCaRefusesTheNode() throws Exception {
    TlsDir ours = TlsDir.create(tmp.resolve("ours"), List.of("127.0.0.1", "localhost"));
    TlsDir theirs = TlsDir.create(tmp.resolve("theirs"), List.of("127.0.0.1", "localhost"));
    assertThrows(SSLHandshakeException.class,
        () -> handshake(ours.httpsServer(), Pem.trusting(theirs.caCertificate()), "localhost"));
  }

  @Test
  void aNameTheCertificateIsNotForFailsHostVerification() throws Exception {
    TlsDir dir = TlsDir.create(tmp.resolve("c"), List.of("coordinator.example"));
    assertThrows(SSLHandshakeException.class, () -> handshake(dir.httpsServer(), Pem.trusting(dir.caCertificate()), "localhost"));
  }

  @Test
  void aNodeCertificateIssuedLaterByTheSameCaIsTrustedAndTheCaKeyStaysBehind() throws Exception {
    TlsDir ca = TlsDir.create(tmp.resolve("ca"), List.of("localhost"));
    TlsDir second = TlsDir.issue(ca.dir(), tmp.resolve("second"), List.of("worker-2", "localhost"));
    assertTrue(Files.notExists(second.dir().resolve("ca.key")), "a node folder made from the CA holds no CA key");
    assertEquals("ok", handshake(second.httpsServer(), Pem.trusting(ca.caCertificate()), "localhost"));
    assertTrue(second.hosts().contains("worker-2"), second.hosts().toString());
  }

  @Test
  void secretsAreOwnerOnlyAndNothingIsOverwritten() throws Exception {
    TlsDir dir = TlsDir.create(tmp.resolve("c"), List.of("localhost"));
    for (String secret : List.of("ca.key", "node.key", "node.p12", "store-password")) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.dir().resolve(secret))), secret);
    }
    byte[] before = Files.readAllBytes(dir.dir().resolve("ca.key"));
    UsageException again = assertThrows(UsageException.class, () -> TlsDir.create(dir.dir(), List.of("localhost")));
    assertTrue(again.getMessage().contains("already holds certificates"), again.getMessage());
    assertEquals(new String(before), Files.readString(dir.dir().resolve("ca.key")));
  }

  @Test
  void theArteryConfigurationRequiresMutualAuthenticationWithTheFolderStores() throws Exception {
    TlsDir dir = TlsDir.create(tmp.resolve("c"), List.of("localhost"));
    Map<String, Object> c = dir.arteryConfig();
    String p = "pekko.remote.artery.ssl.config-ssl-engine.";
    assertEquals("tls-tcp", c.get("pekko.remote.artery.transport"));
    assertEquals("on", c.get(p + "require-mutual-authentication"));
    KeyStore keys = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(Path.of((String) c.get(p + "key-store")))) {
      keys.load(in, ((String) c.get(p + "key-store-password")).toCharArray());
    }
    X509Certificate node = (X509Certificate) keys.getCertificate("node");
    X509Certificate ca = Pem.certificates(dir.caCertificate()).get(0);
    node.verify(ca.getPublicKey());
    assertTrue(node.getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")),
        "server and client authentication, as mutual TLS needs");
  }

  @Test
  void aMissingFolderOrFileIsNamed() {
    UsageException e = assertThrows(UsageException.class, () -> TlsDir.open(tmp.resolve("none")));
    assertTrue(e.getMessage().contains("has no readable ca.crt"), e.getMessage());
  }

  /** One TLS connection on loopback: the server says "ok" to a client that verifies {@code host}. */
  private static String handshake(SSLContext server, SSLContext client, String host) throws Exception {
    try (SSLServerSocket listener = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0)) {
      CompletableFuture<Void> served = CompletableFuture.runAsync(() -> {
        try (SSLSocket s = (SSLSocket) listener.accept(); OutputStream out = s.getOutputStream()) {
          out.write("ok".getBytes());
        } catch (Exception ignored) {
          // the client's failure is what the test looks at
        }
      });
      try (SSLSocket s = (SSLSocket) client.getSocketFactory().createSocket("127.0.0.1", listener.getLocalPort())) {
        SSLParameters params = s.getSSLParameters();
        params.setEndpointIdentificationAlgorithm("HTTPS");
        params.setServerNames(host.matches("[\\d.]+") ? List.of() : List.of(new javax.net.ssl.SNIHostName(host)));
        s.setSSLParameters(params);
        s.setSoTimeout(10_000);
        byte[] got = s.getInputStream().readNBytes(2);
        served.get(10, TimeUnit.SECONDS);
        return new String(got);
      }
    }
  }
}
