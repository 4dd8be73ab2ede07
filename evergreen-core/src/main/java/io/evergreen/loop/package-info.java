/**
 * Event loops: one platform thread each, running timers, ready callbacks and I/O readiness in named phases
 * ({@link io.evergreen.loop.EventLoop}), grouped N per application ({@link io.evergreen.loop.EventLoopGroup}).
 * In {@link io.evergreen.loop.SchedulerMode#LOOP} a loop is also the scheduler of its fibers' virtual
 * threads, through the one class that touches JDK internals, {@link io.evergreen.loop.JdkVirtualThreadHook}.
 * The poll phase sits behind {@link io.evergreen.loop.IoPoller}, the seam for other I/O backends.
 */
package io.evergreen.loop;
