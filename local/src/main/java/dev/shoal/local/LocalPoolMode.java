package dev.shoal.local;

import dev.shoal.client.LocalMode;
import dev.shoal.client.Pool;

/** {@link dev.shoal.client.Shoal#local(int)}'s way to this module: a {@link LocalPool} with default options. */
public final class LocalPoolMode implements LocalMode {

  @Override
  public Pool start(int workers) {
    return LocalPool.start(LocalPool.Options.of(workers));
  }
}
