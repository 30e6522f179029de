package dev.shoal.cli;

import dev.shoal.cli.tls.TlsDir;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code shoal certs}: a cluster's certificate authority and node certificates, for mutual TLS
 * between nodes ({@code --tls-dir}) and HTTPS on the API.
 */
@Command(name = "certs", mixinStandardHelpOptions = true,
    description = "Make a cluster CA and node certificates for mutual TLS between nodes.",
    subcommands = {CertsCommand.Create.class, CertsCommand.Node.class})
public final class CertsCommand implements Callable<Integer> {

  @Override
  public Integer call() {
    throw new UsageException("give what to make: 'shoal certs create --out DIR' or 'shoal certs node --ca DIR --out DIR'");
  }

  public static List<String> hosts(List<String> given) {
    Set<String> hosts = new LinkedHashSet<>();
    if (given != null) {
      for (String g : given) {
        for (String h : g.split(",")) {
          if (!h.isBlank()) {
            hosts.add(h.strip());
          }
        }
      }
    }
    hosts.add("localhost");
    hosts.add("127.0.0.1");
    try {
      InetAddress self = InetAddress.getLocalHost();
      hosts.add(self.getHostName());
      hosts.add(self.getHostAddress());
    } catch (UnknownHostException e) {
      // a machine without a resolvable name still gets localhost and the names given
    }
    return new ArrayList<>(hosts);
  }

  @Command(name = "create", mixinStandardHelpOptions = true,
      description = "Make a new cluster CA and a node certificate in a new folder (copy it to every node without ca.key).")
  static final class Create implements Callable<Integer> {

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the new folder")
    Path out;

    @Option(names = "--hosts", paramLabel = "HOST,...", split = ",",
        description = "names and addresses the node certificate is for, besides localhost and this machine's")
    List<String> hosts;

    @Override
    public Integer call() {
      TlsDir dir = TlsDir.create(out, CertsCommand.hosts(hosts));
      System.out.println("cluster CA and node certificate in " + dir.dir() + " for " + String.join(", ", dir.hosts()));
      System.out.println("nodes: --tls-dir " + dir.dir() + " (copy the folder without ca.key to other machines,"
          + " or make their own with 'shoal certs node --ca " + dir.dir() + "')");
      return ExitCodes.OK;
    }
  }

  @Command(name = "node", mixinStandardHelpOptions = true,
      description = "Make a node certificate signed by an existing cluster CA, in a new folder.")
  static final class Node implements Callable<Integer> {

    @Option(names = "--ca", required = true, paramLabel = "DIR", description = "the folder with ca.crt and ca.key")
    Path ca;

    @Option(names = "--out", required = true, paramLabel = "DIR", description = "the new folder")
    Path out;

    @Option(names = "--hosts", paramLabel = "HOST,...", split = ",",
        description = "names and addresses of the node, besides localhost and this machine's")
    List<String> hosts;

    @Override
    public Integer call() {
      TlsDir dir = TlsDir.issue(ca, out, CertsCommand.hosts(hosts));
      System.out.println("node certificate in " + dir.dir() + " for " + String.join(", ", dir.hosts())
          + "; start the node with --tls-dir " + dir.dir());
      return ExitCodes.OK;
    }
  }
}
