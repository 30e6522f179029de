package dev.shoal.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP proxy on loopback in front of a coordinator's HTTP port, to break what lies between a client
 * and its coordinator on purpose: it cuts every connection once it has passed a number of bytes
 * from the coordinator, goes down (connections refused, open ones cut, as when the coordinator's
 * JVM dies) and comes back on the same port, possibly in front of another coordinator.
 */
public final class TcpProxy implements AutoCloseable {

  private final int port;
  private volatile int target;
  private volatile long cutAfter = Long.MAX_VALUE;
  private volatile ServerSocket listener;
  private volatile Thread acceptor;
  private final List<Socket> open = new CopyOnWriteArrayList<>();
  private final AtomicInteger connections = new AtomicInteger();
  private final AtomicInteger cuts = new AtomicInteger();

  private TcpProxy(int target) throws IOException {
    this.target = target;
    ServerSocket s = belowEphemeralPorts();
    this.port = s.getLocalPort();
    serve(s);
  }

  /**
   * A port below the kernel's ephemeral range (32768 and up on Linux): {@link #up} binds it again
   * after {@link #down}, and a port from that range could meanwhile have become the local port of
   * some outgoing connection (a client retrying, say), which makes the bind fail.
   */
  private static ServerSocket belowEphemeralPorts() throws IOException {
    java.util.Random random = new java.util.Random();
    IOException last = null;
    for (int attempt = 0; attempt < 200; attempt++) {
      try {
        return bind(20_000 + random.nextInt(12_000));
      } catch (IOException taken) {
        last = taken;
      }
    }
    throw last;
  }

  /** A proxy on a free port forwarding to {@code url}'s port on loopback. */
  public static TcpProxy to(String url) throws IOException {
    return new TcpProxy(java.net.URI.create(url).getPort());
  }

  public String url() {
    return "http://127.0.0.1:" + port;
  }

  public int port() {
    return port;
  }

  /** From now on, every connection is cut once it has passed {@code bytes} bytes from the coordinator. */
  public void cutAfter(long bytes) {
    cutAfter = bytes;
  }

  /** Connections accepted so far. */
  public int connections() {
    return connections.get();
  }

  /** Connections cut so far by {@link #cutAfter}. */
  public int cuts() {
    return cuts.get();
  }

  /** Stops listening (a connection is refused) and cuts every open connection. */
  public synchronized void down() throws IOException {
    listener.close();
    // the JDK closes a socket that a thread is blocked accepting on only once that thread has woken:
    // until then the port still listens, and up() could not bind it
    try {
      acceptor.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new java.io.InterruptedIOException("interrupted while the proxy stopped listening");
    }
    for (Socket s : open) {
      cut(s);
    }
  }

  /** Listens again on the same port, forwarding to {@code url}'s port. */
  public synchronized void up(String url) throws IOException {
    target = java.net.URI.create(url).getPort();
    serve(bind(port));
  }

  private static ServerSocket bind(int port) throws IOException {
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
    return s;
  }

  private void serve(ServerSocket s) {
    listener = s;
    acceptor = daemon("proxy-accept-" + port, () -> {
      while (!s.isClosed()) {
        Socket client;
        try {
          client = s.accept();
        } catch (IOException closed) {
          return;
        }
        connections.incrementAndGet();
        open.add(client);
        try {
          Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
          open.add(server);
          daemon("proxy-up", () -> pump(client, server, Long.MAX_VALUE));
          daemon("proxy-down", () -> pump(server, client, cutAfter));
        } catch (IOException e) {
          cut(client);
        }
      }
    });
  }

  /** Copies {@code from} to {@code to} until either ends or {@code limit} bytes have passed, then cuts both. */
  private void pump(Socket from, Socket to, long limit) {
    long passed = 0;
    byte[] buf = new byte[8192];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      while (true) {
        int n = in.read(buf, 0, (int) Math.min(buf.length, limit - passed));
        if (n < 0) {
          break;
        }
        out.write(buf, 0, n);
        out.flush();
        passed += n;
        if (passed >= limit) {
          cuts.incrementAndGet();
          break;
        }
      }
    } catch (IOException e) {
      // one side went away: the other goes too
    }
    cut(from);
    cut(to);
  }

  private void cut(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // closing is all that is asked
    }
    open.remove(s);
  }

  private static Thread daemon(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  @Override
  public void close() throws IOException {
    down();
  }
}
