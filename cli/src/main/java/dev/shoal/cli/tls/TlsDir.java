package dev.shoal.cli.tls;

import dev.shoal.cli.DataDir;
import dev.shoal.cli.UsageException;
import dev.shoal.cli.tls.ClusterCertificates.Authority;
import dev.shoal.cli.tls.ClusterCertificates.Issued;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;

/**
 * A node's TLS folder, as {@code shoal certs} writes it and every node reads it with {@code
 * --tls-dir}:
 *
 * <ul>
 *   <li>{@code ca.crt}: the cluster CA's certificate (PEM; public: clients verify HTTPS with it);
 *   <li>{@code ca.key}: the CA's key (PEM), only where certificates are made: keep it off nodes
 *       that do not need it;
 *   <li>{@code node.p12}: this node's key and certificate chain, {@code truststore.p12}: the CA, both
 *       PKCS#12 locked with {@code store-password};
 *   <li>{@code node.crt}, {@code node.key}: the same key and certificate as PEM, for other tools.
 * </ul>
 *
 * <p>Guarantees: secret files are owner-only; nothing is overwritten.
 */
public final class TlsDir {

  public static final Duration CA_VALIDITY = Duration.ofDays(3650);
  public static final Duration NODE_VALIDITY = Duration.ofDays(825);

  private final Path dir;

  private TlsDir(Path dir) {
    this.dir = dir;
  }

  /** The folder at {@code dir}, checked to hold what a node needs. */
  public static TlsDir open(Path dir) {
    for (String f : List.of("ca.crt", "node.p12", "truststore.p12", "store-password")) {
      if (!Files.isReadable(dir.resolve(f))) {
        throw new UsageException("the TLS folder " + dir + " has no readable " + f
            + " (make one with 'shoal certs create --out DIR' or 'shoal certs node')");
      }
    }
    return new TlsDir(dir);
  }

  /** Makes a new cluster CA and a node certificate for {@code hosts} in the new or empty folder {@code dir}. */
  public static TlsDir create(Path dir, List<String> hosts) {
    refuseExisting(dir);
    Authority ca = ClusterCertificates.newAuthority("Shoal cluster CA", CA_VALIDITY);
    try {
      DataDir.writeSecret(dir.resolve("ca.key"), ClusterCertificates.pem(ca.key()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + dir.resolve("ca.key"), e);
    }
    return writeNode(dir, ca, hosts);
  }

  /** Makes a node certificate for {@code hosts}, signed by the CA in {@code caDir}, in the new folder {@code dir}. */
  public static TlsDir issue(Path caDir, Path dir, List<String> hosts) {
    Path key = caDir.resolve("ca.key");
    Path cert = caDir.resolve("ca.crt");
    if (!Files.isReadable(key) || !Files.isReadable(cert)) {
      throw new UsageException("the CA folder " + caDir + " needs ca.crt and ca.key (from 'shoal certs create')");
    }
    refuseExisting(dir);
    Authority ca;
    try {
      ca = new Authority(Pem.privateKey(key), Pem.certificates(cert).get(0));
    } catch (IOException | GeneralSecurityException e) {
      throw new UsageException("cannot read the CA in " + caDir + ": " + e.getMessage());
    }
    return writeNode(dir, ca, hosts);
  }

  private static TlsDir writeNode(Path dir, Authority ca, List<String> hosts) {
    Issued node = ClusterCertificates.issue(ca, hosts, NODE_VALIDITY);
    byte[] random = new byte[24];
    new SecureRandom().nextBytes(random);
    char[] password = Base64.getUrlEncoder().withoutPadding().encodeToString(random).toCharArray();
    try {
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("ca.crt"), ClusterCertificates.pem(ca.certificate()), StandardCharsets.US_ASCII);
      Files.writeString(dir.resolve("node.crt"), ClusterCertificates.pem(node.certificate(), ca.certificate()),
          StandardCharsets.US_ASCII);
      DataDir.writeSecret(dir.resolve("node.key"), ClusterCertificates.pem(node.key()));
      DataDir.writeSecret(dir.resolve("store-password"), new String(password) + "\n");
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("node", node.key(), password, new Certificate[] {node.certificate(), ca.certificate()});
      store(keys, dir.resolve("node.p12"), password);
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      trust.setCertificateEntry("ca", ca.certificate());
      store(trust, dir.resolve("truststore.p12"), password);
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalStateException("cannot write the TLS folder " + dir + ": " + e.getMessage(), e);
    }
    return new TlsDir(dir);
  }

  private static void store(KeyStore store, Path file, char[] password) throws IOException, GeneralSecurityException {
    DataDir.writeSecret(file, new byte[0]);
    try (OutputStream out = Files.newOutputStream(file)) {
      store.store(out, password);
    }
  }

  private static void refuseExisting(Path dir) {
    if (Files.exists(dir.resolve("node.p12")) || Files.exists(dir.resolve("ca.key"))) {
      throw new UsageException("the folder " + dir + " already holds certificates; nothing was overwritten");
    }
  }

  public Path dir() {
    return dir;
  }

  public Path caCertificate() {
    return dir.resolve("ca.crt");
  }

  /** Artery over TLS with mutual authentication: only nodes holding a certificate of this CA connect. */
  public Map<String, Object> arteryConfig() {
    String password = password();
    String p = "pekko.remote.artery.ssl.config-ssl-engine.";
    Map<String, Object> o = new HashMap<>();
    o.put("pekko.remote.artery.transport", "tls-tcp");
    o.put("pekko.remote.artery.ssl.ssl-engine-provider", ClusterTlsProvider.class.getName());
    o.put(p + "key-store", dir.resolve("node.p12").toAbsolutePath().toString());
    o.put(p + "trust-store", dir.resolve("truststore.p12").toAbsolutePath().toString());
    o.put(p + "key-store-password", password);
    o.put(p + "key-password", password);
    o.put(p + "trust-store-password", password);
    o.put(p + "require-mutual-authentication", "on");
    // peers are dialled by address and the CA is the cluster's own: trust is the CA's signature
    o.put(p + "hostname-verification", "off");
    return o;
  }

  /** An HTTPS server context with this node's certificate. */
  public SSLContext httpsServer() {
    return Pem.server(dir.resolve("node.p12"), password().toCharArray());
  }

  /** The names and addresses this node's certificate is for. */
  public List<String> hosts() {
    try {
      X509Certificate c = Pem.certificates(dir.resolve("node.crt")).get(0);
      return c.getSubjectAlternativeNames() == null ? List.of()
          : c.getSubjectAlternativeNames().stream().map(n -> String.valueOf(n.get(1))).toList();
    } catch (IOException | GeneralSecurityException e) {
      return List.of();
    }
  }

  private String password() {
    try {
      return Files.readString(dir.resolve("store-password"), StandardCharsets.UTF_8).strip();
    } catch (IOException e) {
      throw new UsageException("cannot read " + dir.resolve("store-password") + ": " + e.getMessage());
    }
  }
}
