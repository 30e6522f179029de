package dev.shoal.cli.tls;

import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Artery's TLS as Pekko configures it ({@code config-ssl-engine}: the node's key store, the cluster
 * CA as the only trust, mutual authentication), plus one log line for every peer refused: on the
 * dialling side naming the certificate that is not of this cluster's CA, on the accepting side
 * (where Pekko itself says nothing) the TLS failure of the connection.
 */
public final class ClusterTlsProvider extends ConfigSSLEngineProvider {

  // static: the trust managers are made in the super constructor, before any field of ours is set
  private static final Logger LOG = LoggerFactory.getLogger(ClusterTlsProvider.class);

  public ClusterTlsProvider(ActorSystem system) {
    super(system);
  }

  @Override
  public SSLEngine createServerSSLEngine(String hostname, int port) {
    return new RefusalLoggingEngine(super.createServerSSLEngine(hostname, port), e -> LOG.warn(
        "refused a connection to this node's cluster port: {} (a node without a certificate of this cluster's CA, "
            + "or a plain-text node)", e.getMessage()));
  }

  @Override
  public TrustManager[] trustManagers() {
    TrustManager[] managers = super.trustManagers();
    for (int i = 0; i < managers.length; i++) {
      if (managers[i] instanceof X509ExtendedTrustManager x) {
        managers[i] = new Logging(x);
      }
    }
    return managers;
  }

  private static final class Logging extends X509ExtendedTrustManager {

    private static final String CLIENT = "connecting node";
    private static final String SERVER = "node this one dialled";

    private final X509ExtendedTrustManager delegate;

    Logging(X509ExtendedTrustManager delegate) {
      this.delegate = delegate;
    }

    /** One of the trust manager's checks, which throws when the peer's certificate is not trusted. */
    private interface Check {
      void run() throws CertificateException;
    }

    private static void logRefusal(String who, X509Certificate[] chain, Check check) throws CertificateException {
      try {
        check.run();
      } catch (CertificateException e) {
        String subject = chain == null || chain.length == 0 ? "no certificate" : chain[0].getSubjectX500Principal().getName()
            + " issued by " + chain[0].getIssuerX500Principal().getName();
        LOG.warn("refused a {} whose certificate is not of this cluster's CA ({}): {}", who, subject, e.getMessage());
        throw e;
      }
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      logRefusal(CLIENT, chain, () -> delegate.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
      logRefusal(SERVER, chain, () -> delegate.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      logRefusal(CLIENT, chain, () -> delegate.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
      logRefusal(SERVER, chain, () -> delegate.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      logRefusal(CLIENT, chain, () -> delegate.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
      logRefusal(SERVER, chain, () -> delegate.checkServerTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return delegate.getAcceptedIssuers();
    }
  }
}
