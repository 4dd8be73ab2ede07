/**
 * Synchronisation between fibers, and between fibers and platform threads.
 * <p>
 * The JDK's {@code java.util.concurrent} primitives are fiber-safe: {@code ReentrantLock}, {@code Semaphore},
 * {@code CountDownLatch}, {@code BlockingQueue}s and {@code CompletableFuture.join} park the waiting fiber, not
 * its loop, and so does {@code synchronized} on JDK 25 (monitors no longer pin a virtual thread). Use them as
 * usual; evergreen does not re-implement them. This package adds only what the JDK lacks:
 * {@link io.evergreen.sync.Event} (set / clear / await), {@link io.evergreen.sync.Channel} (bounded or
 * rendezvous, closeable, iterable) and {@link io.evergreen.sync.Result} (a light one-shot future). Their timed
 * waits in a fiber use the fiber's loop timer, and a cancelled fiber leaves them with
 * {@link io.evergreen.fiber.FiberCancelledException}.
 */
package io.evergreen.sync;
