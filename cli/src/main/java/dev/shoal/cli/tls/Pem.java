package dev.shoal.cli.tls;

import dev.shoal.cli.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

/**
 * PEM certificates and keys (as {@code openssl} and {@code shoal certs} write them) turned into the
 * JDK's TLS contexts. Keys are read with BouncyCastle's {@code PEMParser}, so PKCS#8, EC and RSA
 * ("traditional") keys all work.
 */
public final class Pem {

  private static final char[] IN_MEMORY = "in-memory".toCharArray();

  private Pem() {}

  /** A client context that trusts exactly the CA certificate(s) in {@code caPem}. */
  public static SSLContext trusting(Path caPem) {
    try {
      KeyStore trust = KeyStore.getInstance("PKCS12");
      trust.load(null, null);
      int i = 0;
      for (X509Certificate c : certificates(caPem)) {
        trust.setCertificateEntry("ca-" + i++, c);
      }
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init(trust);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, tmf.getTrustManagers(), null);
      return context;
    } catch (GeneralSecurityException | IOException e) {
      throw new UsageException("cannot use " + caPem + " as CA certificate: " + e.getMessage());
    }
  }

  /** A server context presenting the chain in {@code certPem} with the key in {@code keyPem}. */
  public static SSLContext server(Path certPem, Path keyPem) {
    try {
      List<X509Certificate> chain = certificates(certPem);
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(null, null);
      keys.setKeyEntry("server", privateKey(keyPem), IN_MEMORY, chain.toArray(Certificate[]::new));
      return serverContext(keys, IN_MEMORY);
    } catch (GeneralSecurityException | IOException e) {
      throw new UsageException("cannot serve HTTPS with " + certPem + " and " + keyPem + ": " + e.getMessage());
    }
  }

  /** A server context presenting the key and chain of a PKCS#12 store. */
  public static SSLContext server(Path p12, char[] password) {
    try (InputStream in = Files.newInputStream(p12)) {
      KeyStore keys = KeyStore.getInstance("PKCS12");
      keys.load(in, password);
      return serverContext(keys, password);
    } catch (GeneralSecurityException | IOException e) {
      throw new UsageException("cannot serve HTTPS with " + p12 + ": " + e.getMessage());
    }
  }

  private static SSLContext serverContext(KeyStore keys, char[] password) throws GeneralSecurityException {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keys, password);
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(kmf.getKeyManagers(), null, null);
    return context;
  }

  /** Every certificate in a PEM file, in order. */
  public static List<X509Certificate> certificates(Path pem) throws IOException, GeneralSecurityException {
    CertificateFactory factory = CertificateFactory.getInstance("X.509");
    List<X509Certificate> out = new ArrayList<>();
    try (InputStream in = Files.newInputStream(pem)) {
      for (Certificate c : factory.generateCertificates(in)) {
        out.add((X509Certificate) c);
      }
    }
    if (out.isEmpty()) {
      throw new GeneralSecurityException("no certificate in " + pem);
    }
    return out;
  }

  /** The private key in a PEM file (PKCS#8 or a traditional EC/RSA key pair; not encrypted). */
  public static PrivateKey privateKey(Path pem) throws IOException {
    try (Reader reader = Files.newBufferedReader(pem, StandardCharsets.US_ASCII); PEMParser parser = new PEMParser(reader)) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      if (o instanceof PEMKeyPair pair) {
        return converter.getKeyPair(pair).getPrivate();
      }
      if (o instanceof PrivateKeyInfo info) {
        return converter.getPrivateKey(info);
      }
      throw new IOException("no unencrypted private key in " + pem);
    }
  }
}
